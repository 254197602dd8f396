// The recurrent state-space model (paper section 2.1): GRU deterministic state + stochastic latents.
#pragma once

#include <torch/torch.h>

#include <functional>
#include <optional>
#include <utility>
#include <vector>

#include "dreamer/core/config.h"
#include "dreamer/nets/gru.h"
#include "dreamer/nets/layers.h"

namespace dreamer {

/// The one-hot part that leads the features (and img_in's input) with discrete latents: the
/// flattened stoch x discrete sample. None with Gaussian latents.
inline OneHotInput latent_onehot(const RSSMConfig& cfg) {
  return cfg.discrete ? OneHotInput{cfg.stoch, cfg.discrete} : OneHotInput{};
}

/// A model state s_t = (h_t, z_t) with the statistics z_t was drawn from.
/// Leading dims `...` are [B] for one step or [B, T] for sequences.
struct RSSMState {
  torch::Tensor deter;   // h_t: [..., deter]
  torch::Tensor stoch;   // z_t: [..., stoch, discrete] one-hot, or [..., stoch] Gaussian
  torch::Tensor logits;  // discrete: [..., stoch, discrete] (with rssm.unimix, the log of the mixed probabilities)
  torch::Tensor mean;    // Gaussian: [..., stoch]
  torch::Tensor std;     // Gaussian: [..., stoch]

  /// Applies `fn` to every defined tensor.
  RSSMState map(const std::function<torch::Tensor(const torch::Tensor&)>& fn) const;
  RSSMState detach() const;
  /// Stacks per-step states [B, ...] along `dim` (1 gives [B, T, ...]).
  static RSSMState stack(const std::vector<RSSMState>& steps, int64_t dim);
};

struct RSSMImpl : torch::nn::Module {
  /// embed_dim: encoder output size; action_dim: size of the (one-hot or continuous) action.
  RSSMImpl(const RSSMConfig& cfg, int64_t embed_dim, int64_t action_dim);

  /// The all-zeros state of a new episode, [batch, ...].
  RSSMState initial(int64_t batch, torch::Device device);

  /// Filters a sequence: posterior and prior states, both [B, T, ...]. The priors' statistics are
  /// what the loss needs; their stoch is the mode (a prior sample would feed nothing). The priors, which do
  /// not feed the recurrence, are computed for all steps at once after the filter.
  /// embed: [B, T, E], action: [B, T, A] (the action before each observation), is_first: [B, T]
  /// (resets the previous state and action to zeros), state: [B, ...] carried in, or none.
  std::pair<RSSMState, RSSMState> observe(const torch::Tensor& embed, const torch::Tensor& action,
                                          const torch::Tensor& is_first,
                                          std::optional<RSSMState> state = std::nullopt);

  /// Open-loop prediction from `state` [B, ...] under the actions [B, T, A]: priors [B, T, ...].
  RSSMState imagine(const torch::Tensor& action, const RSSMState& state);

  /// Rolls the prior forward from `start` [N, ...] for `horizon` steps, the action at each step
  /// chosen by `policy` from the features of the current state. Returns the states [N, H+1, ...]
  /// (start first) and the actions [N, H+1, A] (the last one chosen but not taken).
  std::pair<RSSMState, torch::Tensor> rollout(const std::function<torch::Tensor(const torch::Tensor&)>& policy,
                                              const RSSMState& start, int horizon);

  /// One filtering step: (posterior, prior), each [B, ...]. prev_action: [B, A], embed: [B, E],
  /// is_first: [B].
  std::pair<RSSMState, RSSMState> obs_step(const RSSMState& prev, const torch::Tensor& prev_action,
                                           const torch::Tensor& embed, const torch::Tensor& is_first,
                                           bool sample = true);
  /// The posterior of obs_step alone (what acting needs; the prior's layers are skipped).
  RSSMState filter_step(const RSSMState& prev, const torch::Tensor& prev_action, const torch::Tensor& embed,
                        const torch::Tensor& is_first, bool sample = true);

  /// One prior step: h_t = GRU(h_{t-1}, [z_{t-1}, a_{t-1}]), z_t ~ p(z_t | h_t). [B, ...]
  RSSMState img_step(const RSSMState& prev, const torch::Tensor& prev_action, bool sample = true);
  /// Its two halves: the deterministic state h_t [B, deter], and the prior p(z_t | h_t) on
  /// deter [..., deter] (any leading shape).
  torch::Tensor img_deter(const RSSMState& prev, const torch::Tensor& prev_action);
  RSSMState prior(const torch::Tensor& deter, bool sample);
  /// The posterior q(z_t | h_t, e_t) on deter [B, deter] and the embedding [B, E].
  RSSMState posterior(const torch::Tensor& deter, const torch::Tensor& embed, bool sample);

  /// Model features concat(flatten(z_t), h_t): [..., feat_dim]
  torch::Tensor get_feat(const RSSMState& state) const;
  int64_t feat_dim() const;

  /// Entropy of the latent distribution, summed over the latents: [...]
  torch::Tensor entropy(const RSSMState& state) const;

  /// KL(post || prior) per step, summed over the latents: [...]. Gradients as they come.
  torch::Tensor kl(const RSSMState& lhs, const RSSMState& rhs) const;

  /// KL balancing (paper eq. 2 and section 2.2): returns (loss, value) where value is the plain
  /// KL per step [B, T] and loss = alpha KL(sg(post) || prior) + (1 - alpha) KL(post || sg(prior)),
  /// each side clipped below at kl.free nats (after averaging when kl.free_avg); balance 0.5 is the plain KL
  /// clipped per step. With kl.split (DreamerV3): loss = dyn KL(sg(post) || prior) + rep KL(post || sg(prior)),
  /// each clipped the same way.
  std::pair<torch::Tensor, torch::Tensor> kl_loss(const RSSMState& post, const RSSMState& prior,
                                                  const KLConfig& kl) const;

  const RSSMConfig cfg;
  Dense img_in{nullptr};   // [z, a] -> hidden
  GRUCell cell{nullptr};   // hidden, h -> h
  Dense img_out{nullptr};  // h -> hidden
  torch::nn::Linear img_dist{nullptr};  // hidden -> prior statistics
  Dense obs_out{nullptr};  // [h, e] -> hidden
  torch::nn::Linear obs_dist{nullptr};  // hidden -> posterior statistics

 private:
  RSSMState stats_to_state(const torch::Tensor& deter, const torch::Tensor& stats, bool sample) const;
  int64_t action_dim_;
};
TORCH_MODULE(RSSM);

}  // namespace dreamer
