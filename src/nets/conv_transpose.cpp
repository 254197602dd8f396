// Transposed convolution expressed through ordinary convolution kernels (oneDNN on the CPU).
#include "dreamer/nets/conv_transpose.h"

#include <ATen/autocast_mode.h>

namespace dreamer {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// y = conv_transpose(x, w) is the input-gradient of z -> conv(z, w) at grad_output x. Its
// backward: dx = conv(dy, w) and dw = the weight-gradient of conv(dy, w) at grad_output x.
struct ConvTransposeFn : torch::autograd::Function<ConvTransposeFn> {
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& x, const torch::Tensor& weight,
                               int64_t stride) {
    ctx->save_for_backward({x, weight});
    ctx->saved_data["stride"] = stride;
    const int64_t k_h = weight.size(2), k_w = weight.size(3);
    // Only the shape of the convolution's input is read when asking for its gradient.
    auto shape = at::empty({x.size(0), weight.size(1), (x.size(2) - 1) * stride + k_h, (x.size(3) - 1) * stride + k_w},
                           x.options());
    return std::get<0>(at::convolution_backward(x.contiguous(), shape, weight, c10::nullopt, {stride, stride}, {0, 0},
                                                {1, 1}, false, {0, 0}, 1, {true, false, false}));
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    auto saved = ctx->get_saved_variables();
    const auto& x = saved[0];
    const auto& weight = saved[1];
    const int64_t stride = ctx->saved_data["stride"].toInt();
    auto grad = grads[0].contiguous();
    torch::Tensor grad_x, grad_w;
    if (ctx->needs_input_grad(0)) grad_x = at::convolution(grad, weight, {}, {stride, stride}, {0, 0}, {1, 1}, false,
                                                           {0, 0}, 1);
    if (ctx->needs_input_grad(1))
      grad_w = std::get<1>(at::convolution_backward(x.contiguous(), grad, weight, c10::nullopt, {stride, stride},
                                                    {0, 0}, {1, 1}, false, {0, 0}, 1, {false, true, false}));
    return {grad_x, grad_w, torch::Tensor()};
  }
};

}  // namespace

torch::Tensor conv_transpose2d_via_conv(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias,
                                        int64_t stride) {
  TORCH_CHECK(x.dim() == 4 && weight.dim() == 4 && x.size(1) == weight.size(0), "conv_transpose2d_via_conv: x ",
              x.sizes(), " and weight ", weight.sizes(), " do not fit");
  // Autocast does not know this kernel (and LibTorch 1.13's CPU autocast keeps ConvTranspose2d in
  // float32): under autocast it runs in the autocast dtype, like the convolutions it is made of
  // (bf16: the atari update 2.64 -> 2.35 s, docs/PERFORMANCE.md).
  const bool cuda = x.is_cuda();
  if (cuda ? at::autocast::is_enabled() : at::autocast::is_cpu_enabled()) {
    const auto dtype = cuda ? at::autocast::get_autocast_gpu_dtype() : at::autocast::get_autocast_cpu_dtype();
    auto y = ConvTransposeFn::apply(x.to(dtype), weight.to(dtype), stride);
    return bias.defined() ? y + bias.to(dtype).view({1, -1, 1, 1}) : y;
  }
  auto y = ConvTransposeFn::apply(x, weight, stride);
  return bias.defined() ? y + bias.view({1, -1, 1, 1}) : y;
}

torch::Tensor conv_transpose2d_from_1x1(const torch::Tensor& x, const torch::Tensor& weight,
                                        const torch::Tensor& bias) {
  TORCH_CHECK(x.dim() == 2 && weight.dim() == 4 && x.size(1) == weight.size(0), "conv_transpose2d_from_1x1: x ",
              x.sizes(), " and weight ", weight.sizes(), " do not fit");
  auto y = torch::mm(x, weight.flatten(1)).view({x.size(0), weight.size(1), weight.size(2), weight.size(3)});
  return bias.defined() ? y + bias.view({1, -1, 1, 1}) : y;
}

}  // namespace dreamer
