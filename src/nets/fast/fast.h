// The speed-ups behind the `Kernels` switch (core/runtime.h), each where it was measured faster; the plain layers
// (nets/layers, nets/coders) call these and fall back to LibTorch's own op when one answers std::nullopt.
#pragma once

#include <torch/torch.h>

#include <optional>

#include "dreamer/nets/layers.h"

namespace dreamer::fast {

/// x W^T + b where a speed-up applies, else std::nullopt: inside an active BatchedWeightGrads scope for this
/// weight, the batched weight gradients; with the fast kernels, a single row as a matrix-vector product.
/// x: [..., in], weight: [out, in], bias: [out] or undefined -> [..., out]
std::optional<torch::Tensor> linear_rows(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias);

/// x W^T + b through onehot_linear where the gather was measured faster than the dense product, else
/// std::nullopt: fast kernels, a one-hot part of at least 256 inputs, no autocast, x float32 on the CPU without
/// gradient, at least 64 rows, one intra-op thread. x: [..., in] -> [..., out]
std::optional<torch::Tensor> onehot_linear_where_faster(const torch::Tensor& x, const OneHotInput& onehot,
                                                        const torch::Tensor& weight, const torch::Tensor& bias);

/// deconv(x) through ordinary convolutions with the fast kernels, else std::nullopt. from_1x1: x is the decoder's
/// [N, Cin, 1, 1] input, taken as one matrix product, and the output is channels-last from there on.
/// x: [N, Cin, H, W] -> [N, Cout, H', W']
std::optional<torch::Tensor> conv_transpose(torch::nn::ConvTranspose2dImpl& deconv, const torch::Tensor& x,
                                            bool from_1x1);

}  // namespace dreamer::fast
