// Tests of the RSSM: KL balancing against hand-computed values, resets at is_first, the filter step.
#include <gtest/gtest.h>

#include <cmath>

#include "dreamer/model/rssm.h"
#include "helpers.h"

using namespace dreamer;

namespace {
RSSMConfig tiny_rssm(int stoch, int discrete) {
  RSSMConfig c;
  c.hidden = 8;
  c.deter = 6;
  c.stoch = stoch;
  c.discrete = discrete;
  c.act = "elu";
  c.norm = "none";
  c.std_act = "sigmoid2";
  c.min_std = 0.1;
  return c;
}

// One batch item, one step, one categorical of three classes: state logits [1, 1, 1, 3].
RSSMState categorical(std::vector<float> probs, bool requires_grad) {
  RSSMState s;
  s.logits = torch::tensor(probs).log().reshape({1, 1, 1, 3}).set_requires_grad(requires_grad);
  return s;
}

// KL(q || p) of two 3-class categoricals, by hand.
double kl_by_hand(const std::vector<double>& q, const std::vector<double>& p) {
  double kl = 0;
  for (int i = 0; i < 3; ++i) kl += q[i] * std::log(q[i] / p[i]);
  return kl;
}
}  // namespace

class KLBalance : public ::testing::TestWithParam<double> {};

TEST_P(KLBalance, ValueAndGradientsMatchTheHandComputation) {
  const double alpha = GetParam();
  RSSM rssm(tiny_rssm(1, 3), 4, 2);
  const std::vector<double> q{0.7, 0.2, 0.1}, p{0.3, 0.3, 0.4};
  auto post = categorical({0.7f, 0.2f, 0.1f}, true);
  auto prior = categorical({0.3f, 0.3f, 0.4f}, true);
  KLConfig k;
  k.balance = alpha;
  k.free = 0.0;
  auto [loss, value] = rssm->kl_loss(post, prior, k);
  const double kl = kl_by_hand(q, p);  // 0.37339...
  EXPECT_NEAR(kl, 0.373391, 1e-5);
  EXPECT_NEAR(loss.item<double>(), kl, 1e-5);  // both sides have the same value
  EXPECT_NEAR(value.item<double>(), kl, 1e-5);
  auto grads = torch::autograd::grad({loss}, {prior.logits, post.logits});
  // Balancing trains the prior with weight alpha and the posterior with 1 - alpha; alpha = 0.5 is
  // the plain KL (as the official code), which trains both with weight 1.
  const double prior_weight = alpha == 0.5 ? 1.0 : alpha;
  const double post_weight = alpha == 0.5 ? 1.0 : 1.0 - alpha;
  for (int i = 0; i < 3; ++i) {
    // d KL(q||p) / d prior logits = p - q.
    EXPECT_NEAR(grads[0].flatten()[i].item<double>(), prior_weight * (p[i] - q[i]), 1e-5) << i;
    // d KL(q||p) / d post logits = q (log q - log p - KL).
    EXPECT_NEAR(grads[1].flatten()[i].item<double>(), post_weight * q[i] * (std::log(q[i] / p[i]) - kl), 1e-5) << i;
  }
}

INSTANTIATE_TEST_SUITE_P(Alphas, KLBalance, ::testing::Values(0.8, 0.5));

