// Tests of the actor-critic: lambda-returns by hand, the slow target's schedule, where gradients go.
#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "dreamer/model/agent.h"
#include "dreamer/nets/dist.h"
#include "helpers.h"

using namespace dreamer;
using dreamer::testing::moving_square;
using dreamer::testing::preset;
using dreamer::testing::square_actions;
using dreamer::testing::square_space;

TEST(LambdaReturn, MatchesTheRecursionByHand) {
  // One trajectory of H = 3: the second step is terminal (discount 0).
  auto reward = torch::tensor({{1.0f, 2.0f, 3.0f}});
  auto value = torch::tensor({{10.0f, 20.0f, 30.0f}});
  auto discount = torch::tensor({{0.9f, 0.0f, 0.9f}});
  auto bootstrap = torch::tensor({40.0f});
  // R_2 = 3 + .9 (.5 * 40 + .5 * 40) = 39; R_1 = 2 + 0 = 2; R_0 = 1 + .9 (.5 * 20 + .5 * 2) = 10.9
  auto r = lambda_return(reward, value, discount, bootstrap, 0.5);
  EXPECT_TRUE(torch::allclose(r, torch::tensor({{10.9f, 2.0f, 39.0f}})));
  // lambda = 1: discounted Monte Carlo; lambda = 0: one-step TD targets.
  EXPECT_TRUE(torch::allclose(lambda_return(reward, value, discount, bootstrap, 1.0), torch::tensor({{2.8f, 2.0f, 39.0f}})));
  EXPECT_TRUE(torch::allclose(lambda_return(reward, value, discount, bootstrap, 0.0), torch::tensor({{19.0f, 2.0f, 39.0f}})));
}

TEST(ActionDist, TruncatedNormalStaysInsideAndHasTheRightDensity) {
  torch::manual_seed(0);
  TruncNormalDist dist(torch::full({20000, 1}, 0.8f), torch::full({20000, 1}, 0.5f));
  auto x = dist.sample();
  EXPECT_LT(x.max().item<float>(), 1.0f);
  EXPECT_GT(x.min().item<float>(), -1.0f);
  // The density at 0 by hand: phi(-1.6) / (0.5 (Phi(0.4) - Phi(-3.6))).
  auto Phi = [](double v) { return 0.5 * (1 + std::erf(v / std::sqrt(2.0))); };
  const double expected = std::exp(-0.5 * 1.6 * 1.6) / std::sqrt(2 * M_PI) / (0.5 * (Phi(0.4) - Phi(-3.6)));
  TruncNormalDist one(torch::tensor({0.8f}), torch::tensor({0.5f}));
  EXPECT_NEAR(std::exp(one.log_prob(torch::tensor({0.0f})).item<double>()), expected, 1e-4);
  // The sample mean matches the truncated mean mu + sigma (phi(a) - phi(b)) / Z.
  auto phi = [](double v) { return std::exp(-0.5 * v * v) / std::sqrt(2 * M_PI); };
  const double a = -3.6, b = 0.4, z = Phi(b) - Phi(a);
  EXPECT_NEAR(x.mean().item<double>(), 0.8 + 0.5 * (phi(a) - phi(b)) / z, 0.01);
  // Entropy against a numerical integral of -p log p.
  auto grid = (torch::arange(20000, torch::kFloat64) + 0.5) * (2.0 / 20000) - 1;
  TruncNormalDist wide(torch::full({20000}, 0.8, torch::kFloat64), torch::full({20000}, 0.5, torch::kFloat64));
  auto logp = wide.log_prob(grid);
  const double h = -(logp.exp() * logp).sum().item<double>() * 2.0 / 20000;
  EXPECT_NEAR(one.entropy().item<double>(), h, 1e-3);
}

TEST(ActorCritic, AutoChoosesReinforceForDiscreteAndDynamicsForContinuous) {
  auto cfg = preset({"debug"});
  EXPECT_EQ(ActorCritic(cfg, 8, ActSpace{true, 3})->dynamics_mix(), 0.0);
  EXPECT_EQ(ActorCritic(cfg, 8, ActSpace{false, 2})->dynamics_mix(), 1.0);
  cfg.actor_grad = "both";
  EXPECT_DOUBLE_EQ(ActorCritic(cfg, 8, ActSpace{true, 3})->dynamics_mix(), 0.1);
  EXPECT_THROW(ActorCritic(preset({"debug"}, {{"actor.dist", "trunc_normal"}}), 8, ActSpace{true, 3}), Error);
}

namespace {
std::vector<torch::Tensor> snapshot(torch::nn::Module& m) {
  std::vector<torch::Tensor> out;
  for (auto& p : m.parameters()) out.push_back(p.detach().clone());
  return out;
}
bool same(const std::vector<torch::Tensor>& a, torch::nn::Module& m) {
  auto b = m.parameters();
  for (size_t i = 0; i < a.size(); ++i)
    if (!torch::equal(a[i], b[i])) return false;
  return true;
}
}  // namespace

