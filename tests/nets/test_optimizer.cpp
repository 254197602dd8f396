// Tests of the optimizer's epsilon forms: PyTorch's and TensorFlow's Adam step against the formulas by hand.
#include <gtest/gtest.h>

#include <cmath>

#include "dreamer/nets/optimizer.h"

using namespace dreamer;

namespace {
// Two Adam steps on p = 1 with the constant gradient g of loss g x p; returns p after each.
std::vector<double> two_steps(bool tf_eps, double g) {
  auto p = torch::ones({1}, torch::kFloat64).requires_grad_();
  OptConfig cfg{"adam", /*lr=*/0.1, /*eps=*/1e-3, /*clip=*/0, /*wd=*/0, tf_eps};
  Optimizer opt({p}, cfg, "opt");
  std::vector<double> after;
  for (int i = 0; i < 2; ++i) {
    opt.step((p * g).sum());
    after.push_back(p.item<double>());
  }
  EXPECT_EQ(opt.steps(), 2);
  return after;
}
}  // namespace

TEST(Optimizer, TensorFlowAndPyTorchEpsilonForms) {
  const double g = 0.01, lr = 0.1, eps = 1e-3, b1 = 0.9, b2 = 0.999;
  double p_tf = 1, p_torch = 1, m = 0, v = 0;
  std::vector<double> tf, torch_form;
  for (int t = 1; t <= 2; ++t) {
    m = b1 * m + (1 - b1) * g;
    v = b2 * v + (1 - b2) * g * g;
    // TensorFlow: lr_t = lr sqrt(1 - b2^t) / (1 - b1^t), p -= lr_t m / (sqrt(v) + eps).
    p_tf -= lr * std::sqrt(1 - std::pow(b2, t)) / (1 - std::pow(b1, t)) * m / (std::sqrt(v) + eps);
    // PyTorch: p -= lr m_hat / (sqrt(v_hat) + eps).
    p_torch -= lr * (m / (1 - std::pow(b1, t))) / (std::sqrt(v / (1 - std::pow(b2, t))) + eps);
    tf.push_back(p_tf);
    torch_form.push_back(p_torch);
  }
  const auto got_tf = two_steps(true, g), got_torch = two_steps(false, g);
  for (int i = 0; i < 2; ++i) {
    EXPECT_NEAR(got_tf[size_t(i)], tf[size_t(i)], 1e-12) << i;
    EXPECT_NEAR(got_torch[size_t(i)], torch_form[size_t(i)], 1e-12) << i;
  }
  // With |g| = 0.01, eps matters: TensorFlow's form moves less at step 1 (sqrt(v) = 3.2e-4 against eps 1e-3).
  EXPECT_LT(1 - got_tf[0], 1 - got_torch[0]);
}
