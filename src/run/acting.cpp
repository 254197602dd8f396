// Acting with a trained agent: the policy's actions as envs take them, and a run's agent loaded to act.
#include "dreamer/run/acting.h"

#include <algorithm>
#include <filesystem>

#include "dreamer/core/runtime.h"
#include "dreamer/io/checkpoint.h"
#include "dreamer/run/run_dir.h"
#include "dreamer/run/train.h"

namespace fs = std::filesystem;

namespace dreamer {

std::vector<Action> policy_actions(Agent& agent, PolicyState& state, PolicyMode mode, const uint8_t* obs,
                                   const std::vector<bool>& is_first) {
  const auto& s = agent->obs_space;
  const int64_t n = int64_t(is_first.size());
  auto obs_t = torch::from_blob(const_cast<uint8_t*>(obs), {n, s.height, s.width, s.channels}, torch::kUInt8);
  auto first = torch::empty({n}, torch::kBool);
  for (int64_t i = 0; i < n; ++i) first[i] = bool(is_first[size_t(i)]);
  auto action = agent->policy(obs_t, first, state, mode).to(torch::kCPU, torch::kFloat32).contiguous();
  // The vector the model produced goes to the env and to replay as it is; a discrete action's index is its 1.
  const float* v = action.data_ptr<float>();
  const int64_t a = action.size(1);
  std::vector<Action> actions(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    Action& out = actions[size_t(i)];
    out.values.assign(v + i * a, v + (i + 1) * a);
    if (agent->act_space.discrete) out.index = int(std::max_element(out.values.begin(), out.values.end()) - out.values.begin());
  }
  return actions;
}

Policy agent_policy(Agent& agent, PolicyState& state, PolicyMode mode) {
  return [&agent, &state, mode](const uint8_t* obs, const std::vector<TimeStep>& steps, std::vector<Action>& actions) {
    std::vector<bool> is_first(steps.size());
    for (size_t i = 0; i < steps.size(); ++i) is_first[i] = steps[i].is_first;
    actions = policy_actions(agent, state, mode, obs, is_first);
  };
}

LoadedAgent::LoadedAgent(Agent agent, Config config) : agent_(std::move(agent)), config_(std::move(config)) {}

void LoadedAgent::reset() { envs_ = 0; }

Action LoadedAgent::act(const uint8_t* obs, bool greedy) { return act(obs, std::vector<bool>{false}, greedy).front(); }

std::vector<Action> LoadedAgent::act(const uint8_t* obs, const std::vector<bool>& is_first, bool greedy) {
  const int64_t n = int64_t(is_first.size());
  if (n < 1) throw Error("LoadedAgent::act: no envs (is_first is empty)");
  std::vector<bool> first = is_first;
  if (envs_ == 0) {  // after reset(): a fresh state for n envs, each starting an episode
    state_ = agent_->initial_policy_state(n);
    envs_ = n;
    first.assign(first.size(), true);
  } else if (n != envs_) {
    throw Error("LoadedAgent::act: " + std::to_string(n) + " envs, but the state holds " + std::to_string(envs_) +
                "; call reset() to change the number of envs");
  }
  return policy_actions(agent_, state_, greedy ? PolicyMode::eval : PolicyMode::train, obs, first);
}

LoadedAgent load_agent(const std::string& logdir, const std::string& device) {
  const fs::path ckpt = fs::path(logdir) / "checkpoint.pt";
  if (!fs::exists(fs::path(logdir) / "config.yaml")) throw Error("logdir '" + logdir + "' holds no run (no config.yaml)");
  if (!fs::exists(ckpt)) throw Error("logdir '" + logdir + "' holds no checkpoint.pt yet");
  Config cfg = read_run_config(logdir).config;
  if (!device.empty()) cfg.device = device;
  const auto target = parse_device(cfg.device);
  EnvPtr env = make_env(cfg.task, env_options(cfg), 0, 0);  // for its spaces
  Agent agent = make_agent(cfg, env->obs_space(), env->act_space());
  CheckpointParts parts;
  parts.modules = {{"agent", agent.get()}};
  load_checkpoint(ckpt.string(), parts);
  agent->to(target);
  agent->eval();
  return LoadedAgent(std::move(agent), std::move(cfg));
}

}  // namespace dreamer