class ActorGrad : public ::testing::TestWithParam<std::string> {};

TEST_P(ActorGrad, ReachesActorAndCriticButNotTheWorldModel) {
  auto cfg = preset({"debug"}, {{"actor_grad", GetParam()}, {"actor_ent", "0"}});
  torch::manual_seed(0);
  Agent agent(cfg, square_space(), square_actions());
  auto batch = moving_square(3, 6);
  auto [post, wm_metrics] = agent->wm->train(batch);
  auto wm_before = snapshot(*agent->wm);
  auto actor_before = snapshot(*agent->ac->actor);
  auto critic_before = snapshot(*agent->ac->critic);
  agent->wm->zero_grad();
  auto metrics = agent->ac->train(*agent->wm, post, batch.is_terminal);
  EXPECT_TRUE(same(wm_before, *agent->wm)) << "the actor-critic update changed the world model";
  for (auto& p : agent->wm->parameters()) {
    EXPECT_TRUE(p.requires_grad());  // restored after the update
    EXPECT_TRUE(!p.grad().defined() || p.grad().abs().max().item<float>() == 0.0f);
  }
  EXPECT_FALSE(same(actor_before, *agent->ac->actor));
  EXPECT_FALSE(same(critic_before, *agent->ac->critic));
  EXPECT_GT(metrics.at("actor_grad_norm"), 0.0);
  EXPECT_GT(metrics.at("critic_grad_norm"), 0.0);
}

INSTANTIATE_TEST_SUITE_P(Modes, ActorGrad, ::testing::Values("reinforce", "dynamics", "both"));

TEST(ActorGrad, DynamicsBackpropFlowsThroughTheImaginedStates) {
  auto cfg = preset({"debug"}, {{"actor_grad", "dynamics"}});
  torch::manual_seed(1);
  Agent agent(cfg, square_space(), square_actions());
  auto batch = moving_square(2, 4);
  auto post = agent->wm->train(batch).first;
  // With a graph, later imagined features depend on the actor's parameters; without, nothing does.
  auto seq = agent->ac->imagine(*agent->wm, post, batch.is_terminal, /*grad=*/true);
  auto grads = torch::autograd::grad({seq.feat.select(1, -1).sum()}, agent->ac->actor->parameters(), {}, false,
                                     false, /*allow_unused=*/true);
  double total = 0;
  for (auto& g : grads)
    if (g.defined()) total += g.abs().sum().item<double>();
  EXPECT_GT(total, 0.0);
  auto none = agent->ac->imagine(*agent->wm, post, batch.is_terminal, /*grad=*/false);
  EXPECT_FALSE(none.feat.requires_grad());
  EXPECT_EQ(none.feat.sizes(), (std::vector<int64_t>{2 * 4, cfg.imag_horizon + 1, agent->wm->rssm->feat_dim()}));
}

// The actor loss reuses the distributions the rollout sampled from: they are the actor's on the
// imagined features, and they carry the actor's gradient also where the rollout has no graph.
TEST(ActorCritic, ImaginationKeepsTheActorsDistributionsWithTheirGradient) {
  auto cfg = preset({"debug"});
  torch::manual_seed(4);
  Agent agent(cfg, square_space(), square_actions());
  auto batch = moving_square(2, 4);
  auto post = agent->wm->train(batch).first;
  auto seq = agent->ac->imagine(*agent->wm, post.detach(), batch.is_terminal, /*grad=*/false);
  EXPECT_FALSE(seq.feat.requires_grad());
  ASSERT_TRUE(seq.policy.logits.defined());
  EXPECT_EQ(seq.policy.logits.sizes(), (std::vector<int64_t>{2 * 4, cfg.imag_horizon + 1, 3}));
  auto again = agent->ac->actor_dist(seq.feat.flatten(0, 1)).logits.reshape(seq.policy.logits.sizes());
  EXPECT_LE((seq.policy.logits - again).abs().max().item<double>(), 1e-5);
  // The action that led to state t + 1 is a sample of state t's distribution: a one-hot it gives
  // positive probability.
  auto taken = seq.action.slice(1, 1);
  auto probs = torch::softmax(seq.policy.logits.slice(1, 0, cfg.imag_horizon), -1);
  EXPECT_TRUE(((taken * probs).sum(-1) > 0).all().item<bool>());
  EXPECT_TRUE((taken.sum(-1) == 1).all().item<bool>());
  auto grads = torch::autograd::grad({seq.policy.logits.square().sum()}, agent->ac->actor->parameters());
  double total = 0;
  for (auto& g : grads) total += g.abs().sum().item<double>();
  EXPECT_GT(total, 0.0);
}

