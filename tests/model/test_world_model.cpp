// Tests of the world model: it learns a synthetic task, its loss terms, grad_heads, the discount target, repeats
// under a seed.
#include <gtest/gtest.h>

#include "dreamer/core/error.h"
#include "helpers.h"

using namespace dreamer;
using dreamer::testing::make_model;
using dreamer::testing::moving_square;
using dreamer::testing::preset;
using dreamer::testing::square_actions;
using dreamer::testing::square_space;

namespace {
std::vector<double> train_losses(const Config& cfg, uint64_t seed, int steps) {
  auto wm = make_model(cfg, seed);
  auto batch = moving_square(4, 8, 10, 3, 7);
  std::vector<double> losses;
  for (int i = 0; i < steps; ++i) losses.push_back(wm->train(batch).second.at("model_loss"));
  return losses;
}
}  // namespace

TEST(WorldModel, OverfitsAMovingSquare) {
  auto cfg = preset({"debug"}, {{"rssm.deter", "64"}, {"rssm.hidden", "64"}});
  auto wm = make_model(cfg, 0);
  auto batch = moving_square(8, 10);
  ASSERT_GT(batch.reward.sum().item<double>(), 4.0);  // the task has rewards to learn
  auto first = wm->loss(batch).metrics;
  Metrics last;
  for (int step = 0; step < 1500; ++step) {
    last = wm->train(batch).second;
    if (last.at("image_loss") < first.at("image_loss") / 10 && last.at("reward_loss") < first.at("reward_loss") / 10)
      break;
  }
  EXPECT_LT(last.at("image_loss"), first.at("image_loss") / 10) << "first " << first.at("image_loss");
  EXPECT_LT(last.at("reward_loss"), first.at("reward_loss") / 10) << "first " << first.at("reward_loss");
}

TEST(WorldModel, LossTermsAreTheHeadsNegativeLogLikelihoods) {
  auto cfg = preset({"debug"});
  auto wm = make_model(cfg, 2);
  auto batch = moving_square(4, 6);
  batch.reward = torch::randn({4, 6}) * 2;  // outside [-1, 1]: tanh clipping matters
  batch.is_terminal[1][3] = true;
  auto out = wm->loss(batch);
  torch::NoGradGuard no_grad;
  auto feat = wm->rssm->get_feat(out.post);
  // Reward: a unit-variance Normal on tanh(r): 0.5 (mean - tanh r)^2 per step, averaged.
  auto reward = 0.5 * (wm->reward(feat) - torch::tanh(batch.reward)).square().mean();
  EXPECT_NEAR(out.metrics.at("reward_loss"), reward.item<double>(), 1e-5);
  // Discount: a Bernoulli on gamma (1 - terminal), by hand from the head's probabilities.
  auto p = torch::sigmoid(wm->discount_logits(feat));
  auto target = (1 - batch.is_terminal.to(torch::kFloat32)) * cfg.discount;
  auto discount = -(target * p.log() + (1 - target) * (1 - p).log()).mean();
  EXPECT_NEAR(out.metrics.at("discount_loss"), discount.item<double>(), 1e-5);
}

TEST(WorldModel, SameSeedSameLossesOtherSeedOtherLosses) {
  auto cfg = preset({"debug"});
  auto a = train_losses(cfg, 11, 4);
  auto b = train_losses(cfg, 11, 4);
  auto c = train_losses(cfg, 12, 4);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
}

namespace {
// The encoder's gradient from the image (or reward) loss alone.
double encoder_grad(const std::vector<std::pair<std::string, std::string>>& overrides) {
  auto wm = make_model(preset({"debug"}, overrides), 0);
  auto out = wm->loss(moving_square(2, 5));
  wm->zero_grad();
  out.loss.backward();
  double norm = 0;
  for (auto& p : wm->encoder->parameters())
    if (p.grad().defined()) norm += p.grad().norm().item<double>();
  return norm;
}
}  // namespace

TEST(WorldModel, GradHeadsStopTheGradientsOfHeadsLeftOut) {
  const std::vector<std::pair<std::string, std::string>> image_only{
      {"loss_scales.kl", "0"}, {"loss_scales.reward", "0"}, {"loss_scales.discount", "0"}};
  auto with = image_only, without = image_only;
  without.push_back({"grad_heads", "[reward, discount]"});
  EXPECT_GT(encoder_grad(with), 0.0);
  EXPECT_EQ(encoder_grad(without), 0.0);

  const std::vector<std::pair<std::string, std::string>> reward_only{
      {"loss_scales.kl", "0"}, {"loss_scales.image", "0"}, {"loss_scales.discount", "0"}};
  auto rwith = reward_only, rwithout = reward_only;
  rwithout.push_back({"grad_heads", "[decoder, discount]"});
  EXPECT_GT(encoder_grad(rwith), 0.0);
  EXPECT_EQ(encoder_grad(rwithout), 0.0);
}

TEST(WorldModel, DiscountTargetIsGammaTimesNotTerminal) {
  auto cfg = preset({"debug"}, {{"loss_scales.kl", "0"}});
  auto wm = make_model(cfg, 0);
  auto batch = moving_square(2, 5);
  batch.is_terminal[0][4] = true;
  torch::manual_seed(9);
  auto out = wm->loss(batch);
  auto logits = wm->discount_logits(wm->rssm->get_feat(out.post));
  auto target = torch::full({2, 5}, cfg.discount);
  target[0][4] = 0.0;
  auto expected = torch::binary_cross_entropy_with_logits(logits, target).item<double>();
  EXPECT_NEAR(out.metrics.at("discount_loss"), expected, 1e-6);
  // The same by hand for one entry: -(y log s(l) + (1 - y) log(1 - s(l))).
  const double l = logits[0][4].item<double>();
  const double by_hand = std::log1p(std::exp(l));  // y = 0
  EXPECT_NEAR(torch::binary_cross_entropy_with_logits(logits[0][4], target[0][4]).item<double>(), by_hand, 1e-5);
}
