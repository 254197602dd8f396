// Tests of the building blocks: module shapes per preset, straight-through sampling, the GRU cell.
#include <gtest/gtest.h>

#include "dreamer/nets/dist.h"
#include "dreamer/nets/gru.h"
#include "helpers.h"

using namespace dreamer;
using dreamer::testing::preset;

namespace {
struct PresetCase {
  std::string name;
  ObsSpace obs;
  ActSpace act;
};

void check_shapes(const PresetCase& pc) {
  auto cfg = preset({pc.name});
  torch::manual_seed(0);
  WorldModel wm(cfg, pc.obs, pc.act);
  const int64_t B = 2, T = 3;
  auto image = torch::randint(0, pc.obs.high + 1, {B, T, pc.obs.height, pc.obs.width, pc.obs.channels}).to(torch::kUInt8);
  auto embed = wm->encoder(image);
  ASSERT_EQ(embed.sizes(), (std::vector<int64_t>{B, T, wm->encoder->embed_dim}));
  auto action = torch::zeros({B, T, pc.act.n});
  auto is_first = torch::zeros({B, T}, torch::kBool);
  auto [post, prior] = wm->rssm->observe(embed, action, is_first);
  const auto& r = cfg.rssm;
  EXPECT_EQ(post.deter.sizes(), (std::vector<int64_t>{B, T, r.deter}));
  EXPECT_EQ(post.stoch.sizes(), (std::vector<int64_t>{B, T, r.stoch, r.discrete}));
  EXPECT_EQ(prior.logits.sizes(), (std::vector<int64_t>{B, T, r.stoch, r.discrete}));
  auto feat = wm->rssm->get_feat(post);
  EXPECT_EQ(feat.sizes(), (std::vector<int64_t>{B, T, r.stoch * r.discrete + r.deter}));
  EXPECT_EQ(wm->decoder(feat).sizes(), image.sizes());
  EXPECT_EQ(wm->reward(feat).sizes(), (std::vector<int64_t>{B, T}));
  EXPECT_EQ(wm->discount_logits(feat).sizes(), (std::vector<int64_t>{B, T}));
  auto last = post.map([](const torch::Tensor& t) { return t.select(1, -1); });
  auto imagined = wm->rssm->imagine(torch::zeros({B, 4, pc.act.n}), last);
  EXPECT_EQ(imagined.deter.sizes(), (std::vector<int64_t>{B, 4, r.deter}));
  auto [states, actions] = wm->rssm->rollout(
      [&](const torch::Tensor& f) { return torch::zeros({f.size(0), pc.act.n}); }, last, 5);
  EXPECT_EQ(states.deter.sizes(), (std::vector<int64_t>{B, 6, r.deter}));
  EXPECT_EQ(actions.sizes(), (std::vector<int64_t>{B, 6, pc.act.n}));
}
}  // namespace

TEST(Shapes, AtariPreset) { check_shapes({"atari", {64, 64, 1, 255}, {true, 18}}); }
TEST(Shapes, MinAtarPreset) { check_shapes({"minatar", {10, 10, 4, 1}, {true, 6}}); }
TEST(Shapes, DebugPreset) { check_shapes({"debug", {10, 10, 2, 1}, {true, 3}}); }

TEST(Shapes, AtariEncoderIsThePapers) {
  auto cfg = preset({"atari"});
  Encoder enc(cfg.encoder, ObsSpace{64, 64, 1, 255});
  EXPECT_EQ(enc->embed_dim, 1536);  // 2x2x384
  EXPECT_EQ(deconv_out_size(cfg.decoder.cnn_kernels), 64);
  EXPECT_EQ(conv_out_size(10, {4, 4}), 1);
}

TEST(Shapes, StrideOneCodersKeepTheBoardsDetail) {
  EXPECT_EQ(conv_out_size(10, {3, 3, 3}, 1), 4);
  EXPECT_EQ(deconv_out_size({4, 4, 4}, 1), 10);
  auto cfg = preset({"debug"}, {{"encoder.cnn_kernels", "[3, 3, 3]"}, {"encoder.cnn_stride", "1"},
                                {"decoder.cnn_kernels", "[4, 4, 4]"}, {"decoder.cnn_stride", "1"}});
  ObsSpace space{10, 10, 4, 1};
  Encoder enc(cfg.encoder, space);
  EXPECT_EQ(enc->embed_dim, 4 * 4 * 4 * cfg.encoder.cnn_depth);
  auto e = enc(torch::zeros({3, 10, 10, 4}, torch::kUInt8));
  EXPECT_EQ(e.sizes(), (std::vector<int64_t>{3, enc->embed_dim}));
  Decoder dec(cfg.decoder, 7, space);
  EXPECT_EQ(dec(torch::zeros({3, 7})).sizes(), (std::vector<int64_t>{3, 10, 10, 4}));
}