TEST(ActorCritic, ImaginationUsesTheReplayDiscountFirstAndCumulativeWeights) {
  auto cfg = preset({"debug"});
  torch::manual_seed(2);
  Agent agent(cfg, square_space(), square_actions());
  auto batch = moving_square(2, 3);
  batch.is_terminal[1][2] = true;
  auto post = agent->wm->loss(batch).post.detach();
  auto seq = agent->ac->imagine(*agent->wm, post, batch.is_terminal, false);
  EXPECT_NEAR(seq.discount[0][0].item<float>(), cfg.discount, 1e-6);
  EXPECT_EQ(seq.discount[5][0].item<float>(), 0.0f);  // row 1, step 2 is terminal
  // weight_t = prod_{k < t} discount_k
  auto expected = torch::cumprod(seq.discount, 1) / seq.discount;
  EXPECT_TRUE(torch::allclose(seq.weight.slice(0, 0, 5), expected.slice(0, 0, 5), 1e-5, 1e-6));
  EXPECT_TRUE((seq.weight.select(0, 5).slice(0, 1) == 0).all().item<bool>());
  EXPECT_TRUE((seq.action.select(1, 0) == 0).all().item<bool>());
}

TEST(ActorCritic, ImagStartsDrawsDistinctStartStatesWithTheirOwnReplayDiscount) {
  auto cfg = preset({"debug"}, {{"imag_starts", "3"}});
  torch::manual_seed(7);
  Agent agent(cfg, square_space(), square_actions());
  auto batch = moving_square(2, 4);
  batch.is_terminal[0][1] = true;
  batch.is_terminal[1][0] = true;
  batch.is_terminal[1][3] = true;
  auto post = agent->wm->loss(batch).post.detach();
  // Tag each of the 8 start states with its flat index in its first deterministic unit.
  post.deter.select(-1, 0).copy_(torch::arange(8, torch::kFloat32).reshape({2, 4}));
  auto seq = agent->ac->imagine(*agent->wm, post, batch.is_terminal, false);
  ASSERT_EQ(seq.feat.size(0), 3);
  auto terminal = batch.is_terminal.flatten();
  std::set<int64_t> seen;
  for (int64_t i = 0; i < 3; ++i) {
    // The start state is one of the eight posteriors, and its first discount is that step's.
    const int64_t match = int64_t(seq.state.deter[i][0][0].item<float>());
    ASSERT_TRUE(match >= 0 && match < 8) << "start " << i;
    EXPECT_TRUE(torch::equal(seq.state.deter[i][0], post.deter.flatten(0, 1)[match])) << "start " << i;
    seen.insert(match);
    const float expected = terminal[match].item<bool>() ? 0.0f : float(cfg.discount);
    EXPECT_NEAR(seq.discount[i][0].item<float>(), expected, 1e-6) << "start " << i;
  }
  EXPECT_EQ(seen.size(), 3u);
  // More starts than states, or 0, means every state once, in order.
  for (const char* all : {"0", "100"}) {
    Agent every(preset({"debug"}, {{"imag_starts", all}}), square_space(), square_actions());
    auto p = every->wm->loss(batch).post.detach();
    auto s = every->ac->imagine(*every->wm, p, batch.is_terminal, false);
    EXPECT_TRUE(torch::equal(s.state.deter.select(1, 0), p.deter.flatten(0, 1))) << "imag_starts " << all;
  }
}

TEST(ActorCritic, TargetCriticChangesOnlyOnItsSchedule) {
  auto cfg = preset({"debug"}, {{"slow_target_update", "3"}});
  torch::manual_seed(3);
  Agent agent(cfg, square_space(), square_actions());
  auto batch = moving_square(2, 4);
  auto post = agent->wm->train(batch).first;
  std::vector<torch::Tensor> target;
  for (int update = 0; update < 7; ++update) {
    target = snapshot(*agent->ac->target_critic);
    agent->ac->train(*agent->wm, post, batch.is_terminal);
    const bool copied = update % 3 == 0;
    EXPECT_EQ(same(target, *agent->ac->target_critic), !copied) << "update " << update;
    if (copied) EXPECT_TRUE(same(snapshot(*agent->ac->target_critic), *agent->ac->critic));
    else EXPECT_FALSE(same(snapshot(*agent->ac->target_critic), *agent->ac->critic));
  }
  EXPECT_EQ(agent->ac->updates.item<int64_t>(), 7);
}


