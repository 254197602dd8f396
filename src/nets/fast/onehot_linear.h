// A linear layer on inputs that start with one-hot groups (the discrete latents), reading one
// weight column per group instead of multiplying by every zero.
#pragma once

#include <torch/torch.h>

#include "dreamer/nets/layers.h"

namespace dreamer {

/// What torch::nn::functional::linear(x, weight, bias) computes when the first groups x classes
/// inputs of every row hold, per group, at most one non-zero entry (a one-hot sample, possibly
/// carrying a straight-through term, or zeros): each group adds its entry times one column of the
/// weight. Gradients reach weight and bias, and the rest of x; none reach the one-hot part, so
/// callers use it only where x needs no gradient (in imagination, on detached states).
/// A CPU kernel. x: [..., in] float, weight: [out, in], bias: [out] or undefined -> [..., out]
torch::Tensor onehot_linear(const torch::Tensor& x, const OneHotInput& onehot, const torch::Tensor& weight,
                            const torch::Tensor& bias);

}  // namespace dreamer
