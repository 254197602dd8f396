// The fast kernels compute what the plain LibTorch formulation computes: values and gradients.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "dreamer/core/runtime.h"
#include "dreamer/model/agent.h"
#include "nets/fast/batched_weight_grads.h"
#include "dreamer/nets/coders.h"
#include "nets/fast/conv_transpose.h"
#include "dreamer/nets/layers.h"
#include "nets/fast/onehot_linear.h"
#include "helpers.h"

using namespace dreamer;
using namespace dreamer::testing;

namespace {

// Restores the default kernels and the thread count when a test ends, also on failure.
struct KernelsGuard {
  int threads = at::get_num_threads();
  ~KernelsGuard() {
    set_kernels(Kernels::fast);
    at::set_num_threads(threads);
  }
};

void expect_close(const torch::Tensor& a, const torch::Tensor& b, double tol, const std::string& what) {
  ASSERT_EQ(a.sizes(), b.sizes()) << what;
  const double scale = std::max(1.0, b.abs().max().item<double>());
  EXPECT_LE((a - b).abs().max().item<double>(), tol * scale) << what;
}

}  // namespace

// (stride, output channels): below 8 output channels the kernel runs as one stride-1 convolution
// per output phase, from 8 on as a convolution's data-gradient; strides 2 and 3 leave kernel taps
// over (3 and 4 are not multiples of 2, nor 4 of 3).
class ConvTranspose : public ::testing::TestWithParam<std::tuple<int, int>> {};

TEST_P(ConvTranspose, ViaConvolutionMatchesConvTranspose2dAndItsGradients) {
  const int64_t stride = std::get<0>(GetParam()), cout = std::get<1>(GetParam());
  torch::manual_seed(1);
  auto x = torch::randn({3, 5, 4, 6}, torch::requires_grad());
  auto w = torch::randn({5, cout, 4, 3}, torch::requires_grad());  // [Cin, Cout, kh, kw]
  auto b = torch::randn({cout}, torch::requires_grad());
  auto up = torch::randn({3, cout, (4 - 1) * stride + 4, (6 - 1) * stride + 3});  // a random upstream gradient

  auto ref = torch::conv_transpose2d(x, w, b, stride);
  auto [gx_ref, gw_ref, gb_ref] = [&] {
    auto g = torch::autograd::grad({ref}, {x, w, b}, {up});
    return std::make_tuple(g[0], g[1], g[2]);
  }();
  auto out = conv_transpose2d_via_conv(x, w, b, stride);
  auto g = torch::autograd::grad({out}, {x, w, b}, {up});
  expect_close(out, ref, 1e-5, "output");
  expect_close(g[0], gx_ref, 1e-5, "grad x");
  expect_close(g[1], gw_ref, 1e-5, "grad weight");
  expect_close(g[2], gb_ref, 1e-5, "grad bias");
}

INSTANTIATE_TEST_SUITE_P(StridesAndChannels, ConvTranspose,
                         ::testing::Combine(::testing::Values(1, 2, 3), ::testing::Values(1, 7, 9)));

// The image layer of the atari decoder (48 -> 1 channels, kernel 6, stride 2, 30x30 -> 64x64), on
// channels-last input as the decoder's earlier layers can leave it.
TEST(ConvTranspose, ByPhasesMatchesOnTheImageLayerAndChannelsLastInput) {
  torch::manual_seed(5);
  auto x = torch::randn({2, 48, 30, 30}).contiguous(at::MemoryFormat::ChannelsLast);
  auto w = torch::randn({48, 1, 6, 6}) * 0.1;
  expect_close(conv_transpose2d_via_conv(x, w, {}, 2), torch::conv_transpose2d(x.contiguous(), w, {}, 2), 1e-5,
               "output");
}

