// Distributions of the latents and heads: one-hot categoricals (straight-through), diagonal Normals, and
// DreamerV3's symlog, uniform mix and twohot regression.
#pragma once

#include <torch/torch.h>

#include <string>

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

/// The logits of (1 - unimix) softmax(logits) + unimix / classes (DreamerV3: no class is ever impossible).
/// unimix 0 returns `logits` itself. [..., classes] -> [..., classes]
torch::Tensor unimix_logits(const torch::Tensor& logits, double unimix);

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

/// symlog(x) = sign(x) ln(1 + |x|) and its inverse symexp(x) = sign(x) (exp(|x|) - 1) (DreamerV3), elementwise.
torch::Tensor symlog(const torch::Tensor& x);
torch::Tensor symexp(const torch::Tensor& x);

/// DreamerV3's bins for twohot regression: `n` points evenly spaced in [-limit, limit], in symlog space; for odd n
/// mirrored around an exact 0. [n]
torch::Tensor symlog_bins(int64_t n = 255, double limit = 20.0);

/// The twohot encoding of x [...] over ascending bins [n] -> [..., n]: with b_k <= x < b_{k+1}, weight
/// (b_{k+1} - x) / (b_{k+1} - b_k) on bin k and the rest on bin k + 1; x beyond the ends goes to the end bin.
torch::Tensor twohot(const torch::Tensor& x, const torch::Tensor& bins);

/// A scalar read from a head's outputs: `mse`, the mean of a unit-variance Normal (out [..., 1]), or `twohot`,
/// a categorical over symlog_bins() whose prediction is symexp(sum_k p_k b_k) (out [..., 255], DreamerV3).
struct ScalarDist {
  explicit ScalarDist(const std::string& dist);
  /// Outputs the head needs: 1 or 255.
  int64_t out_dim() const;
  /// The prediction. [..., out_dim] -> [...]
  torch::Tensor mean(const torch::Tensor& out) const;
  /// -ln p(target) without constants: 0.5 (mean - target)^2, or the cross-entropy with
  /// twohot(symlog(target)). out [..., out_dim], target [...] -> [...]
  torch::Tensor loss(const torch::Tensor& out, const torch::Tensor& target) const;

  bool twohot = false;
};

}  // namespace dreamer
