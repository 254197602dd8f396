// Reward shaping in the DeepMind Control Suite's terms: tolerance(x, bounds, margin, sigmoid, value_at_margin).
#pragma once

#include <cmath>

namespace dreamer {
namespace mujoco {

/// How tolerance() falls off outside the bounds.
enum class Sigmoid { gaussian, linear, quadratic };

/// 1 inside [lower, upper]; outside, a sigmoid of the distance d to the nearer bound in units of `margin` that
/// equals `value_at_margin` (v) at d = 1: gaussian exp(-(d s)^2 / 2) with s = sqrt(-2 ln v), linear 1 - d s
/// with s = 1 - v, or quadratic 1 - (d s)^2 with s = sqrt(1 - v) (the last two 0 beyond d s = 1). With margin 0
/// it is the indicator of the bounds. Bounds may be infinite (HUGE_VAL).
inline double tolerance(double x, double lower, double upper, double margin = 0.0, Sigmoid sigmoid = Sigmoid::gaussian,
                        double value_at_margin = 0.1) {
  if (x >= lower && x <= upper) return 1.0;
  if (margin <= 0.0) return 0.0;
  const double d = (x < lower ? lower - x : x - upper) / margin;
  if (sigmoid == Sigmoid::gaussian) {
    const double s = std::sqrt(-2.0 * std::log(value_at_margin));
    return std::exp(-0.5 * (d * s) * (d * s));
  }
  if (sigmoid == Sigmoid::linear) {
    const double ds = d * (1.0 - value_at_margin);
    return ds < 1.0 ? 1.0 - ds : 0.0;
  }
  const double ds = d * std::sqrt(1.0 - value_at_margin);
  return ds < 1.0 ? 1.0 - ds * ds : 0.0;
}

}  // namespace mujoco
}  // namespace dreamer
