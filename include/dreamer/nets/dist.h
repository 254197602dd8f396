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
  /// sample + probs - stop_grad(probs). [..., classes]
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

}  // namespace dreamer
