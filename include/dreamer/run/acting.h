// Acting with a trained agent: load a run's agent, act one observation (or N) at a time in the program's own loop.
//
//   auto agent = dreamer::load_agent("runs/breakout");          // config.yaml + checkpoint.pt, the run's device
//   auto env = dreamer::make_env(agent.config().task, dreamer::env_options(agent.config()), /*seed=*/1, 0);
//   std::vector<uint8_t> obs(env->obs_space().size());
//   dreamer::TimeStep ts = env->reset(obs.data());
//   agent.reset();                                              // a new episode: the recurrent state forgotten
//   while (!ts.is_last) ts = env->step(agent.act(obs.data()), obs.data());
//
// Threads, seeds (a sampled action draws from LibTorch's generator) and the allocator stay the program's choice.
#pragma once

#include <string>
#include <vector>

#include "dreamer/core/config.h"
#include "dreamer/envs/driver.h"
#include "dreamer/model/agent.h"

namespace dreamer {

/// The actions of the agent's policy for N envs, as the model gives them: `values` [A] (one-hot for a discrete
/// space, whose `index` is set too; a custom env may read either) or the box's values.
/// obs: [N, H, W, C] uint8; is_first: N flags, true where an env's episode starts (its state is reset).
std::vector<Action> policy_actions(Agent& agent, PolicyState& state, PolicyMode mode, const uint8_t* obs,
                                   const std::vector<bool>& is_first);

/// policy_actions as a Driver policy.
Policy agent_policy(Agent& agent, PolicyState& state, PolicyMode mode);

/// A trained agent with its recurrent state, acting for one env or a fixed batch of N envs.
class LoadedAgent {
 public:
  LoadedAgent(Agent agent, Config config);

  const Config& config() const { return config_; }
  const ObsSpace& obs_space() const { return agent_->obs_space; }
  const ActSpace& act_space() const { return agent_->act_space; }
  Agent& agent() { return agent_; }

  /// Forgets the recurrent state: the next act() starts new episodes, for any number of envs.
  void reset();
  /// One env: obs [H, W, C] uint8 of obs_space().size() bytes. Greedy takes the actor's mode, else a sample.
  Action act(const uint8_t* obs, bool greedy = true);
  /// N envs: obs [N, H, W, C] uint8; is_first[i] starts env i's episode. N stays fixed until reset(); a call with
  /// another N throws dreamer::Error.
  std::vector<Action> act(const uint8_t* obs, const std::vector<bool>& is_first, bool greedy = true);

 private:
  Agent agent_;
  Config config_;
  PolicyState state_;
  int64_t envs_ = 0;  // N of the state, 0 after reset()
};

/// The agent of the run in `logdir` (its config.yaml and checkpoint.pt) in eval mode on `device` ("" = the
/// run's). Its spaces come from one env of the run's task, which must be makeable here (register_suite for a
/// program's own env). Throws dreamer::Error when the logdir holds no run or the checkpoint does not fit.
LoadedAgent load_agent(const std::string& logdir, const std::string& device = "");

}  // namespace dreamer