// Under bf16 autocast the kernel runs in bfloat16 (LibTorch 1.13's CPU autocast leaves
// ConvTranspose2d itself in float32), to bf16 precision of the float32 result, and float32 weights
// get float32 gradients.
TEST(ConvTranspose, ViaConvolutionRunsInTheAutocastDtype) {
  torch::manual_seed(4);
  auto x = torch::randn({2, 4, 5, 5});
  auto w = torch::randn({4, 3, 3, 3}, torch::requires_grad());
  auto b = torch::randn({3}, torch::requires_grad());
  torch::Tensor out, plain;
  {
    Bf16Autocast autocast(true, /*cuda=*/false);
    plain = torch::conv_transpose2d(x, w, b, 2);
    out = conv_transpose2d_via_conv(x, w, b, 2);
  }
  EXPECT_EQ(plain.scalar_type(), torch::kFloat32);  // what the plain formulation runs in
  ASSERT_EQ(out.scalar_type(), torch::kBFloat16);
  expect_close(out.to(torch::kFloat32), torch::conv_transpose2d(x, w, b, 2), 3e-2, "output");
  auto g = torch::autograd::grad({out.to(torch::kFloat32).sum()}, {w, b});
  EXPECT_EQ(g[0].scalar_type(), torch::kFloat32);
  EXPECT_EQ(g[1].scalar_type(), torch::kFloat32);
}

TEST(ConvTranspose, From1x1IsTheDenseLayerOfATransposedConvolution) {
  torch::manual_seed(2);
  auto x = torch::randn({4, 6}, torch::requires_grad());
  auto w = torch::randn({6, 3, 5, 5}, torch::requires_grad());
  auto b = torch::randn({3}, torch::requires_grad());
  auto up = torch::randn({4, 3, 5, 5});
  auto ref = torch::conv_transpose2d(x.view({4, 6, 1, 1}), w, b, 2);
  auto out = conv_transpose2d_from_1x1(x, w, b);
  expect_close(out, ref, 1e-5, "output");
  auto g_ref = torch::autograd::grad({ref}, {x, w, b}, {up});
  auto g = torch::autograd::grad({out}, {x, w, b}, {up});
  for (size_t i = 0; i < 3; ++i) expect_close(g[i], g_ref[i], 1e-5, "grad " + std::to_string(i));
}

// The atari preset's decoder (1536 channels on a 1x1 map, then 192, 96, 48 and the one image
// channel; kernels 5, 5, 6, 6 at stride 2), run channels-last with the phase kernel for its image
// layer by the fast kernels: the image and every gradient equal the plain ConvTranspose2d ones.
TEST(ConvTranspose, TheFastAtariDecoderMatchesThePlainOneAndItsGradients) {
  KernelsGuard guard;
  const Config cfg = preset({"atari"}, {});
  torch::manual_seed(6);
  Decoder decoder(cfg.decoder, /*feat_dim=*/24, ObsSpace{64, 64, 1, 255});
  glorot_init(*decoder);
  auto feat = torch::randn({2, 3, 24}, torch::requires_grad());
  auto up = torch::randn({2, 3, 64, 64, 1});
  std::vector<torch::Tensor> inputs{feat};
  for (const auto& p : decoder->parameters()) inputs.push_back(p);
  std::vector<std::vector<torch::Tensor>> results;
  for (Kernels k : {Kernels::plain, Kernels::fast}) {
    set_kernels(k);
    auto image = decoder(feat);
    auto grads = torch::autograd::grad({image}, inputs, {up});
    grads.insert(grads.begin(), image);
    results.push_back(grads);
  }
  expect_close(results[1][0], results[0][0], 1e-5, "image");
  for (size_t i = 1; i < results[0].size(); ++i)
    expect_close(results[1][i], results[0][i], 1e-4, "gradient " + std::to_string(i - 1));
}

class OneHotLinear : public ::testing::TestWithParam<int64_t> {};

// Groups that are one-hot, all zero, or one-hot with a straight-through term (1 + p - p): the
// gather computes the dense product, and its weight and bias gradients.
TEST_P(OneHotLinear, MatchesTheDenseLayerAndItsGradients) {
  const int64_t rows = GetParam(), G = 5, K = 4, rest = 3, out = 6;
  torch::manual_seed(3);
  auto onehot = torch::one_hot(torch::randint(0, K, {rows, 2, G}), K).to(torch::kFloat32);  // [rows, 2, G, K]
  onehot.select(2, 1).zero_();  // an all-zero group (a masked state)
  auto probs = torch::softmax(torch::randn({rows, 2, G, K}), -1);
  onehot = onehot + (probs - probs.clone());  // a straight-through term: exactly zero off the sample
  auto x = torch::cat({onehot.flatten(2), torch::randn({rows, 2, rest})}, -1);
  auto w = torch::randn({out, G * K + rest}, torch::requires_grad());
  auto b = torch::randn({out}, torch::requires_grad());
  auto up = torch::randn({rows, 2, out});
  auto ref = torch::nn::functional::linear(x, w, b);
  auto got = onehot_linear(x, {G, K}, w, b);
  expect_close(got, ref, 1e-5, "output");
  auto g_ref = torch::autograd::grad({ref}, {w, b}, {up});
  auto g = torch::autograd::grad({got}, {w, b}, {up});
  expect_close(g[0], g_ref[0], 1e-5, "grad weight");
  expect_close(g[1], g_ref[1], 1e-5, "grad bias");
}

