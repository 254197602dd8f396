// The actor-critic learned in imagination (paper section 2.3): lambda-returns, slow target critic,
// REINFORCE / dynamics-backprop actor gradients with an entropy bonus.
#pragma once

#include <torch/torch.h>

#include <functional>
#include <memory>
#include <vector>

#include "dreamer/core/config.h"
#include "dreamer/core/spaces.h"
#include "dreamer/model/world_model.h"
#include "dreamer/nets/optimizer.h"

namespace dreamer {

/// Lambda-returns along the last axis (paper eq. 4):
/// R_t = r_t + d_t ((1 - lambda) v_{t+1} + lambda R_{t+1}), with R_H = bootstrap.
/// reward, value, discount: [N, H]; bootstrap: [N] -> [N, H]
torch::Tensor lambda_return(const torch::Tensor& reward, const torch::Tensor& value, const torch::Tensor& discount,
                            const torch::Tensor& bootstrap, double lambda);

/// The actor's action distribution: one-hot categorical (discrete) or truncated Normal in [-1, 1].
struct ActionDist {
  torch::Tensor logits;     // onehot: [N, n]
  torch::Tensor loc, scale;  // trunc_normal: [N, n]

  torch::Tensor sample() const;  // [N, n], straight-through (onehot) or reparameterised
  torch::Tensor mode() const;    // [N, n]
  torch::Tensor log_prob(const torch::Tensor& action) const;  // [N, n] -> [N]
  torch::Tensor entropy() const;  // [N]

  /// Applies `fn` to every defined parameter tensor (logits, or loc and scale).
  ActionDist map(const std::function<torch::Tensor(const torch::Tensor&)>& fn) const;
  /// Stacks per-step distributions [N, n] along `dim` (1 gives [N, T, n]).
  static ActionDist stack(const std::vector<ActionDist>& steps, int64_t dim);
};

/// The imagined trajectories an update learns from, batch-major: N starts x (H + 1) steps.
struct Imagination {
  RSSMState state;        // [N, H+1, ...], the start state first
  torch::Tensor feat;     // [N, H+1, F]
  torch::Tensor action;   // [N, H+1, A]: the action that led to each state (zeros for the start)
  torch::Tensor reward;   // [N, H+1]
  torch::Tensor discount; // [N, H+1]: the first from replay, the rest predicted
  torch::Tensor weight;   // [N, H+1]: cumulative product of the discounts before each step
  ActionDist policy;      // [N, H+1, n]: the actor's distribution in each state, the one the rollout
                          // sampled from, with the actor's gradient (the actor loss reuses it)
};

struct ActorCriticImpl : torch::nn::Module {
  ActorCriticImpl(const Config& cfg, int64_t feat_dim, const ActSpace& act_space);

  /// The actor's distribution on features [N, F].
  ActionDist actor_dist(const torch::Tensor& feat);
  /// Critic values on features [..., F] -> [...]
  torch::Tensor value(const torch::Tensor& feat);
  torch::Tensor target_value(const torch::Tensor& feat);

  /// Imagines `imag_horizon` steps with the world model's prior and the actor from every start
  /// state [B, T, ...] (detached posteriors), or from `imag_starts` of them drawn uniformly: N is
  /// B x T or imag_starts. is_terminal: [B, T] from replay. With grad = false the rollout builds no
  /// autograd graph through the world model (enough for REINFORCE); the actor's distributions have
  /// one either way. With the fast kernels the actor's weight gradients over the H + 1 steps come in
  /// one product per layer (BatchedWeightGrads).
  Imagination imagine(WorldModelImpl& wm, const RSSMState& start, const torch::Tensor& is_terminal, bool grad);

  /// One actor and one critic update from the start states; then the slow target's schedule.
  /// The world model's parameters receive no gradient.
  Metrics train(WorldModelImpl& wm, const RSSMState& start, const torch::Tensor& is_terminal,
                PhaseClock* clock = nullptr);

  /// The mix of dynamics backprop in the actor objective: 0 for REINFORCE, 1 for dynamics, actor_grad_mix at the
  /// current frame for both.
  double dynamics_mix() const;
  /// The environment frames trained on so far: the clock of the actor_ent and actor_grad_mix schedules.
  void set_frames(int64_t frames) { frames_ = frames; }
  /// Moves the target critic toward the critic when the schedule says (every slow_target_update, by
  /// slow_target_fraction), when it bootstraps the targets (slow_target) or regularises the critic (slow_reg).
  void update_slow_target();
  /// DreamerV3's return normalisation: updates the tracked low and high quantiles of `returns` [N, H] and returns
  /// max(limit, high - low), or 1 when return_norm is off.
  double return_scale(const torch::Tensor& returns);

  Optimizer& actor_opt() { return *actor_opt_; }
  Optimizer& critic_opt() { return *critic_opt_; }

  const Config cfg;
  const ActSpace act_space;
  MLP actor{nullptr};
  MLP critic{nullptr};
  MLP target_critic{nullptr};
  torch::Tensor updates;     // buffer: updates taken (the slow target's clock)
  torch::Tensor reward_mag;  // buffer: running magnitude of imagined rewards (reward_norm)
  torch::Tensor return_range;  // buffer [2] with return_norm: the tracked low and high quantiles of the returns
  const ScalarDist critic_dist;  // how the critic's outputs are read: mse or twohot

 private:
  std::unique_ptr<Optimizer> actor_opt_;
  std::unique_ptr<Optimizer> critic_opt_;
  int64_t frames_ = 0;
};
TORCH_MODULE(ActorCritic);

}  // namespace dreamer