// DreamerV3's return normalisation: the 5% and 95% quantiles tracked with `decay`, the scale at least `limit`.
TEST(ReturnNorm, ScaleIsTheTrackedQuantileRangeAtLeastTheLimit) {
  auto returns = torch::arange(0, 101, torch::kFloat32).reshape({1, 101});  // quantiles 0.05 and 0.95: 5 and 95
  auto with = [&](const std::string& decay) {
    auto cfg = preset({"debug"}, {{"return_norm.enabled", "true"}, {"return_norm.decay", decay}});
    return ActorCritic(cfg, 16, square_actions());
  };
  EXPECT_NEAR(with("0")->return_scale(returns), 90.0, 1e-4);
  auto slow = with("0.5");
  EXPECT_NEAR(slow->return_scale(returns), 45.0, 1e-4);   // 0.5 x 0 + 0.5 x 90
  EXPECT_NEAR(slow->return_scale(returns), 67.5, 1e-4);   // 0.5 x 45 + 0.5 x 90
  EXPECT_NEAR(with("0.99")->return_scale(returns), 1.0, 1e-9);  // 0.9 < limit 1
  EXPECT_NEAR(with("0")->return_scale(returns * 0.001), 1.0, 1e-9);
  // Off: 1, and no buffer (checkpoints of earlier runs keep their keys).
  ActorCritic off(preset({"debug"}), 16, square_actions());
  EXPECT_EQ(off->return_scale(returns), 1.0);
  EXPECT_FALSE(off->return_range.defined());
}

// slow_reg needs the slow copy even when the targets bootstrap from the critic: it moves as an EMA.
TEST(ActorCritic, SlowCopyMovesForTheRegulariserAsAnAverage) {
  auto cfg = preset({"debug"}, {{"slow_target", "false"}, {"slow_reg", "1.0"}, {"slow_target_update", "1"},
                                {"slow_target_fraction", "0.25"}});
  ActorCritic ac(cfg, 16, square_actions());
  ac->update_slow_target();  // the first call copies
  EXPECT_TRUE(torch::equal(ac->target_critic->out->bias, ac->critic->out->bias));
  const auto before = ac->target_critic->out->bias.clone();
  {
    torch::NoGradGuard no_grad;
    ac->critic->out->bias.add_(4.0);
  }
  ac->update_slow_target();  // 0.25 of the way: +1
  EXPECT_TRUE(torch::allclose(ac->target_critic->out->bias, before + 1.0));
  // Without slow_target and slow_reg the copy stays as it is.
  ActorCritic fixed(preset({"debug"}, {{"slow_target", "false"}}), 16, square_actions());
  const auto kept = fixed->target_critic->out->bias.clone();
  {
    torch::NoGradGuard no_grad;
    fixed->critic->out->bias.add_(4.0);
  }
  fixed->update_slow_target();
  EXPECT_TRUE(torch::equal(fixed->target_critic->out->bias, kept));
}

// The v3 preset: twohot heads start at exactly 0, the actor keeps 1% on every action, and an update runs with
// every switch on and trains the critic toward its targets.
TEST(ActorCritic, TheV3SwitchesTogether) {
  auto cfg = preset({"debug", "v3"});
  torch::manual_seed(7);
  Agent agent(cfg, square_space(), square_actions());
  auto batch = moving_square(2, 6);
  auto post = agent->wm->train(batch).first;
  auto feat = agent->wm->rssm->get_feat(post).flatten(0, 1);
  EXPECT_TRUE(torch::equal(agent->ac->value(feat), torch::zeros({feat.size(0)})));
  EXPECT_EQ(agent->ac->critic->out->weight.size(0), 255);
  auto probs = torch::softmax(agent->ac->actor_dist(feat).logits, -1);
  EXPECT_GE(probs.min().item<double>(), 0.01 / 3 - 1e-7);
  Metrics m;
  for (int i = 0; i < 3; ++i) m = agent->ac->train(*agent->wm, post, batch.is_terminal);
  EXPECT_TRUE(m.count("return_scale"));
  EXPECT_GE(m.at("return_scale"), 1.0);
  EXPECT_TRUE(std::isfinite(m.at("critic_loss")));
  EXPECT_FALSE(torch::equal(agent->ac->value(feat), torch::zeros({feat.size(0)})));  // it learned something
}

// actor_grad both with a schedule: the mix follows the frames the trainer reports.
TEST(ActorCritic, TheMixFollowsItsScheduleInFrames) {
  auto cfg = preset({"debug"}, {{"actor_grad", "both"}, {"actor_grad_mix", "linear(0, 1, 100)"}});
  ActorCritic ac(cfg, 8, ActSpace{true, 3});
  EXPECT_DOUBLE_EQ(ac->dynamics_mix(), 0.0);
  ac->set_frames(25);
  EXPECT_DOUBLE_EQ(ac->dynamics_mix(), 0.25);
  ac->set_frames(1000);
  EXPECT_DOUBLE_EQ(ac->dynamics_mix(), 1.0);
}
