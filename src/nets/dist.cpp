// Distributions of the latents and heads: one-hot categoricals (straight-through), diagonal Normals, and
// DreamerV3's symlog, uniform mix and twohot regression.
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

torch::Tensor unimix_logits(const torch::Tensor& logits, double unimix) {
  if (unimix <= 0) return logits;
  const double uniform = unimix / double(logits.size(-1));
  return torch::log((1 - unimix) * torch::softmax(logits, -1) + uniform);
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

torch::Tensor symlog(const torch::Tensor& x) { return torch::sign(x) * torch::log1p(x.abs()); }

torch::Tensor symexp(const torch::Tensor& x) { return torch::sign(x) * torch::expm1(x.abs()); }

torch::Tensor symlog_bins(int64_t n, double limit) {
  if (n % 2 == 0) return torch::linspace(-limit, limit, n);
  // Mirrored around an exact 0, so that equal probabilities (a zero-initialised head) predict exactly 0.
  const int64_t half = (n - 1) / 2;
  auto positive = torch::linspace(limit / double(half), limit, half);
  return torch::cat({-positive.flip(0), torch::zeros({1}), positive});
}

torch::Tensor twohot(const torch::Tensor& x, const torch::Tensor& bins) {
  TORCH_CHECK(bins.dim() == 1 && bins.size(0) >= 2, "twohot: bins must be [n >= 2], got ", bins.sizes());
  const int64_t n = bins.size(0);
  auto clipped = x.clamp(bins[0].item<double>(), bins[n - 1].item<double>()).contiguous();
  // k: the last bin at or below x, so that x lies in [b_k, b_{k+1}] (the top bin's x in the last interval).
  auto below = (torch::searchsorted(bins, clipped, /*out_int32=*/false, /*right=*/true) - 1).clamp(0, n - 2);
  auto low = bins.index({below}), high = bins.index({below + 1});
  auto w_high = (clipped - low) / (high - low);
  auto shape = x.sizes().vec();
  shape.push_back(n);
  auto out = torch::zeros(shape, x.options());
  out.scatter_(-1, below.unsqueeze(-1), (1 - w_high).unsqueeze(-1));
  return out.scatter_add(-1, (below + 1).unsqueeze(-1), w_high.unsqueeze(-1));
}

ScalarDist::ScalarDist(const std::string& dist) : twohot(dist == "twohot") {}

int64_t ScalarDist::out_dim() const { return twohot ? 255 : 1; }

torch::Tensor ScalarDist::mean(const torch::Tensor& out) const {
  if (!twohot) return out.squeeze(-1);
  // sum_k p_k b_k over the mirrored bins as sum_k (p_{+k} - p_{-k}) b_{+k}: exactly 0 for equal probabilities.
  const int64_t n = out.size(-1), half = (n - 1) / 2;
  TORCH_CHECK(n % 2 == 1, "ScalarDist: twohot needs an odd number of bins, got ", n);
  auto probs = torch::softmax(out, -1);
  auto positive = symlog_bins(n).slice(0, half + 1).to(out.device(), probs.scalar_type());
  auto below = probs.slice(-1, 0, half).flip(-1), above = probs.slice(-1, half + 1);
  return symexp(((above - below) * positive).sum(-1));
}

torch::Tensor ScalarDist::loss(const torch::Tensor& out, const torch::Tensor& target) const {
  if (!twohot) return 0.5 * (out.squeeze(-1) - target).square();
  auto bins = symlog_bins(out.size(-1)).to(out.device(), torch::kFloat32);
  auto logp = torch::log_softmax(out.to(torch::kFloat32), -1);
  return -(dreamer::twohot(symlog(target.to(torch::kFloat32)), bins) * logp).sum(-1);
}

}  // namespace dreamer