INSTANTIATE_TEST_SUITE_P(Rows, OneHotLinear, ::testing::Values(1, 37));

TEST(OneHotLinear, WorksWithoutADenseRest) {
  torch::manual_seed(4);
  auto x = torch::one_hot(torch::randint(0, 3, {5, 2}), 3).to(torch::kFloat32).flatten(1);  // [5, 6]
  auto w = torch::randn({4, 6});
  auto b = torch::randn({4});
  expect_close(onehot_linear(x, {2, 3}, w, b), torch::nn::functional::linear(x, w, b), 1e-6, "output");
}

namespace {

// A two-layer recurrence h_{t+1} = tanh(W2 elu(W1 [x_t, h_t] + b1) + b2) over T steps, as the
// RSSM's filter loop: (loss, and the gradients of W1, b1, W2, b2, the inputs x and h_0), with or
// without a BatchedWeightGrads scope over both layers. `steps_deferred` counts the steps whose
// output came from the scope's per-step product.
struct Recurrence {
  torch::nn::Linear first{7 + 5, 9}, second{9, 5};
  torch::Tensor x = torch::randn({4, 6, 7}, torch::requires_grad()), h0 = torch::randn({4, 5}, torch::requires_grad());
  torch::Tensor up = torch::randn({4, 5});
  int steps_deferred = 0;

  std::vector<torch::Tensor> run(bool batched) {
    std::optional<BatchedWeightGrads> scope;
    if (batched) scope.emplace(std::vector<torch::nn::Linear>{first, second});
    auto h = h0;
    auto loss = torch::zeros({});
    steps_deferred = 0;
    for (int64_t t = 0; t < x.size(1); ++t) {
      auto hidden = linear_rows(torch::cat({x.select(1, t), h}, -1), first->weight, first->bias);
      steps_deferred += hidden.grad_fn() && hidden.grad_fn()->name().find("StepLinear") != std::string::npos;
      h = torch::tanh(linear_rows(torch::elu(hidden), second->weight, second->bias).to(torch::kFloat32));
      loss = loss + (h * up).sum() * double(t + 1);
    }
    auto grads = torch::autograd::grad({loss}, {first->weight, first->bias, second->weight, second->bias, x, h0});
    grads.insert(grads.begin(), loss);
    return grads;
  }
};

const char* kRecurrenceNames[] = {"loss", "W1", "b1", "W2", "b2", "x", "h0"};

}  // namespace

TEST(BatchedWeightGrads, GivesThePerStepGradientsOfWeightsBiasesAndInputs) {
  torch::manual_seed(5);
  Recurrence rec;
  auto per_step = rec.run(false);
  EXPECT_EQ(rec.steps_deferred, 0);
  auto batched = rec.run(true);
  EXPECT_EQ(rec.steps_deferred, 6);
  for (size_t i = 0; i < per_step.size(); ++i) expect_close(batched[i], per_step[i], 1e-5, kRecurrenceNames[i]);
  EXPECT_GT(batched[1].abs().sum().item<double>(), 0.0);
}

// A second backward of a retained graph finds the rows of the first one consumed, not doubled.
TEST(BatchedWeightGrads, ARetainedGraphGivesTheSameGradientTwice) {
  torch::manual_seed(6);
  torch::nn::Linear layer(3, 3);
  auto h = torch::randn({2, 3});
  torch::Tensor loss = torch::zeros({});
  {
    BatchedWeightGrads scope({layer});
    for (int t = 0; t < 4; ++t) {
      h = torch::tanh(linear_rows(h, layer->weight, layer->bias));
      loss = loss + h.sum();
    }
  }
  auto first = torch::autograd::grad({loss}, {layer->weight}, {}, /*retain_graph=*/true)[0];
  auto second = torch::autograd::grad({loss}, {layer->weight})[0];
  expect_close(second, first, 1e-6, "second backward");
}

