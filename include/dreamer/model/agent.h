// The DreamerV2 agent: the world model and the actor-critic, their update, and the acting policy.
#pragma once

#include <torch/torch.h>

#include "dreamer/core/config.h"
#include "dreamer/core/spaces.h"
#include "dreamer/model/actor_critic.h"
#include "dreamer/model/world_model.h"

namespace dreamer {

/// What the acting policy carries between steps, for N envs.
struct PolicyState {
  RSSMState latent;      // [N, ...] the filtered model state
  torch::Tensor action;  // [N, A] the last action taken
};

/// train: the actor's sample; explore: the exploration behaviour (expl_behavior `random`: a
/// uniformly random action); eval: the actor's mode. All three filter the latent state alike.
enum class PolicyMode { train, explore, eval };

struct AgentImpl : torch::nn::Module {
  AgentImpl(const Config& cfg, const ObsSpace& obs_space, const ActSpace& act_space);

  /// One training step: the world model on the batch, then the actor-critic in imagination from
  /// every posterior state of the batch. With carry_state, each row starts from the last posterior
  /// state of the same row of the previous batch, as the official code's CarryOverState.
  /// A clock gets the laps wm_forward, wm_backward, imagination, ac_backward and optimizer.
  Metrics train(const Batch& batch, PhaseClock* clock = nullptr);

  /// Acting: encode the observations, advance the RSSM filter one step, take the actor's sample
  /// (train, plus expl_noise) or mode (eval, plus eval_noise). obs: [N, H, W, C] uint8,
  /// is_first: [N] bool. Returns the actions [N, A] (one-hot for discrete spaces).
  torch::Tensor policy(const torch::Tensor& obs, const torch::Tensor& is_first, PolicyState& state, PolicyMode mode);

  /// A fresh policy state for N envs.
  PolicyState initial_policy_state(int64_t n);

  const Config cfg;
  const ObsSpace obs_space;
  const ActSpace act_space;
  WorldModel wm{nullptr};
  ActorCritic ac{nullptr};

 private:
  RSSMState carried_;  // carry_state: the last posterior of each row of the previous batch [B, ...]
};
TORCH_MODULE(Agent);

/// The agent of `cfg` for these spaces. Throws dreamer::Error when LibTorch cannot build the config's sizes, or when
/// the weights, their gradients and Adam's moments would not fit in the machine's memory (checked before training
/// allocates them: an internal error or the OOM killer otherwise).
Agent make_agent(const Config& cfg, const ObsSpace& obs, const ActSpace& act);

}  // namespace dreamer
