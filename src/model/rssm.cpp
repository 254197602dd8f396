// The recurrent state-space model (paper section 2.1): GRU deterministic state + stochastic latents.
#include "dreamer/model/rssm.h"

#include "dreamer/core/stack_fields.h"
#include "dreamer/nets/dist.h"
#include "nets/fast/batched_weight_grads.h"

namespace dreamer {

RSSMState RSSMState::map(const std::function<torch::Tensor(const torch::Tensor&)>& fn) const {
  auto f = [&](const torch::Tensor& t) { return t.defined() ? fn(t) : t; };
  return {f(deter), f(stoch), f(logits), f(mean), f(std)};
}

RSSMState RSSMState::detach() const {
  return map([](const torch::Tensor& t) { return t.detach(); });
}

RSSMState RSSMState::stack(const std::vector<RSSMState>& steps, int64_t dim) {
  return {stack_field(steps, &RSSMState::deter, dim), stack_field(steps, &RSSMState::stoch, dim),
          stack_field(steps, &RSSMState::logits, dim), stack_field(steps, &RSSMState::mean, dim),
          stack_field(steps, &RSSMState::std, dim)};
}

RSSMImpl::RSSMImpl(const RSSMConfig& cfg_, int64_t embed_dim, int64_t action_dim)
    : cfg(cfg_), action_dim_(action_dim) {
  const int64_t stoch_size = int64_t(cfg.stoch) * (cfg.discrete ? cfg.discrete : 1);
  const int64_t stats_size = cfg.discrete ? stoch_size : 2 * int64_t(cfg.stoch);
  img_in = register_module("img_in", Dense(stoch_size + action_dim, cfg.hidden, cfg.act, cfg.norm, latent_onehot(cfg)));
  cell = register_module("cell", GRUCell(cfg.hidden, cfg.deter, /*layer_norm=*/cfg.gru_norm, /*update_bias=*/-1.0));
  img_out = register_module("img_out", Dense(cfg.deter, cfg.hidden, cfg.act, cfg.norm));
  img_dist = register_module("img_dist", torch::nn::Linear(cfg.hidden, stats_size));
  obs_out = register_module("obs_out", Dense(cfg.deter + embed_dim, cfg.hidden, cfg.act, cfg.norm));
  obs_dist = register_module("obs_dist", torch::nn::Linear(cfg.hidden, stats_size));
}

RSSMState RSSMImpl::initial(int64_t batch, torch::Device device) {
  auto zeros = [&](std::vector<int64_t> shape) {
    return torch::zeros(shape, torch::TensorOptions().device(device).dtype(torch::kFloat32));
  };
  RSSMState s;
  s.deter = zeros({batch, cfg.deter});
  if (cfg.discrete) {
    s.stoch = zeros({batch, cfg.stoch, cfg.discrete});
    s.logits = zeros({batch, cfg.stoch, cfg.discrete});
  } else {
    s.stoch = zeros({batch, cfg.stoch});
    s.mean = zeros({batch, cfg.stoch});
    s.std = zeros({batch, cfg.stoch});
  }
  return s;
}

RSSMState RSSMImpl::stats_to_state(const torch::Tensor& deter, const torch::Tensor& stats_in, bool sample) const {
  auto stats = stats_in.to(torch::kFloat32);  // distribution parameters stay float32 under bf16 autocast
  RSSMState s;
  s.deter = deter;
  if (cfg.discrete) {
    auto shape = stats.sizes().slice(0, stats.dim() - 1).vec();
    shape.insert(shape.end(), {cfg.stoch, cfg.discrete});
    s.logits = unimix_logits(stats.reshape(shape), cfg.unimix);
    OneHotDist dist(s.logits);
    s.stoch = sample ? dist.sample() : dist.mode();
    return s;
  }
  auto parts = stats.chunk(2, -1);
  s.mean = parts[0];
  auto raw = parts[1];
  if (cfg.std_act == "softplus") {
    s.std = torch::softplus(raw);
  } else if (cfg.std_act == "sigmoid") {
    s.std = torch::sigmoid(raw);
  } else {  // sigmoid2
    s.std = 2 * torch::sigmoid(raw / 2);
  }
  s.std = s.std + cfg.min_std;
  s.stoch = sample ? NormalDist(s.mean, s.std).sample() : s.mean;
  return s;
}

torch::Tensor RSSMImpl::img_deter(const RSSMState& prev, const torch::Tensor& prev_action) {
  TORCH_CHECK(prev_action.dim() == 2 && prev_action.size(1) == action_dim_, "RSSM::img_step: action must be [B, ",
              action_dim_, "], got ", prev_action.sizes());
  auto x = img_in(torch::cat({prev.stoch.flatten(1), prev_action}, -1));
  return cell(x, prev.deter);
}

RSSMState RSSMImpl::prior(const torch::Tensor& deter, bool sample) {
  return stats_to_state(deter, apply_linear(img_dist, img_out(deter)), sample);
}

RSSMState RSSMImpl::posterior(const torch::Tensor& deter, const torch::Tensor& embed, bool sample) {
  return stats_to_state(deter, apply_linear(obs_dist, obs_out(torch::cat({deter, embed}, -1))), sample);
}

RSSMState RSSMImpl::img_step(const RSSMState& prev, const torch::Tensor& prev_action, bool sample) {
  return prior(img_deter(prev, prev_action), sample);
}

namespace {
// At an episode start the previous state and action are zeros.
std::pair<RSSMState, torch::Tensor> reset_where_first(const RSSMState& prev, const torch::Tensor& prev_action,
                                                      const torch::Tensor& is_first) {
  auto keep = (1 - is_first.to(torch::kFloat32));
  auto mask = [&](const torch::Tensor& t) {
    auto shape = std::vector<int64_t>(t.dim(), 1);
    shape[0] = t.size(0);
    return t * keep.reshape(shape);
  };
  return {prev.map(mask), mask(prev_action)};
}
}  // namespace

std::pair<RSSMState, RSSMState> RSSMImpl::obs_step(const RSSMState& prev, const torch::Tensor& prev_action,
                                                   const torch::Tensor& embed, const torch::Tensor& is_first,
                                                   bool sample) {
  auto post = filter_step(prev, prev_action, embed, is_first, sample);
  return {post, prior(post.deter, sample)};
}

RSSMState RSSMImpl::filter_step(const RSSMState& prev, const torch::Tensor& prev_action, const torch::Tensor& embed,
                                const torch::Tensor& is_first, bool sample) {
  auto [state, action] = reset_where_first(prev, prev_action, is_first);
  return posterior(img_deter(state, action), embed, sample);
}

std::pair<RSSMState, RSSMState> RSSMImpl::observe(const torch::Tensor& embed, const torch::Tensor& action,
                                                  const torch::Tensor& is_first, std::optional<RSSMState> state) {
  TORCH_CHECK(embed.dim() == 3 && action.dim() == 3 && is_first.dim() == 2, "RSSM::observe: expected embed [B, T, E], ",
              "action [B, T, A], is_first [B, T]; got ", embed.sizes(), ", ", action.sizes(), ", ", is_first.sizes());
  const int64_t B = embed.size(0), T = embed.size(1);
  TORCH_CHECK(action.size(0) == B && action.size(1) == T && is_first.size(0) == B && is_first.size(1) == T,
              "RSSM::observe: batch and time of embed, action and is_first differ");
  RSSMState prev = state ? *state : initial(B, embed.device());
  std::vector<RSSMState> posts;
  posts.reserve(T);
  // Speed-up (nets/fast): the filter's layers take their weight gradients over all T steps in one product each.
  BatchedWeightGrads over_steps({img_in->linear, cell->linear, obs_out->linear, obs_dist});
  for (int64_t t = 0; t < T; ++t) {
    auto [last, last_action] = reset_where_first(prev, action.select(1, t), is_first.select(1, t));
    posts.push_back(posterior(img_deter(last, last_action), embed.select(1, t), /*sample=*/true));
    prev = posts.back();
  }
  auto post = RSSMState::stack(posts, 1);
  // The prior of each step depends on its deterministic state alone: all T at once.
  return {post, prior(post.deter, /*sample=*/false)};
}

RSSMState RSSMImpl::imagine(const torch::Tensor& action, const RSSMState& state) {
  TORCH_CHECK(action.dim() == 3, "RSSM::imagine: action must be [B, T, A], got ", action.sizes());
  std::vector<RSSMState> priors;
  RSSMState prev = state;
  for (int64_t t = 0; t < action.size(1); ++t) {
    prev = img_step(prev, action.select(1, t));
    priors.push_back(prev);
  }
  return RSSMState::stack(priors, 1);
}

std::pair<RSSMState, torch::Tensor> RSSMImpl::rollout(
    const std::function<torch::Tensor(const torch::Tensor&)>& policy, const RSSMState& start, int horizon) {
  std::vector<RSSMState> states{start};
  std::vector<torch::Tensor> actions{policy(get_feat(start))};
  for (int t = 0; t < horizon; ++t) {
    states.push_back(img_step(states.back(), actions.back()));
    actions.push_back(policy(get_feat(states.back())));
  }
  return {RSSMState::stack(states, 1), torch::stack(actions, 1)};
}

torch::Tensor RSSMImpl::get_feat(const RSSMState& state) const {
  auto stoch = cfg.discrete ? state.stoch.flatten(-2) : state.stoch;
  return torch::cat({stoch, state.deter}, -1);
}

int64_t RSSMImpl::feat_dim() const { return int64_t(cfg.stoch) * (cfg.discrete ? cfg.discrete : 1) + cfg.deter; }

torch::Tensor RSSMImpl::entropy(const RSSMState& state) const {
  if (cfg.discrete) return OneHotDist(state.logits).entropy().sum(-1);
  return NormalDist(state.mean, state.std).entropy().sum(-1);
}

torch::Tensor RSSMImpl::kl(const RSSMState& lhs, const RSSMState& rhs) const {
  if (cfg.discrete) return kl_categorical(lhs.logits, rhs.logits).sum(-1);
  return kl_normal(NormalDist(lhs.mean, lhs.std), NormalDist(rhs.mean, rhs.std)).sum(-1);
}

std::pair<torch::Tensor, torch::Tensor> RSSMImpl::kl_loss(const RSSMState& post, const RSSMState& prior,
                                                          const KLConfig& k) const {
  const RSSMState& lhs = k.forward ? prior : post;
  const RSSMState& rhs = k.forward ? post : prior;
  const double mix = k.forward ? k.balance : 1.0 - k.balance;  // weight of the lhs-trained side
  auto free_clip = [&](const torch::Tensor& value) {
    return k.free_avg ? value.mean().clamp_min(k.free) : value.clamp_min(k.free).mean();
  };
  if (k.split) {  // DreamerV3: the dynamics and representation terms, each clipped
    auto dyn = kl(post.detach(), prior), rep = kl(post, prior.detach());
    return {k.dyn * free_clip(dyn) + k.rep * free_clip(rep), dyn};
  }
  if (k.balance == 0.5) {  // the plain KL, clipped per KL whatever free_avg says (as the official code)
    auto value = kl(lhs, rhs);
    return {value.clamp_min(k.free).mean(), value};
  }
  auto value_lhs = kl(lhs, rhs.detach());
  auto value_rhs = kl(lhs.detach(), rhs);
  auto loss = mix * free_clip(value_lhs) + (1.0 - mix) * free_clip(value_rhs);
  return {loss, value_lhs};
}

}  // namespace dreamer