TEST(BatchedWeightGrads, StaysOutOfTheWayWithoutGradModePlainKernelsOrAFrozenWeight) {
  KernelsGuard guard;
  torch::nn::Linear layer(3, 2), frozen(3, 2);
  frozen->weight.requires_grad_(false);
  {
    BatchedWeightGrads scope({layer, frozen});
    EXPECT_NE(BatchedWeightGrads::find(layer->weight), nullptr);
    EXPECT_EQ(BatchedWeightGrads::find(frozen->weight), nullptr);
  }
  EXPECT_EQ(BatchedWeightGrads::find(layer->weight), nullptr);  // the scope ended
  {
    torch::NoGradGuard no_grad;
    BatchedWeightGrads scope({layer});
    EXPECT_EQ(BatchedWeightGrads::find(layer->weight), nullptr);
  }
  set_kernels(Kernels::plain);
  BatchedWeightGrads scope({layer});
  EXPECT_EQ(BatchedWeightGrads::find(layer->weight), nullptr);
}

// Under bf16 autocast the steps' products run in bfloat16 as autocast's linear would, and the
// float32 weights get float32 gradients equal to the per-step ones within bfloat16 precision.
TEST(BatchedWeightGrads, RunsInTheAutocastDtypeUnderBf16Autocast) {
  torch::manual_seed(7);
  Recurrence rec;
  Bf16Autocast autocast(true, /*cuda=*/false);
  auto per_step = rec.run(false);
  auto batched = rec.run(true);
  EXPECT_EQ(rec.steps_deferred, 6);
  for (size_t i = 1; i < per_step.size(); ++i) {
    EXPECT_EQ(batched[i].scalar_type(), torch::kFloat32) << kRecurrenceNames[i];
    expect_close(batched[i], per_step[i], 3e-2, kRecurrenceNames[i]);
  }
  auto hidden = [&] {
    BatchedWeightGrads scope({rec.first});
    return linear_rows(torch::randn({2, 12}), rec.first->weight, rec.first->bias);
  }();
  EXPECT_EQ(hidden.scalar_type(), torch::kBFloat16);
}

// One whole update of the debug preset, fast vs plain kernels, from equal agents under one seed:
// the same metrics and the same parameters afterwards, within float tolerance. The second case
// has 16 x 16 latents, wide enough for the one-hot gather, which the fast kernels use on one
// thread only (so the test runs on one).
class KernelsAgree : public ::testing::TestWithParam<int> {};

TEST_P(KernelsAgree, FastAndPlainUpdatesAgreeOnTheDebugPreset) {
  KernelsGuard guard;
  at::set_num_threads(1);
  const std::string latents = std::to_string(GetParam());
  const Config cfg = preset({"debug"}, {{"rssm.stoch", latents}, {"rssm.discrete", latents}});
  auto batch = moving_square(4, 10);
  std::vector<Agent> agents;
  std::vector<Metrics> metrics;
  for (auto k : {dreamer::Kernels::plain, dreamer::Kernels::fast}) {
    torch::manual_seed(7);
    Agent agent(cfg, square_space(), square_actions());
    set_kernels(k);
    torch::manual_seed(8);
    metrics.push_back(agent->train(batch));
    agents.push_back(agent);
  }
  for (const auto& [name, value] : metrics[0]) {
    ASSERT_TRUE(metrics[1].count(name)) << name;
    EXPECT_NEAR(metrics[1].at(name), value, 1e-4 * std::max(1.0, std::abs(value))) << name;
  }
  auto plain = agents[0]->named_parameters(), fast = agents[1]->named_parameters();
  ASSERT_EQ(plain.size(), fast.size());
  for (const auto& item : plain) expect_close(fast[item.key()], item.value(), 1e-5, item.key());
}

INSTANTIATE_TEST_SUITE_P(Latents, KernelsAgree, ::testing::Values(8, 16));

