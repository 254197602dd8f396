// The actor-critic learned in imagination (paper section 2.3): lambda-returns, slow target critic,
// REINFORCE / dynamics-backprop actor gradients with an entropy bonus.
#include "dreamer/model/actor_critic.h"

#include "dreamer/core/error.h"
#include "dreamer/core/stack_fields.h"
#include "dreamer/nets/dist.h"
#include "nets/fast/batched_weight_grads.h"

namespace dreamer {
namespace {

// Turns off requires_grad on a module's parameters for a scope: gradients still flow through its
// activations (dynamics backprop) but none accumulate in it.
class FrozenParams {
 public:
  explicit FrozenParams(torch::nn::Module& module) : params_(module.parameters()) {
    for (auto& p : params_) p.requires_grad_(false);
  }
  ~FrozenParams() {
    for (auto& p : params_) p.requires_grad_(true);
  }

 private:
  std::vector<torch::Tensor> params_;
};

bool trunc_normal(const Config& cfg, const ActSpace& space) {
  if (cfg.actor.dist == "auto") return !space.discrete;
  if (cfg.actor.dist == "onehot" && !space.discrete)
    throw Error("config: actor.dist 'onehot' needs a discrete action space, but the task's is continuous");
  if (cfg.actor.dist == "trunc_normal" && space.discrete)
    throw Error("config: actor.dist 'trunc_normal' needs a continuous action space, but the task's is discrete");
  return cfg.actor.dist == "trunc_normal";
}

}  // namespace

torch::Tensor lambda_return(const torch::Tensor& reward, const torch::Tensor& value, const torch::Tensor& discount,
                            const torch::Tensor& bootstrap, double lambda) {
  TORCH_CHECK(reward.dim() == 2 && reward.sizes() == value.sizes() && reward.sizes() == discount.sizes() &&
                  bootstrap.dim() == 1 && bootstrap.size(0) == reward.size(0),
              "lambda_return: expected reward, value, discount [N, H] and bootstrap [N]; got ", reward.sizes(), ", ",
              value.sizes(), ", ", discount.sizes(), ", ", bootstrap.sizes());
  const int64_t H = reward.size(1);
  auto next_values = torch::cat({value.slice(1, 1), bootstrap.unsqueeze(1)}, 1);
  auto inputs = reward + discount * next_values * (1 - lambda);
  std::vector<torch::Tensor> returns(static_cast<size_t>(H));
  auto last = bootstrap;
  for (int64_t t = H - 1; t >= 0; --t) {
    last = inputs.select(1, t) + discount.select(1, t) * lambda * last;
    returns[size_t(t)] = last;
  }
  return torch::stack(returns, 1);
}

torch::Tensor ActionDist::sample() const {
  if (logits.defined()) return OneHotDist(logits).sample();
  return TruncNormalDist(loc, scale).sample();
}

torch::Tensor ActionDist::mode() const {
  if (logits.defined()) return OneHotDist(logits).mode();
  return TruncNormalDist(loc, scale).mode();
}

torch::Tensor ActionDist::log_prob(const torch::Tensor& action) const {
  if (logits.defined()) return OneHotDist(logits).log_prob(action);
  return TruncNormalDist(loc, scale).log_prob(action).sum(-1);
}

torch::Tensor ActionDist::entropy() const {
  if (logits.defined()) return OneHotDist(logits).entropy();
  return TruncNormalDist(loc, scale).entropy().sum(-1);
}

ActionDist ActionDist::map(const std::function<torch::Tensor(const torch::Tensor&)>& fn) const {
  auto f = [&](const torch::Tensor& t) { return t.defined() ? fn(t) : t; };
  return {f(logits), f(loc), f(scale)};
}

ActionDist ActionDist::stack(const std::vector<ActionDist>& steps, int64_t dim) {
  return {stack_field(steps, &ActionDist::logits, dim), stack_field(steps, &ActionDist::loc, dim),
          stack_field(steps, &ActionDist::scale, dim)};
}

ActorCriticImpl::ActorCriticImpl(const Config& cfg_, int64_t feat_dim, const ActSpace& space)
    : cfg(cfg_), act_space(space), critic_dist(cfg_.critic.dist) {
  const int64_t n = space.n;
  const int64_t actor_out = trunc_normal(cfg, space) ? 2 * n : n;
  actor = register_module("actor", MLP(feat_dim, repeat_units(cfg.actor.layers, cfg.actor.units), actor_out,
                                       cfg.actor.act, cfg.actor.norm, latent_onehot(cfg.rssm)));
  auto make_critic = [&] {
    return MLP(feat_dim, repeat_units(cfg.critic.layers, cfg.critic.units), critic_dist.out_dim(), cfg.critic.act,
               cfg.critic.norm, latent_onehot(cfg.rssm));
  };
  critic = register_module("critic", make_critic());
  target_critic = register_module("target_critic", make_critic());
  glorot_init(*this);
  if (critic_dist.twohot) zero_output_layer(*critic);
  {
    torch::NoGradGuard no_grad;
    auto src = critic->parameters(), dst = target_critic->parameters();
    for (size_t i = 0; i < src.size(); ++i) dst[i].copy_(src[i]);
  }
  for (auto& p : target_critic->parameters()) p.requires_grad_(false);
  updates = register_buffer("updates", torch::zeros({}, torch::kInt64));
  reward_mag = register_buffer("reward_mag", torch::ones({}, torch::kFloat64));
  if (cfg.return_norm.enabled)  // only then: checkpoints of runs without it keep their keys
    return_range = register_buffer("return_range", torch::zeros({2}, torch::kFloat64));
  actor_opt_ = std::make_unique<Optimizer>(actor->parameters(), cfg.actor_opt, "actor_opt");
  critic_opt_ = std::make_unique<Optimizer>(critic->parameters(), cfg.critic_opt, "critic_opt");
}

ActionDist ActorCriticImpl::actor_dist(const torch::Tensor& feat) {
  auto out = actor(feat);
  ActionDist dist;
  if (out.size(-1) == act_space.n) {
    dist.logits = unimix_logits(out, cfg.actor.unimix);
  } else {
    auto parts = out.chunk(2, -1);
    dist.loc = torch::tanh(parts[0]);
    dist.scale = 2 * torch::sigmoid(parts[1] / 2) + cfg.actor.min_std;
  }
  return dist;
}

torch::Tensor ActorCriticImpl::value(const torch::Tensor& feat) { return critic_dist.mean(critic(feat)); }

torch::Tensor ActorCriticImpl::target_value(const torch::Tensor& feat) {
  return critic_dist.mean((cfg.slow_target ? target_critic : critic)(feat));
}

double ActorCriticImpl::return_scale(const torch::Tensor& returns) {
  if (!cfg.return_norm.enabled) return 1.0;
  torch::NoGradGuard no_grad;
  const auto& rn = cfg.return_norm;
  auto flat = returns.detach().flatten().to(torch::kFloat64).cpu();
  auto q = torch::quantile(flat, torch::tensor({rn.low, rn.high}, torch::kFloat64));
  return_range.copy_(rn.decay * return_range + (1 - rn.decay) * q.to(return_range.device()));
  const double range = (return_range[1] - return_range[0]).item<double>();
  return std::max(rn.limit, range);
}

double ActorCriticImpl::dynamics_mix() const {
  std::string mode = cfg.actor_grad;
  if (mode == "auto") mode = act_space.discrete ? "reinforce" : "dynamics";
  if (mode == "reinforce") return 0.0;
  if (mode == "dynamics") return 1.0;
  return cfg.actor_grad_mix(frames_);  // both
}

Imagination ActorCriticImpl::imagine(WorldModelImpl& wm, const RSSMState& start, const torch::Tensor& is_terminal,
                                     bool grad) {
  // Speed-up (nets/fast): the actor's layers, applied once per imagined step, take their weight gradients in one
  // product.
  // The scope starts before grad mode is set for the rollout: the actor records a graph either way.
  std::vector<torch::nn::Linear> actor_layers;
  for (const auto& m : actor->modules(/*include_self=*/false))
    if (auto linear = std::dynamic_pointer_cast<torch::nn::LinearImpl>(m)) actor_layers.emplace_back(linear);
  BatchedWeightGrads over_steps(actor_layers);
  torch::AutoGradMode grad_mode(grad);
  auto flat = start.map([](const torch::Tensor& t) { return t.flatten(0, 1); });
  auto terminal = is_terminal.flatten();
  if (cfg.imag_starts > 0 && cfg.imag_starts < flat.deter.size(0)) {
    // imag_starts of the B x T start states, drawn uniformly without replacement (the paper uses all).
    auto pick = torch::randperm(flat.deter.size(0), torch::TensorOptions().dtype(torch::kLong))
                    .slice(0, 0, cfg.imag_starts);
    flat = flat.map([&](const torch::Tensor& t) { return t.index_select(0, pick.to(t.device())); });
    terminal = terminal.index_select(0, pick.to(terminal.device()));
  }
  const int64_t N = flat.deter.size(0);
  std::vector<ActionDist> dists;
  auto policy = [&](const torch::Tensor& feat) {
    torch::AutoGradMode actor_grad(true);  // kept for the actor loss, which would otherwise recompute them
    dists.push_back(actor_dist(feat.detach()));
    auto action = dists.back().sample();
    return grad ? action : action.detach();
  };
  auto [states, chosen] = wm.rssm->rollout(policy, flat, cfg.imag_horizon);
  Imagination seq;
  {
    torch::AutoGradMode actor_grad(true);  // the stack keeps the distributions' gradient
    seq.policy = ActionDist::stack(dists, 1);
  }
  seq.state = states;
  seq.feat = wm.rssm->get_feat(states);
  // chosen[t] was taken in state t and led to state t + 1.
  seq.action = torch::cat({torch::zeros_like(chosen.slice(1, 0, 1)), chosen.slice(1, 0, cfg.imag_horizon)}, 1);
  seq.reward = wm.reward(seq.feat);
  const int64_t steps = seq.feat.size(1);
  if (wm.discount_head) {
    auto disc = torch::sigmoid(wm.discount_logits(seq.feat));
    // The start state's discount is known from replay.
    auto true_first = (1 - terminal.to(disc.dtype())) * cfg.discount;
    seq.discount = torch::cat({true_first.unsqueeze(1), disc.slice(1, 1)}, 1);
  } else {
    seq.discount = torch::full({N, steps}, cfg.discount, seq.feat.options());
  }
  // A discount tells whether the *next* state is valid: weights are the product of those before.
  seq.weight = torch::cumprod(torch::cat({torch::ones_like(seq.discount.slice(1, 0, 1)),
                                          seq.discount.slice(1, 0, steps - 1)}, 1), 1).detach();
  return seq;
}

void ActorCriticImpl::update_slow_target() {
  const int64_t n = updates.item<int64_t>();
  if ((cfg.slow_target || cfg.slow_reg > 0) && n % cfg.slow_target_update == 0) {
    const double mix = n == 0 ? 1.0 : cfg.slow_target_fraction;
    torch::NoGradGuard no_grad;
    auto src = critic->parameters(), dst = target_critic->parameters();
    for (size_t i = 0; i < src.size(); ++i) dst[i].copy_(mix * src[i] + (1 - mix) * dst[i]);
  }
  updates += 1;
}

Metrics ActorCriticImpl::train(WorldModelImpl& wm, const RSSMState& start, const torch::Tensor& is_terminal,
                               PhaseClock* clock) {
  FrozenParams frozen(wm);
  const double mix = dynamics_mix();
  auto seq = imagine(wm, start, is_terminal, /*grad=*/mix > 0);
  const int64_t steps = seq.feat.size(1);

  // Reward normalisation (momentum 1 and scale 1, the defaults, leave rewards as they are).
  auto reward = seq.reward;
  {
    torch::NoGradGuard no_grad;
    const double m = cfg.reward_norm.momentum;
    reward_mag.copy_(m * reward_mag + (1 - m) * reward.abs().mean().to(torch::kFloat64));
  }
  reward = reward / (reward_mag.to(reward.dtype()) + cfg.reward_norm.eps) * cfg.reward_norm.scale;

  // Targets: lambda-returns bootstrapped with the slow critic; the last state only bootstraps.
  auto slow = target_value(seq.feat);
  auto target = lambda_return(reward.slice(1, 0, steps - 1), slow.slice(1, 0, steps - 1),
                              seq.discount.slice(1, 0, steps - 1), slow.select(1, steps - 1), cfg.discount_lambda);

  // Return normalisation (DreamerV3; 1 without it): advantages and the dynamics objective divided by it.
  const double scale = return_scale(target);

  // Actor: states 0 .. H-2 choose the actions 1 .. H-1, whose returns are target[1 ..]. With actor_grad both the
  // log-probability keeps the sampled actions' straight-through gradient, as the official code (without a
  // rollout graph, reinforce, they have none).
  auto policy = seq.policy.map([&](const torch::Tensor& t) { return t.slice(1, 0, steps - 2).flatten(0, 1); });
  auto actions = seq.action.slice(1, 1, steps - 1).flatten(0, 1);
  const auto shape = std::vector<int64_t>{seq.feat.size(0), steps - 2};
  auto later = target.slice(1, 1);
  torch::Tensor objective = torch::zeros_like(later);
  if (mix < 1) {
    // The REINFORCE baseline: the slow target critic (slow_baseline, the default) or the critic.
    auto baseline = (cfg.slow_baseline ? slow : value(seq.feat.detach()).detach()).slice(1, 0, steps - 2);
    auto advantage = ((later - baseline) / scale).detach();
    objective = (1 - mix) * policy.log_prob(actions).reshape(shape) * advantage;
  }
  if (mix > 0) objective = objective + mix * later / scale;
  auto entropy = policy.entropy().reshape(shape);
  const double ent_scale = cfg.actor_ent(frames_);
  objective = objective + ent_scale * entropy;
  auto actor_loss = -(seq.weight.slice(1, 0, steps - 2) * objective).mean();

  // Critic: regress every state but the last onto its return.
  // -ln p(target) without constants: the paper's unit-variance Normal, or DreamerV3's twohot; with slow_reg
  // also the slow critic's prediction as a second target (DreamerV3's regulariser).
  auto critic_feat = seq.feat.slice(1, 0, steps - 1).detach();
  auto critic_out = critic(critic_feat);
  auto critic_pred = critic_dist.mean(critic_out);
  auto critic_nll = critic_dist.loss(critic_out, target.detach());
  if (cfg.slow_reg > 0) {
    torch::Tensor slow_pred;
    {
      torch::NoGradGuard no_grad;
      slow_pred = critic_dist.mean(target_critic(critic_feat));
    }
    critic_nll = critic_nll + cfg.slow_reg * critic_dist.loss(critic_out, slow_pred);
  }
  auto critic_loss = (seq.weight.slice(1, 0, steps - 1) * critic_nll).mean();

  lap(clock, "imagination");

  Metrics m;
  m["actor_loss"] = actor_loss.item<double>();
  m["critic_loss"] = critic_loss.item<double>();
  require_finite(m, "actor-critic");
  actor_opt_->backward(actor_loss);
  critic_opt_->backward(critic_loss);
  lap(clock, "ac_backward");
  m["actor_grad_norm"] = actor_opt_->update();
  m["critic_grad_norm"] = critic_opt_->update();
  update_slow_target();
  lap(clock, "optimizer");
  m["actor_ent"] = entropy.mean().item<double>();
  m["critic"] = critic_pred.mean().item<double>();
  m["critic_slow"] = slow.mean().item<double>();
  m["critic_target"] = target.mean().item<double>();
  m["imag_reward"] = seq.reward.mean().item<double>();
  m["imag_discount"] = seq.discount.mean().item<double>();
  m["actor_grad_mix"] = mix;
  if (!cfg.actor_ent.constant()) m["actor_ent_scale"] = ent_scale;
  if (cfg.return_norm.enabled) m["return_scale"] = scale;
  return m;
}

}  // namespace dreamer