TEST(KLBalance, FreeNatsClipTheAverageOrEachValue) {
  RSSM rssm(tiny_rssm(1, 3), 4, 2);
  // Two batch items: KL 0.37339 and 0.
  RSSMState post, prior;
  post.logits = torch::tensor({0.7f, 0.2f, 0.1f, 0.3f, 0.3f, 0.4f}).log().reshape({2, 1, 1, 3}).requires_grad_();
  prior.logits = torch::tensor({0.3f, 0.3f, 0.4f, 0.3f, 0.3f, 0.4f}).log().reshape({2, 1, 1, 3}).requires_grad_();
  const double kl = kl_by_hand({0.7, 0.2, 0.1}, {0.3, 0.3, 0.4});
  for (double alpha : {0.8, 0.5}) {
    KLConfig k;
    k.balance = alpha;
    k.free = 0.1;
    k.free_avg = true;
    // The mean 0.187 is above 0.1; balance 0.5 clips each KL whatever free_avg says (as the official code).
    const double clipped_mean = alpha == 0.5 ? (kl + 0.1) / 2 : kl / 2;
    EXPECT_NEAR(rssm->kl_loss(post, prior, k).first.item<double>(), clipped_mean, 1e-5);
    k.free_avg = false;
    EXPECT_NEAR(rssm->kl_loss(post, prior, k).first.item<double>(), (kl + 0.1) / 2, 1e-5);
    // Free nats above the KL: the loss is constant and trains nothing.
    k.free = 1.0;
    k.free_avg = true;
    auto [loss, value] = rssm->kl_loss(post, prior, k);
    EXPECT_NEAR(loss.item<double>(), 1.0, 1e-6);
    auto grads = torch::autograd::grad({loss}, {prior.logits, post.logits}, {}, false, false, true);
    for (auto& g : grads) EXPECT_TRUE(!g.defined() || g.abs().max().item<double>() == 0.0);
  }
}

// DreamerV3's split: dyn x KL(sg(post) || prior) + rep x KL(post || sg(prior)), each clipped per step.
TEST(KLSplit, WeighsTheDynamicsAndRepresentationTermsApart) {
  RSSM rssm(tiny_rssm(1, 3), 4, 2);
  const std::vector<double> q{0.7, 0.2, 0.1}, p{0.3, 0.3, 0.4};
  const double kl = kl_by_hand(q, p);
  auto post = categorical({0.7f, 0.2f, 0.1f}, true);
  auto prior = categorical({0.3f, 0.3f, 0.4f}, true);
  KLConfig k;
  k.split = true;
  k.dyn = 0.5;
  k.rep = 0.1;
  k.free = 0.0;
  auto [loss, value] = rssm->kl_loss(post, prior, k);
  EXPECT_NEAR(loss.item<double>(), 0.6 * kl, 1e-5);
  EXPECT_NEAR(value.item<double>(), kl, 1e-5);
  auto grads = torch::autograd::grad({loss}, {prior.logits, post.logits});
  for (int i = 0; i < 3; ++i) {
    EXPECT_NEAR(grads[0].flatten()[i].item<double>(), 0.5 * (p[i] - q[i]), 1e-5) << i;  // the prior: dyn only
    EXPECT_NEAR(grads[1].flatten()[i].item<double>(), 0.1 * q[i] * (std::log(q[i] / p[i]) - kl), 1e-5) << i;
  }
  // One free nat per step: each term is clipped at 1 (0.373 < 1), so the loss is 0.6 and trains nothing.
  k.free = 1.0;
  k.free_avg = false;
  auto clipped = rssm->kl_loss(post, prior, k).first;
  EXPECT_NEAR(clipped.item<double>(), 0.6, 1e-6);
}

TEST(RSSM, UnimixKeepsEveryLatentClassPossible) {
  auto cfg = tiny_rssm(4, 5);
  cfg.unimix = 0.1;
  torch::manual_seed(0);
  RSSM rssm(cfg, 4, 2);
  auto prior = rssm->prior(torch::randn({3, 6}) * 50, /*sample=*/true);  // large inputs: near one-hot logits
  auto probs = torch::softmax(prior.logits, -1);
  EXPECT_GE(probs.min().item<double>(), 0.1 / 5 - 1e-6);  // at least unimix / classes
  EXPECT_NEAR(probs.sum(-1).mean().item<double>(), 1.0, 1e-5);
}

TEST(RSSM, GruNormFalseLeavesTheCellWithoutLayerNorm) {
  auto cfg = tiny_rssm(2, 3);
  EXPECT_TRUE(RSSM(cfg, 4, 2)->cell->norm);
  cfg.gru_norm = false;
  EXPECT_FALSE(RSSM(cfg, 4, 2)->cell->norm);
}

