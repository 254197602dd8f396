// Transposed convolution expressed through ordinary convolution kernels (oneDNN on the CPU).
#include "nets/fast/conv_transpose.h"

#include "dreamer/core/runtime.h"

namespace dreamer {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// t in its own layout (NCHW or channels-last), made dense: the decoder runs channels-last, and
// .contiguous() would copy it to NCHW (as fast, measured interleaved on the atari decoder, but a
// copy of every activation for nothing).
torch::Tensor dense(const torch::Tensor& t) { return t.contiguous(t.suggest_memory_format()); }

// Below this many output channels the transposed convolution runs as stride-1 convolutions, one
// per output phase (the decoder's image layer: 48 -> 1 channels, kernel 6, stride 2, took 156 ms
// as a data-gradient and 43 ms this way for 800 frames on two Zen 5 cores; its 192 -> 96 and
// 96 -> 48 layers were at least as fast as data-gradients; docs/PERFORMANCE.md).
constexpr int64_t kPhaseChannelLimit = 8;

// y = conv_transpose(x, w) at stride s as s * s stride-1 convolutions of x. Output pixel q * s + r
// (per axis) collects the taps r + s j, j < J = ceil(k / s), of the kernel from input pixel q - j:
// a full correlation of x with the phase-r taps in reverse order. The phases run as one
// convolution with s * s * Cout output channels, interleaved afterwards.
torch::Tensor conv_transpose_by_phases(const torch::Tensor& x, const torch::Tensor& weight, int64_t s) {
  const int64_t N = x.size(0), Cin = weight.size(0), Cout = weight.size(1), kh = weight.size(2), kw = weight.size(3);
  const int64_t Jh = (kh + s - 1) / s, Jw = (kw + s - 1) / s;
  // Taps beyond k (when s does not divide k) are zeros: [Cin, Cout, Jh, s, Jw, s] with tap = s j + r.
  auto taps = torch::constant_pad_nd(weight, {0, Jw * s - kw, 0, Jh * s - kh}).view({Cin, Cout, Jh, s, Jw, s});
  // [(r_h, r_w, Cout), Cin, Jh, Jw], the taps of each phase reversed.
  auto phases = taps.permute({3, 5, 1, 0, 2, 4}).flip({4, 5}).reshape({s * s * Cout, Cin, Jh, Jw});
  phases = phases.contiguous(x.suggest_memory_format());  // x's layout: no reorder of x
  auto z = at::convolution(x, phases, {}, {1, 1}, {Jh - 1, Jw - 1}, {1, 1}, false, {0, 0}, 1);
  const int64_t Qh = z.size(2), Qw = z.size(3);
  auto y = z.view({N, s, s, Cout, Qh, Qw}).permute({0, 3, 4, 1, 5, 2}).reshape({N, Cout, Qh * s, Qw * s});
  return y.slice(2, 0, (x.size(2) - 1) * s + kh).slice(3, 0, (x.size(3) - 1) * s + kw).contiguous();
}

// y = conv_transpose(x, w) is the input-gradient of z -> conv(z, w) at grad_output x (or, for few
// output channels, conv_transpose_by_phases). Its backward: dx = conv(dy, w) and dw = the
// weight-gradient of conv(dy, w) at grad_output x.
struct ConvTransposeFn : torch::autograd::Function<ConvTransposeFn> {
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& x, const torch::Tensor& weight,
                               int64_t stride) {
    ctx->save_for_backward({x, weight});
    ctx->saved_data["stride"] = stride;
    if (weight.size(1) < kPhaseChannelLimit) return conv_transpose_by_phases(x, weight, stride);
    const int64_t k_h = weight.size(2), k_w = weight.size(3);
    // Only the shape of the convolution's input is read when asking for its gradient.
    auto shape = at::empty({x.size(0), weight.size(1), (x.size(2) - 1) * stride + k_h, (x.size(3) - 1) * stride + k_w},
                           x.options());
    return std::get<0>(at::convolution_backward(dense(x), shape, weight, c10::nullopt, {stride, stride}, {0, 0},
                                                {1, 1}, false, {0, 0}, 1, {true, false, false}));
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    auto saved = ctx->get_saved_variables();
    const auto& x = saved[0];
    const auto& weight = saved[1];
    const int64_t stride = ctx->saved_data["stride"].toInt();
    auto grad = dense(grads[0]);
    torch::Tensor grad_x, grad_w;
    if (ctx->needs_input_grad(0)) {
      grad_x = at::convolution(grad, weight, {}, {stride, stride}, {0, 0}, {1, 1}, false, {0, 0}, 1);
      // oneDNN may answer channels-last (a one-channel grad is laid out both ways): the elementwise
      // backward ops before this layer ran ~9x slower on mixed layouts (the atari decoder's ELU
      // backward: 155 vs 18 ms), so the gradient takes x's layout.
      grad_x = grad_x.contiguous(x.suggest_memory_format());
    }
    if (ctx->needs_input_grad(1))
      grad_w = std::get<1>(at::convolution_backward(dense(x), grad, weight, c10::nullopt, {stride, stride},
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
  if (const auto dtype = autocast_dtype(x.is_cuda())) {
    auto y = ConvTransposeFn::apply(x.to(*dtype), weight.to(*dtype), stride);
    return bias.defined() ? y + bias.to(*dtype).view({1, -1, 1, 1}) : y;
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
