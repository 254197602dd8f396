// Model FLOPs of one DreamerV2 update, counted from the layer shapes of a config.
#include "model/flops.h"

#include <algorithm>
#include <vector>

namespace dreamer {
namespace {

double dense(double in, double out) { return 2 * in * out; }

// An MLP on one row: hidden layers of `units`, then `out` outputs (none when out == 0).
double mlp(double in, const std::vector<double>& hidden, double out) {
  double flops = 0;
  for (double units : hidden) {
    flops += dense(in, units);
    in = units;
  }
  return out > 0 ? flops + dense(in, out) : flops;
}

std::vector<double> widths(const std::vector<int>& v) { return {v.begin(), v.end()}; }
std::vector<double> widths(int layers, int units) { return std::vector<double>(size_t(layers), double(units)); }

struct Coder {
  double flops = 0;  // per observation
  double width = 0;  // embedding size (encoder)
};

Coder encoder(const CoderConfig& c, const ObsSpace& obs) {
  if (c.net == "mlp") return {mlp(double(obs.size()), widths(c.mlp_layers), 0), double(c.mlp_layers.back())};
  double h = obs.height, w = obs.width, channels = obs.channels, flops = 0;
  for (size_t i = 0; i < c.cnn_kernels.size(); ++i) {
    const double k = c.cnn_kernels[i], depth = double(1 << i) * c.cnn_depth;
    h = std::floor((h - k) / c.cnn_stride) + 1;
    w = std::floor((w - k) / c.cnn_stride) + 1;
    flops += 2 * channels * k * k * depth * h * w;
    channels = depth;
  }
  return {flops, channels * h * w};
}

double decoder(const CoderConfig& c, double feat, const ObsSpace& obs) {
  if (c.net == "mlp") return mlp(feat, widths(c.mlp_layers), double(obs.size()));
  double channels = 32.0 * c.cnn_depth, size = 1;
  double flops = dense(feat, channels);
  const size_t n = c.cnn_kernels.size();
  for (size_t i = 0; i < n; ++i) {
    const double k = c.cnn_kernels[i];
    const double depth = i + 1 == n ? obs.channels : double(1 << (n - i - 2)) * c.cnn_depth;
    flops += 2 * channels * k * k * depth * size * size;  // every input pixel scatters a k x k patch
    size = (size - 1) * c.cnn_stride + k;
    channels = depth;
  }
  return flops;
}

}  // namespace

UpdateFlops update_flops(const Config& cfg, const ObsSpace& obs, const ActSpace& act) {
  const auto& r = cfg.rssm;
  const double A = act.n;
  const double stoch = r.discrete ? double(r.stoch) * r.discrete : r.stoch;
  const double stats = r.discrete ? stoch : 2.0 * r.stoch;
  const double feat = stoch + r.deter;
  const Coder enc = encoder(cfg.encoder, obs);

  // One prior step (img_in, GRU, img_out, img_dist) and the posterior's extra layers.
  const double img_step =
      dense(stoch + A, r.hidden) + dense(r.hidden + r.deter, 3.0 * r.deter) + dense(r.deter, r.hidden) +
      dense(r.hidden, stats);
  const double obs_extra = dense(r.deter + enc.width, r.hidden) + dense(r.hidden, stats);
  const double reward = mlp(feat, widths(cfg.reward_head.layers, cfg.reward_head.units), 1);
  const double discount = cfg.pred_discount ? mlp(feat, widths(cfg.discount_head.layers, cfg.discount_head.units), 1) : 0;
  const double actor = mlp(feat, widths(cfg.actor.layers, cfg.actor.units), act.discrete ? A : 2 * A);
  const double critic = mlp(feat, widths(cfg.critic.layers, cfg.critic.units), 1);

  const double BT = double(cfg.dataset.batch) * cfg.dataset.length;  // replayed steps
  const double N = cfg.imag_starts > 0 ? std::min(BT, double(cfg.imag_starts)) : BT;  // start states
  const double H = cfg.imag_horizon;
  UpdateFlops f;
  // Forward, then a backward of twice the forward.
  f.world_model = 3 * BT * (enc.flops + img_step + obs_extra + decoder(cfg.decoder, feat, obs) + reward + discount);

  const double rollout = N * (H * img_step + (H + 1) * actor);  // states 0..H, an action sampled in each
  const double heads = N * (H + 1) * (reward + discount + critic);  // target critic on every state
  std::string grad = cfg.actor_grad;
  if (grad == "auto") grad = act.discrete ? "reinforce" : "dynamics";
  const double backprop = grad == "reinforce" ? 0 : 2 * (rollout + heads);  // dynamics gradients
  // The actor loss reuses the rollout's distributions: the backward of the actor on states 0..H-2
  // (part of the dynamics gradients' backward already when they flow).
  const double actor_loss = grad == "reinforce" ? 2 * N * (H - 1) * actor : 0;
  const double critic_loss = 3 * N * H * critic;       // the critic on states 0..H-1
  f.actor_critic = rollout + heads + backprop + actor_loss + critic_loss;
  return f;
}

}  // namespace dreamer
