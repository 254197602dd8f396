// Tests of divergence: non-finite losses named, a non-finite gradient refused, non-finite logits not sampled.
#include <gtest/gtest.h>

#include <limits>

#include "dreamer/core/error.h"
#include "dreamer/nets/dist.h"
#include "dreamer/nets/optimizer.h"
#include "helpers.h"

using namespace dreamer;
using namespace dreamer::testing;

TEST(Divergence, NonFiniteLossesAreNamedLossesFirst) {
  EXPECT_NO_THROW(require_finite({{"a_loss", 1.0}, {"b", 2.0}}, "model"));
  const double nan = std::numeric_limits<double>::quiet_NaN(), inf = std::numeric_limits<double>::infinity();
  const std::string message = error_of([&] { require_finite({{"a", nan}, {"image_loss", inf}, {"z", 0.0}}, "world model"); });
  EXPECT_EQ(message.rfind("world model: image_loss is inf", 0), 0u) << message;
  EXPECT_THROW(require_finite({{"post_ent", nan}}, "world model"), Divergence);
}

// A NaN gradient stops the step before any parameter changes.
TEST(Divergence, OptimizerRefusesANonFiniteGradient) {
  torch::nn::Linear net(3, 2);
  Optimizer opt(net->parameters(), OptConfig{"adam", 1e-3, 1e-5, 100, 0}, "opt");
  const auto weight = net->weight.clone();
  auto loss = (net(torch::ones({1, 3})) * std::numeric_limits<float>::quiet_NaN()).sum();
  opt.backward(loss);
  try {
    opt.update();
    FAIL() << "no error";
  } catch (const Divergence& e) {
    EXPECT_NE(std::string(e.what()).find("opt: the gradient norm is nan"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(torch::equal(net->weight, weight));
}

TEST(Divergence, SamplingNonFiniteLogitsIsADivergenceNotAnInternalError) {
  auto logits = torch::zeros({2, 3});
  logits[1][2] = std::numeric_limits<float>::quiet_NaN();
  EXPECT_THROW(OneHotDist(logits).sample(), Divergence);
  EXPECT_NO_THROW(OneHotDist(torch::zeros({2, 3})).sample());
}