TEST(KLBalance, ForwardSwapsTheArguments) {
  RSSM rssm(tiny_rssm(1, 3), 4, 2);
  auto post = categorical({0.7f, 0.2f, 0.1f}, false);
  auto prior = categorical({0.3f, 0.3f, 0.4f}, false);
  KLConfig k;
  k.forward = true;
  EXPECT_NEAR(rssm->kl_loss(post, prior, k).first.item<double>(), kl_by_hand({0.3, 0.3, 0.4}, {0.7, 0.2, 0.1}), 1e-5);
}

TEST(KLBalance, GaussianLatents) {
  RSSM rssm(tiny_rssm(1, 0), 4, 2);
  RSSMState post, prior;
  post.mean = torch::tensor({{1.0f}});
  post.std = torch::tensor({{0.5f}});
  prior.mean = torch::tensor({{0.0f}});
  prior.std = torch::tensor({{1.0f}});
  // KL(N(1, .5^2) || N(0, 1)) = log(1/.5) + (.25 + 1) / 2 - 1/2
  const double expected = std::log(2.0) + 1.25 / 2 - 0.5;
  EXPECT_NEAR(rssm->kl_loss(post, prior, KLConfig{}).first.item<double>(), expected, 1e-5);
}

TEST(RSSM, ObserveResetsTheStateAtIsFirst) {
  torch::manual_seed(0);
  RSSM rssm(tiny_rssm(3, 4), 5, 2);
  const int64_t B = 2, T = 4;
  auto embed = torch::randn({B, T, 5});
  auto action = torch::randn({B, T, 2});
  auto is_first = torch::zeros({B, T}, torch::kBool);
  is_first[0][0] = true;
  is_first[0][2] = true;  // item 0 starts a new episode at t = 2; item 1 does not
  auto [post, prior] = rssm->observe(embed, action, is_first);
  // After a reset the prior's deterministic state is h = GRU(0, img_in([0, 0])): history-free.
  auto fresh = rssm->img_step(rssm->initial(1, torch::kCPU), torch::zeros({1, 2}));
  EXPECT_TRUE(torch::allclose(prior.deter[0][2], fresh.deter[0]));
  EXPECT_TRUE(torch::allclose(prior.deter[0][0], fresh.deter[0]));
  EXPECT_FALSE(torch::allclose(prior.deter[1][2], fresh.deter[0]));
  // A carried-in state is ignored where is_first is set.
  auto carried = rssm->initial(B, torch::kCPU);
  carried.deter.fill_(3.0);
  auto [post2, prior2] = rssm->observe(embed, action, is_first, carried);
  EXPECT_TRUE(torch::allclose(prior2.deter[0][0], fresh.deter[0]));
  EXPECT_FALSE(torch::allclose(prior2.deter[1][0], prior.deter[1][0]));
}

TEST(RSSM, FilterStepIsObsStepsPosterior) {
  torch::manual_seed(1);
  RSSM rssm(tiny_rssm(3, 4), 5, 2);
  auto prev = rssm->initial(3, torch::kCPU);
  prev.deter.normal_();
  auto embed = torch::randn({3, 5});
  auto action = torch::randn({3, 2});
  auto is_first = torch::tensor({false, true, false});
  torch::manual_seed(2);
  auto [post, prior] = rssm->obs_step(prev, action, embed, is_first);
  torch::manual_seed(2);
  auto filtered = rssm->filter_step(prev, action, embed, is_first);
  EXPECT_TRUE(torch::equal(filtered.deter, post.deter));
  EXPECT_TRUE(torch::equal(filtered.stoch, post.stoch));
  EXPECT_TRUE(torch::equal(filtered.logits, post.logits));
  // Item 1 starts an episode: its state is the history-free one.
  auto fresh = rssm->img_deter(rssm->initial(1, torch::kCPU), torch::zeros({1, 2}));
  EXPECT_TRUE(torch::allclose(filtered.deter[1], fresh[0]));
  EXPECT_FALSE(torch::allclose(filtered.deter[0], fresh[0]));
}