TEST(Shapes, MlpCoders) {
  auto cfg = preset({"debug"}, {{"encoder.net", "mlp"}, {"decoder.net", "mlp"}});
  ObsSpace space{10, 10, 3, 1};
  Encoder enc(cfg.encoder, space);
  auto e = enc(torch::zeros({2, 5, 10, 10, 3}, torch::kUInt8));
  EXPECT_EQ(e.sizes(), (std::vector<int64_t>{2, 5, cfg.encoder.mlp_layers.back()}));
  Decoder dec(cfg.decoder, 7, space);
  EXPECT_EQ(dec(torch::zeros({2, 5, 7})).sizes(), (std::vector<int64_t>{2, 5, 10, 10, 3}));
}

TEST(Shapes, DecoderThatCannotReachTheImageSizeIsAConfigError) {
  auto cfg = preset({"debug"});
  EXPECT_THROW(Decoder(cfg.decoder, 7, ObsSpace{64, 64, 1, 255}), Error);
  EXPECT_THROW(Encoder(preset({}).encoder, ObsSpace{10, 10, 1, 1}), Error);
}

TEST(Shapes, GaussianLatents) {
  auto cfg = preset({"debug"}, {{"rssm.discrete", "0"}});
  WorldModel wm(cfg, dreamer::testing::square_space(), dreamer::testing::square_actions());
  auto batch = dreamer::testing::moving_square(2, 4);
  auto out = wm->loss(batch);
  EXPECT_EQ(out.post.stoch.sizes(), (std::vector<int64_t>{2, 4, cfg.rssm.stoch}));
  EXPECT_EQ(out.post.std.sizes(), (std::vector<int64_t>{2, 4, cfg.rssm.stoch}));
  EXPECT_TRUE((out.post.std >= cfg.rssm.min_std).all().item<bool>());
  EXPECT_TRUE(std::isfinite(out.loss.item<double>()));
}

TEST(StraightThrough, ForwardIsOneHotAndGradientIsThatOfTheProbabilities) {
  torch::manual_seed(1);
  auto logits = torch::randn({5, 4, 6}, torch::requires_grad());
  auto w = torch::randn({5, 4, 6});
  OneHotDist dist(logits);
  auto sample = dist.sample();
  // Forward: exactly one-hot (values 0 or 1, one 1 per categorical).
  EXPECT_TRUE(((sample == 0) | (sample == 1)).all().item<bool>());
  EXPECT_TRUE((sample.sum(-1) == 1).all().item<bool>());
  auto grad_sample = torch::autograd::grad({(w * sample).sum()}, {logits})[0];
  auto grad_probs = torch::autograd::grad({(w * torch::softmax(logits, -1)).sum()}, {logits})[0];
  EXPECT_TRUE(torch::allclose(grad_sample, grad_probs, 1e-6, 1e-7));
  auto mode = dist.mode();
  EXPECT_TRUE(torch::equal(mode.argmax(-1), logits.argmax(-1)));
}

TEST(StraightThrough, SamplesFollowTheProbabilities) {
  torch::manual_seed(2);
  auto logits = torch::tensor({0.0f, std::log(3.0f)}).expand({20000, 2});
  auto freq = OneHotDist(logits).sample().mean(0);
  EXPECT_NEAR(freq[1].item<float>(), 0.75f, 0.015f);
}

TEST(GRUCell, MatchesTheFormulaByHand) {
  torch::manual_seed(3);
  GRUCell cell(2, 3, /*layer_norm=*/false, /*update_bias=*/-1.0);
  auto x = torch::randn({1, 2});
  auto h = torch::randn({1, 3});
  auto parts = torch::matmul(torch::cat({x, h}, -1), cell->linear->weight.t()) + cell->linear->bias;
  auto r = torch::sigmoid(parts.slice(1, 0, 3));
  auto c = torch::tanh(r * parts.slice(1, 3, 6));
  auto u = torch::sigmoid(parts.slice(1, 6, 9) - 1.0);
  auto expected = u * c + (1 - u) * h;
  EXPECT_TRUE(torch::allclose(cell(x, h), expected, 1e-5, 1e-6));
}

TEST(GRUCell, LayerNormNormalisesTheGates) {
  GRUCell cell(4, 8);
  ASSERT_TRUE(cell->norm);
  EXPECT_EQ(cell->norm->weight.sizes(), (std::vector<int64_t>{24}));
}
