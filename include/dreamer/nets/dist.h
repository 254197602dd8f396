// Distributions of the latents and heads: one-hot categoricals (straight-through) and diagonal Normals.
#pragma once

#include <torch/torch.h>

namespace dreamer {

/// Independent one-hot categoricals over the last axis. logits: [..., classes].
struct OneHotDist {
  torch::Tensor logits;

  explicit OneHotDist(torch::Tensor logits_) : logits(std::move(logits_)) {}
  torch::Tensor probs() const { return torch::softmax(logits, -1); }
  /// A one-hot sample whose gradient is that of the probabilities (straight-through):
  /// sample + probs - stop_grad(probs). [..., classes] Throws dreamer::Divergence when the
  /// probabilities are not finite.
  torch::Tensor sample() const;
  /// The most likely class as one-hot, with the same straight-through gradient. [..., classes]
  torch::Tensor mode() const;
  /// log p(x) for one-hot x: [..., classes] -> [...]
  torch::Tensor log_prob(const torch::Tensor& onehot) const;
  /// [..., classes] -> [...]
  torch::Tensor entropy() const;
};

/// KL(lhs || rhs) of categoricals given by logits, summed over the last axis: [..., classes] -> [...]
torch::Tensor kl_categorical(const torch::Tensor& lhs_logits, const torch::Tensor& rhs_logits);

/// Diagonal Normal. mean, std: [..., dim].
struct NormalDist {
  torch::Tensor mean;
  torch::Tensor std;

  NormalDist(torch::Tensor mean_, torch::Tensor std_) : mean(std::move(mean_)), std(std::move(std_)) {}
  /// Reparameterised sample. [..., dim]
  torch::Tensor sample() const;
  /// Elementwise log-density. [..., dim]
  torch::Tensor log_prob(const torch::Tensor& x) const;
  /// Elementwise entropy. [..., dim]
  torch::Tensor entropy() const;
};

/// Elementwise KL(lhs || rhs) of diagonal Normals: [..., dim] -> [..., dim]
torch::Tensor kl_normal(const NormalDist& lhs, const NormalDist& rhs);

/// Normal(loc, scale) truncated to [low, high], elementwise: the actor's distribution for
/// continuous actions. loc, scale: [..., dim].
struct TruncNormalDist {
  torch::Tensor loc;
  torch::Tensor scale;
  double low = -1.0;
  double high = 1.0;

  TruncNormalDist(torch::Tensor loc_, torch::Tensor scale_, double low_ = -1.0, double high_ = 1.0)
      : loc(std::move(loc_)), scale(std::move(scale_)), low(low_), high(high_) {}
  /// Reparameterised sample by the inverse CDF, kept 1e-6 inside the bounds. [..., dim]
  torch::Tensor sample() const;
  /// loc clipped to the bounds. [..., dim]
  torch::Tensor mode() const;
  /// Elementwise log-density. [..., dim]
  torch::Tensor log_prob(const torch::Tensor& x) const;
  /// Elementwise entropy. [..., dim]
  torch::Tensor entropy() const;
};

}  // namespace dreamer
