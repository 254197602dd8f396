// Tests of DreamerV3's pieces in nets/dist: symlog and symexp, the uniform mix, twohot encoding and the scalar
// heads' distributions, against hand-computed values.
#include <gtest/gtest.h>

#include <cmath>

#include "dreamer/nets/dist.h"

using namespace dreamer;

TEST(Symlog, ValuesByHandAndSymexpInvertsIt) {
  auto x = torch::tensor({0.0, M_E - 1, -(std::exp(2.0) - 1), 1e6}, torch::kFloat64);
  auto y = symlog(x);
  EXPECT_NEAR(y[0].item<double>(), 0.0, 1e-12);
  EXPECT_NEAR(y[1].item<double>(), 1.0, 1e-12);
  EXPECT_NEAR(y[2].item<double>(), -2.0, 1e-12);
  EXPECT_NEAR(y[3].item<double>(), std::log(1e6 + 1), 1e-9);
  EXPECT_TRUE(torch::allclose(symexp(y), x, 1e-12, 1e-9));
}

TEST(Unimix, MixesTheUniformIntoTheProbabilities) {
  // softmax([0, ln 3]) = [0.25, 0.75]; with 10% uniform: 0.9 x [0.25, 0.75] + 0.05 = [0.275, 0.725].
  auto logits = torch::tensor({0.0, std::log(3.0)}, torch::kFloat64);
  auto mixed = torch::softmax(unimix_logits(logits, 0.1), -1);
  EXPECT_NEAR(mixed[0].item<double>(), 0.275, 1e-12);
  EXPECT_NEAR(mixed[1].item<double>(), 0.725, 1e-12);
  EXPECT_TRUE(unimix_logits(logits, 0.0).is_same(logits));
  // A near-certain categorical keeps unimix / classes on every class.
  auto sharp = torch::softmax(unimix_logits(torch::tensor({100.0, 0.0, 0.0, 0.0}), 0.01), -1);
  EXPECT_NEAR(sharp[1].item<double>(), 0.0025, 1e-7);
}

TEST(Twohot, SplitsTheWeightBetweenTheTwoNearestBins) {
  auto bins = torch::tensor({0.0f, 1.0f, 2.0f});
  auto code = twohot(torch::tensor({0.25f, 1.5f, 2.0f, -5.0f, 9.0f, 1.0f}), bins);
  const std::vector<std::vector<float>> want{{0.75f, 0.25f, 0}, {0, 0.5f, 0.5f}, {0, 0, 1}, {1, 0, 0}, {0, 0, 1},
                                             {0, 1, 0}};
  ASSERT_EQ(code.sizes(), (std::vector<int64_t>{6, 3}));
  for (size_t i = 0; i < want.size(); ++i)
    for (size_t k = 0; k < 3; ++k) EXPECT_NEAR(code[int64_t(i)][int64_t(k)].item<float>(), want[i][k], 1e-6) << i << " " << k;
  // Its expectation over the bins is x itself inside the range.
  EXPECT_NEAR((code[0] * bins).sum().item<float>(), 0.25f, 1e-6);
}

TEST(Twohot, BinsAreEvenlySpacedAndMirroredAroundAnExactZero) {
  auto bins = symlog_bins();
  ASSERT_EQ(bins.size(0), 255);
  EXPECT_TRUE(torch::allclose(bins, torch::linspace(-20, 20, 255), 0, 1e-5));
  EXPECT_EQ(bins[127].item<float>(), 0.0f);
  EXPECT_TRUE(torch::equal(bins, -bins.flip(0)));
}

TEST(ScalarDist, TwohotPredictionLossAndZeroStart) {
  ScalarDist dist("twohot");
  EXPECT_EQ(dist.out_dim(), 255);
  EXPECT_EQ(ScalarDist("mse").out_dim(), 1);
  // All-zero outputs (a zero-initialised layer): the bins' mean is 0, so the prediction is symexp(0) = 0, and the
  // cross-entropy with any target is ln 255.
  auto zero = torch::zeros({2, 255});
  EXPECT_TRUE(torch::equal(dist.mean(zero), torch::zeros({2})));
  auto loss = dist.loss(zero, torch::tensor({3.0f, -250.0f}));
  EXPECT_NEAR(loss[0].item<double>(), std::log(255.0), 1e-4);
  EXPECT_NEAR(loss[1].item<double>(), std::log(255.0), 1e-4);
  // Logits that put the target's twohot weights on its two bins predict the target, across magnitudes.
  for (float y : {0.0f, 0.7f, -3.0f, 120.0f, -4000.0f}) {
    auto code = twohot(symlog(torch::tensor({y})), symlog_bins());
    auto out = (code + 1e-12).log();
    EXPECT_NEAR(dist.mean(out).item<float>(), y, 1e-4 * std::max(1.0f, std::fabs(y))) << y;
    // ... and that is the loss's minimum: the entropy of the twohot code.
    const double entropy = -(code * (code + 1e-30).log()).sum().item<double>();
    EXPECT_NEAR(dist.loss(out, torch::tensor({y})).item<double>(), entropy, 1e-4) << y;
  }
  // mse: the Normal's mean and half the squared error.
  ScalarDist mse("mse");
  EXPECT_NEAR(mse.mean(torch::tensor({{2.0f}}))[0].item<float>(), 2.0f, 0);
  EXPECT_NEAR(mse.loss(torch::tensor({{2.0f}}), torch::tensor({5.0f}))[0].item<float>(), 4.5f, 1e-6);
}
