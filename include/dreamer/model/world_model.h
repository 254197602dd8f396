// The world model (paper section 2.1): encoder, RSSM, image/reward/discount heads and their loss.
#pragma once

#include <torch/torch.h>

#include <map>
#include <memory>
#include <optional>
#include <string>

#include "dreamer/core/config.h"
#include "dreamer/core/phase_clock.h"
#include "dreamer/core/spaces.h"
#include "dreamer/model/rssm.h"
#include "dreamer/nets/coders.h"
#include "dreamer/nets/dist.h"
#include "dreamer/nets/optimizer.h"
#include "dreamer/replay/batch.h"

namespace dreamer {

using Metrics = std::map<std::string, double>;

/// Applies `clip_rewards` (tanh, identity or sign) to rewards.
torch::Tensor transform_reward(const torch::Tensor& reward, const std::string& clip_rewards);

struct WorldModelImpl : torch::nn::Module {
  WorldModelImpl(const Config& cfg, const ObsSpace& obs_space, const ActSpace& act_space);

  /// What the loss computed on a batch, for the caller (the actor-critic starts from `post`).
  struct Output {
    torch::Tensor loss;  // scalar: the weighted sum of the losses
    RSSMState post;      // [B, T, ...]
    RSSMState prior;     // [B, T, ...]
    Metrics metrics;     // image_loss, reward_loss, discount_loss, kl_loss, prior_ent, post_ent, ...
  };

  /// The world-model loss of paper eq. 2 with KL balancing; heads not in grad_heads see
  /// stop_grad(features).
  Output loss(const Batch& batch, std::optional<RSSMState> state = std::nullopt);

  /// One optimisation step on `batch`: returns the detached posterior states [B, T, ...] and
  /// the metrics, including model_loss and model_grad_norm. A clock gets the laps wm_forward,
  /// wm_backward and optimizer. `state` [B, ...]: the filter's state before each row's first step
  /// (zeros when absent; reset anyway where is_first).
  std::pair<RSSMState, Metrics> train(const Batch& batch, PhaseClock* clock = nullptr,
                                      std::optional<RSSMState> state = std::nullopt);

  /// Head outputs on features [..., feat]: reward mean [...] and discount logits [...].
  torch::Tensor reward(const torch::Tensor& feat);
  torch::Tensor discount_logits(const torch::Tensor& feat);

  /// Open-loop prediction: observes the first `context` steps of `batch`, then imagines the rest
  /// under the batch's actions; returns the decoded frames [B, T, H, W, C] in [0, high].
  torch::Tensor video_pred(const Batch& batch, int64_t context);

  Optimizer& optimizer() { return *opt_; }
  int64_t parameter_count() const;

  const Config cfg;
  const ObsSpace obs_space;
  const ActSpace act_space;
  Encoder encoder{nullptr};
  RSSM rssm{nullptr};
  Decoder decoder{nullptr};
  MLP reward_head{nullptr};
  MLP discount_head{nullptr};  // absent when pred_discount is false
  const ScalarDist reward_dist;  // how the reward head's outputs are read: mse or twohot

 private:
  std::unique_ptr<Optimizer> opt_;
};
TORCH_MODULE(WorldModel);

}  // namespace dreamer
