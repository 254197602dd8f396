// Distributions of the latents and heads: one-hot categoricals (straight-through) and diagonal Normals.
#include "dreamer/nets/dist.h"

#include <cmath>

#include "dreamer/core/error.h"

namespace dreamer {
namespace {
torch::Tensor straight_through(const torch::Tensor& onehot, const torch::Tensor& probs) {
  // Adds exactly zero in the forward pass: without a gradient to carry it is left out.
  if (!probs.requires_grad()) return onehot;
  return onehot + (probs - probs.detach());
}

// The float one-hot of `index` [...] over the last dimension of `like`, written in place.
torch::Tensor float_one_hot(const torch::Tensor& index, const torch::Tensor& like) {
  return torch::zeros_like(like).scatter_(-1, index.unsqueeze(-1), 1.0);
}
}  // namespace

torch::Tensor OneHotDist::sample() const {
  auto p = probs();
  auto flat = p.detach().reshape({-1, p.size(-1)});
  // LibTorch's multinomial would fail with an internal error on a NaN of a diverged model.
  if (!torch::isfinite(flat).all().item<bool>())
    throw Divergence("a categorical's probabilities are not finite (its logits are NaN or infinite)");
  auto index = torch::multinomial(flat, 1, /*replacement=*/true).reshape(p.sizes().slice(0, p.dim() - 1));
  return straight_through(float_one_hot(index, p), p);
}

torch::Tensor OneHotDist::mode() const {
  auto p = probs();
  return straight_through(float_one_hot(logits.argmax(-1), p), p);
}

torch::Tensor OneHotDist::log_prob(const torch::Tensor& onehot) const {
  return (onehot * torch::log_softmax(logits, -1)).sum(-1);
}

torch::Tensor OneHotDist::entropy() const {
  auto logp = torch::log_softmax(logits, -1);
  return -(logp.exp() * logp).sum(-1);
}

torch::Tensor kl_categorical(const torch::Tensor& lhs_logits, const torch::Tensor& rhs_logits) {
  auto lhs_logp = torch::log_softmax(lhs_logits, -1);
  auto rhs_logp = torch::log_softmax(rhs_logits, -1);
  return (lhs_logp.exp() * (lhs_logp - rhs_logp)).sum(-1);
}

torch::Tensor NormalDist::sample() const { return mean + std * torch::randn_like(mean); }

torch::Tensor NormalDist::log_prob(const torch::Tensor& x) const {
  return -0.5 * ((x - mean) / std).square() - std.log() - 0.5 * std::log(2 * M_PI);
}

torch::Tensor NormalDist::entropy() const { return 0.5 + 0.5 * std::log(2 * M_PI) + std.log(); }

torch::Tensor kl_normal(const NormalDist& lhs, const NormalDist& rhs) {
  auto var_ratio = (lhs.std / rhs.std).square();
  auto t1 = ((lhs.mean - rhs.mean) / rhs.std).square();
  return 0.5 * (var_ratio + t1 - 1 - var_ratio.log());
}

namespace {
constexpr double kSqrt2 = 1.4142135623730951;
torch::Tensor std_normal_cdf(const torch::Tensor& x) { return 0.5 * (1 + torch::erf(x / kSqrt2)); }
torch::Tensor std_normal_pdf(const torch::Tensor& x) { return torch::exp(-0.5 * x.square()) / std::sqrt(2 * M_PI); }
}  // namespace

torch::Tensor TruncNormalDist::sample() const {
  auto cdf_low = std_normal_cdf((low - loc) / scale);
  auto cdf_high = std_normal_cdf((high - loc) / scale);
  auto u = torch::rand_like(loc);
  auto p = (cdf_low + u * (cdf_high - cdf_low)).clamp(1e-6, 1 - 1e-6);
  auto x = loc + scale * kSqrt2 * torch::erfinv(2 * p - 1);
  // Clip inside the bounds; the gradient passes as if unclipped (as the official TruncNormalDist).
  auto clipped = x.detach().clamp(low + 1e-6, high - 1e-6);
  return x + (clipped - x.detach());
}

torch::Tensor TruncNormalDist::mode() const { return loc.clamp(low, high); }

torch::Tensor TruncNormalDist::log_prob(const torch::Tensor& x) const {
  auto z = std_normal_cdf((high - loc) / scale) - std_normal_cdf((low - loc) / scale);
  auto xi = (x - loc) / scale;
  return -0.5 * xi.square() - 0.5 * std::log(2 * M_PI) - scale.log() - z.log();
}

torch::Tensor TruncNormalDist::entropy() const {
  auto alpha = (low - loc) / scale, beta = (high - loc) / scale;
  auto z = std_normal_cdf(beta) - std_normal_cdf(alpha);
  return 0.5 * std::log(2 * M_PI * M_E) + scale.log() + z.log() +
         (alpha * std_normal_pdf(alpha) - beta * std_normal_pdf(beta)) / (2 * z);
}

}  // namespace dreamer
