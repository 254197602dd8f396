// Tests of the world model: it learns a synthetic task, saves and loads exactly, repeats under a seed.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "dreamer/core/error.h"
#include "dreamer/io/checkpoint.h"
#include "dreamer/envs/render.h"
#include "dreamer/run/openl_video.h"
#include "helpers.h"

using namespace dreamer;
using dreamer::testing::moving_square;
using dreamer::testing::preset;
using dreamer::testing::square_actions;
using dreamer::testing::square_space;

namespace {
WorldModel make_model(const Config& cfg, uint64_t seed) {
  torch::manual_seed(seed);
  return WorldModel(cfg, square_space(), square_actions());
}

std::vector<double> train_losses(const Config& cfg, uint64_t seed, int steps) {
  auto wm = make_model(cfg, seed);
  auto batch = moving_square(4, 8, 10, 3, 7);
  std::vector<double> losses;
  for (int i = 0; i < steps; ++i) losses.push_back(wm->train(batch).second.at("model_loss"));
  return losses;
}

std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("dreamer_test_" + name)).string();
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

TEST(OpenLoopVideo, TruthModelAndErrorRowsPerSequence) {
  auto cfg = preset({"debug"});
  auto wm = make_model(cfg, 4);
  auto batch = moving_square(2, 6);
  const ObsSpace space = square_space();
  torch::manual_seed(9);  // the posteriors are sampled: the same draws for the video and the check
  const Video video = openl_video(*wm, batch, /*context=*/2, space);
  const int64_t h = 160, w = 160;  // a 10x10 board at 16 px per cell
  ASSERT_EQ(video.frames, 6);
  ASSERT_EQ(video.height, 3 * h);
  ASSERT_EQ(video.width, 2 * w);
  ASSERT_EQ(video.rgb.size(), size_t(6 * 3 * h * 2 * w * 3));
  auto pixel = [&](int64_t t, int64_t y, int64_t x, int c) {
    return video.rgb[size_t(((t * video.height + y) * video.width + x) * 3 + c)];
  };
  torch::manual_seed(9);
  auto model = (wm->video_pred(batch, 2) > 0.5).to(torch::kUInt8).contiguous();
  for (int64_t t : {0, 4})
    for (int64_t b = 0; b < 2; ++b) {
      auto truth = render_observation(batch.image[b][t].contiguous().data_ptr<uint8_t>(), space);
      auto predicted = render_observation(model[b][t].data_ptr<uint8_t>(), space);
      for (int64_t y = 0; y < h; y += 8)
        for (int64_t x = 0; x < w; x += 8) {
          const size_t i = size_t((y * w + x) * 3);
          ASSERT_EQ(pixel(t, y, b * w + x, 0), truth.rgb[i]) << "truth t " << t << " b " << b;
          ASSERT_EQ(pixel(t, h + y, b * w + x, 0), predicted.rgb[i]) << "model t " << t << " b " << b;
          // Error: lit exactly where truth and model differ.
          const bool differs = truth.rgb[i] != predicted.rgb[i];
          ASSERT_EQ(pixel(t, 2 * h + y, b * w + x, 0) != 0, differs) << "error t " << t << " b " << b;
        }
    }
}

TEST(WorldModel, SameSeedSameLossesOtherSeedOtherLosses) {
  auto cfg = preset({"debug"});
  auto a = train_losses(cfg, 11, 4);
  auto b = train_losses(cfg, 11, 4);
  auto c = train_losses(cfg, 12, 4);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
}

TEST(WorldModel, SaveAndLoadRoundTripModelAndOptimizer) {
  auto cfg = preset({"debug"});
  auto batch = moving_square(4, 8);
  auto a = make_model(cfg, 1);
  for (int i = 0; i < 3; ++i) a->train(batch);
  int64_t step = 3;
  const auto path = temp_path("wm.pt");
  save_checkpoint(path, {{{"world_model", a.get()}}, {&a->optimizer()}, {{"step", &step}}, {}, {}});

  auto b = make_model(cfg, 2);
  int64_t loaded_step = 0;
  load_checkpoint(path, {{{"world_model", b.get()}}, {&b->optimizer()}, {{"step", &loaded_step}}, {}, {}});
  EXPECT_EQ(loaded_step, 3);
  auto pa = a->named_parameters(), pb = b->named_parameters();
  for (const auto& item : pa) EXPECT_TRUE(torch::equal(item.value(), pb[item.key()])) << item.key();
  // The optimizer state came along: the next step is identical too.
  torch::manual_seed(5);
  auto la = a->train(batch).second.at("model_loss");
  torch::manual_seed(5);
  auto lb = b->train(batch).second.at("model_loss");
  EXPECT_EQ(la, lb);
  for (const auto& item : pa) EXPECT_TRUE(torch::equal(item.value(), pb[item.key()])) << item.key();
  std::filesystem::remove(path);
}

TEST(WorldModel, LoadingABadCheckpointIsAnErrorNamingIt) {
  auto cfg = preset({"debug"});
  auto wm = make_model(cfg, 0);
  const auto path = temp_path("garbage.pt");
  { std::ofstream(path) << "not a checkpoint"; }
  try {
    load_checkpoint(path, {{{"world_model", wm.get()}}, {}, {}, {}, {}});
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos);
  }
  // A checkpoint of another model size is refused too.
  auto big = WorldModel(preset({"debug"}, {{"rssm.deter", "48"}}), square_space(), square_actions());
  save_checkpoint(path, {{{"world_model", big.get()}}, {}, {}, {}, {}});
  EXPECT_THROW(load_checkpoint(path, {{{"world_model", wm.get()}}, {}, {}, {}, {}}), Error);
  std::filesystem::remove(path);
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
