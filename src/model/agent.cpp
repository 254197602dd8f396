// The DreamerV2 agent: the world model and the actor-critic, their update, and the acting policy.
#include "dreamer/model/agent.h"

#include <unistd.h>

#include "dreamer/core/error.h"
#include "dreamer/core/runtime.h"

namespace dreamer {

AgentImpl::AgentImpl(const Config& cfg_, const ObsSpace& obs, const ActSpace& act)
    : cfg(cfg_), obs_space(obs), act_space(act) {
  wm = register_module("wm", WorldModel(cfg, obs, act));
  ac = register_module("ac", ActorCritic(cfg, wm->rssm->feat_dim(), act));
}

Metrics AgentImpl::train(const Batch& batch, PhaseClock* clock) {
  // Forward passes under bf16 autocast when precision is 16; backward passes follow their dtypes.
  Bf16Autocast autocast(cfg.precision == 16, wm->parameters().front().is_cuda());
  std::optional<RSSMState> start;
  if (cfg.carry_state && carried_.deter.defined() && carried_.deter.size(0) == batch.image.size(0)) start = carried_;
  auto [post, metrics] = wm->train(batch, clock, start);
  if (cfg.carry_state) carried_ = post.map([](const torch::Tensor& t) { return t.select(1, -1); });
  auto ac_metrics = ac->train(*wm, post, batch.is_terminal, clock);
  metrics.insert(ac_metrics.begin(), ac_metrics.end());
  return metrics;
}

Agent make_agent(const Config& cfg, const ObsSpace& obs, const ActSpace& act) {
  Agent agent{nullptr};
  const std::string sizes = "rssm.deter " + std::to_string(cfg.rssm.deter) + ", rssm.hidden " +
                            std::to_string(cfg.rssm.hidden) + ", rssm.stoch " + std::to_string(cfg.rssm.stoch) +
                            ", encoder.cnn_depth " + std::to_string(cfg.encoder.cnn_depth);
  try {
    agent = Agent(cfg, obs, act);
  } catch (const c10::Error& e) {
    throw Error("cannot build the model of this config (" + sizes + "): " + e.what_without_backtrace());
  } catch (const std::bad_alloc&) {
    throw Error("the model of this config (" + sizes + ") does not fit in memory");
  }
  int64_t params = 0;
  for (const auto& p : agent->parameters()) params += p.numel();
  // Weights, gradients and Adam's two moments, float32.
  const double need = double(params) * 4 * 4;
  const double have = double(sysconf(_SC_PHYS_PAGES)) * double(sysconf(_SC_PAGESIZE));
  if (have > 0 && need > have)
    throw Error("the model of this config has " + std::to_string(params) + " parameters: with their gradients and "
                "Adam's moments " + std::to_string(int64_t(need / 1e9)) + " GB, more than this machine's " +
                std::to_string(int64_t(have / 1e9)) + " GB (" + sizes + ")");
  return agent;
}

PolicyState AgentImpl::initial_policy_state(int64_t n) {
  auto device = wm->parameters().front().device();
  return {wm->rssm->initial(n, device), torch::zeros({n, act_space.n}, torch::TensorOptions().device(device))};
}

namespace {
// With probability `amount` per env, a uniformly random one-hot (discrete); Normal noise clipped
// to the box otherwise. action: [N, A]
torch::Tensor action_noise(const torch::Tensor& action, double amount, const ActSpace& space) {
  if (amount <= 0) return action;
  if (space.discrete) {
    auto random = torch::one_hot(torch::randint(0, space.n, {action.size(0)}, action.options().dtype(torch::kLong)),
                                 space.n).to(action.dtype());
    auto pick = (torch::rand({action.size(0), 1}, action.options()) < amount).to(action.dtype());
    return pick * random + (1 - pick) * action;
  }
  return (action + amount * torch::randn_like(action)).clamp(space.low, space.high);
}

// Uniformly random actions shaped like `like` [N, A]: one-hot (discrete) or uniform in the box.
torch::Tensor random_action(const torch::Tensor& like, const ActSpace& space) {
  if (space.discrete)
    return torch::one_hot(torch::randint(0, space.n, {like.size(0)}, like.options().dtype(torch::kLong)), space.n)
        .to(like.dtype());
  return space.low + (space.high - space.low) * torch::rand_like(like);
}
}  // namespace

torch::Tensor AgentImpl::policy(const torch::Tensor& obs, const torch::Tensor& is_first, PolicyState& state,
                                PolicyMode mode) {
  torch::NoGradGuard no_grad;
  auto device = state.action.device();
  const bool train_mode = mode != PolicyMode::eval;
  auto embed = wm->encoder(obs.to(device));
  const bool sample = train_mode || !cfg.eval_state_mean;
  auto post = wm->rssm->filter_step(state.latent, state.action, embed, is_first.to(device), sample);
  auto dist = ac->actor_dist(wm->rssm->get_feat(post));
  auto action = mode == PolicyMode::eval ? dist.mode() : dist.sample();
  if (mode == PolicyMode::explore) action = random_action(action, act_space);
  action = action_noise(action, train_mode ? cfg.expl_noise : cfg.eval_noise, act_space);
  state = {post, action};
  return action;
}

}  // namespace dreamer
