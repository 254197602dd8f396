// Transposed convolution expressed through ordinary convolution kernels (oneDNN on the CPU).
#pragma once

#include <torch/torch.h>

namespace dreamer {

/// The same function as torch::conv_transpose2d(x, weight, bias, stride) without padding, with
/// autograd, computed as the input-gradient of a convolution (or, for fewer than 8 output
/// channels, as stride x stride stride-1 convolutions interleaved): LibTorch 1.13's CPU transposed
/// convolution takes a slow reference path, its convolution backward does not. Under autocast
/// for x's device it runs in the autocast dtype, like a convolution (LibTorch 1.13's CPU autocast
/// keeps ConvTranspose2d in float32).
/// x: [N, Cin, H, W], weight: [Cin, Cout, k, k], bias: [Cout] or undefined
/// -> [N, Cout, (H - 1) * stride + k, (W - 1) * stride + k]
torch::Tensor conv_transpose2d_via_conv(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias,
                                        int64_t stride);

/// A transposed convolution of a 1x1 map is a dense layer: the same function as
/// torch::conv_transpose2d on x viewed as [N, Cin, 1, 1], as one matrix product.
/// x: [N, Cin], weight: [Cin, Cout, k, k], bias: [Cout] or undefined -> [N, Cout, k, k]
torch::Tensor conv_transpose2d_from_1x1(const torch::Tensor& x, const torch::Tensor& weight,
                                        const torch::Tensor& bias);

}  // namespace dreamer