// The executables link tcmalloc (CMake DREAMER_TCMALLOC) and must really run on it: the linker
// drops a library that no symbol names unless told otherwise.
TEST(Allocator, TheTestBinaryRunsOnTheConfiguredMalloc) {
#ifdef DREAMER_EXPECT_TCMALLOC
  EXPECT_EQ(allocator_name(), "tcmalloc");
#else
  EXPECT_EQ(allocator_name(), "system");
#endif
}

// blas_advice's rule: only an AVX2 kernel set forced on a CPU that runs AVX-512 gets advice.
TEST(Blas, AdviceOnlyWhereTheEnvironmentHoldsOpenBlasToAvx2OnAnAvx512Cpu) {
  EXPECT_NE(blas_advice_for("Haswell", /*cpu_avx512=*/true).find("OPENBLAS_CORETYPE=Haswell"), std::string::npos);
  EXPECT_NE(blas_advice_for("zen", true).find("OPENBLAS_CORETYPE=zen"), std::string::npos);
  EXPECT_EQ(blas_advice_for("Haswell", false), "");
  EXPECT_EQ(blas_advice_for("", true), "");
  EXPECT_EQ(blas_advice_for("SkylakeX", true), "");
  EXPECT_EQ(blas_advice_for("Cooperlake", true), "");
  // The test binary links LibTorch with Debian's BLAS, OpenBLAS when the set-up script ran.
  EXPECT_EQ(blas_name().rfind("OpenBLAS ", 0), 0u) << blas_name();
}

// precision 16 runs the forward passes under bfloat16 autocast: one update of the debug preset
// gives the float32 update's losses to bfloat16's precision, and leaves the parameters float32.
TEST(Bf16, AnUpdateMatchesFloat32WithinBfloat16Precision) {
  auto batch = moving_square(4, 10);
  std::vector<Metrics> metrics;
  for (const char* precision : {"32", "16"}) {
    const Config cfg = preset({"debug"}, {{"precision", precision}});
    torch::manual_seed(7);
    Agent agent(cfg, square_space(), square_actions());
    torch::manual_seed(8);
    metrics.push_back(agent->train(batch));
    for (const auto& p : agent->parameters()) ASSERT_EQ(p.scalar_type(), torch::kFloat32);
  }
  for (const char* name : {"image_loss", "reward_loss", "kl_loss", "model_loss", "critic_loss"}) {
    ASSERT_TRUE(metrics[0].count(name) && metrics[1].count(name)) << name;
    const double f32 = metrics[0].at(name), b16 = metrics[1].at(name);
    EXPECT_TRUE(std::isfinite(b16)) << name;
    EXPECT_NEAR(b16, f32, 3e-2 * std::max(1.0, std::abs(f32))) << name;
  }
  // ... and it did run in bfloat16: the losses are not bit-identical.
  EXPECT_NE(metrics[0].at("image_loss"), metrics[1].at("image_loss"));
}

// The decoder's transposed convolutions are not an op autocast knows; under bf16 autocast they
// run in bfloat16 all the same, the image comes out float32 and the gradient reaches the float32
// weights.
TEST(Bf16, TheDecoderRunsInBfloat16UnderAutocastAndItsWeightsGetFloat32Gradients) {
  const Config cfg = preset({"debug"}, {});
  torch::manual_seed(3);
  Decoder decoder(cfg.decoder, /*feat_dim=*/32, square_space());
  auto feat = torch::randn({2, 3, 32});
  auto f32 = decoder(feat);
  torch::Tensor b16;
  {
    Bf16Autocast autocast(true, /*cuda=*/false);
    b16 = decoder(feat);
  }
  EXPECT_EQ(b16.scalar_type(), torch::kFloat32);
  ASSERT_EQ(b16.sizes(), f32.sizes());
  const double diff = (b16 - f32).abs().max().item<double>();
  EXPECT_GT(diff, 0.0);                                          // computed in bfloat16 ...
  EXPECT_LT(diff, 5e-2 * std::max(1.0, f32.abs().max().item<double>()));  // ... to its precision
  b16.square().sum().backward();
  for (const auto& p : decoder->parameters()) {
    ASSERT_TRUE(p.grad().defined());
    EXPECT_EQ(p.grad().scalar_type(), torch::kFloat32);
    EXPECT_GT(p.grad().abs().sum().item<double>(), 0.0);
  }
}
