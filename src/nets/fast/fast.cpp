// The speed-ups behind the `Kernels` switch (core/runtime.h), each where it was measured faster; the plain layers
// (nets/layers, nets/coders) call these and fall back to LibTorch's own op when one answers std::nullopt.
#include "nets/fast/fast.h"

#include <ATen/autocast_mode.h>

#include "dreamer/core/runtime.h"
#include "nets/fast/batched_weight_grads.h"
#include "nets/fast/conv_transpose.h"
#include "nets/fast/onehot_linear.h"

namespace dreamer::fast {

std::optional<torch::Tensor> linear_rows(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias) {
  if (const auto* layer = BatchedWeightGrads::find(weight); layer && x.dim() == 2)
    return BatchedWeightGrads::linear(*layer, x);
  // One row (acting runs one row per env): BLAS's matrix product was ~9x slower than a matrix-vector product in
  // session 2 (docs/PERFORMANCE.md; as fast in session 6 on a faster host). addmv is not among autocast's ops:
  // only when the dtypes already agree.
  if (kernels() == Kernels::fast && x.dim() == 2 && x.size(0) == 1 && bias.defined() &&
      x.scalar_type() == weight.scalar_type() && bias.scalar_type() == weight.scalar_type())
    return torch::addmv(bias, weight, x[0]).unsqueeze(0);
  return std::nullopt;
}

std::optional<torch::Tensor> onehot_linear_where_faster(const torch::Tensor& x, const OneHotInput& onehot,
                                                        const torch::Tensor& weight, const torch::Tensor& bias) {
  // When the gather beats the dense product (session 6 host: family 6 model 167 with AMX, [M, 1224] -> 200 and
  // [M, 1624] -> 600 with 32 x 32 one-hot latents, docs/PERFORMANCE.md): on one thread from ~64
  // rows on (800 rows: 1.99 vs 2.59 ms, 6.8 vs 8.9 ms), never on two threads (800 rows: 1.68 vs
  // 1.48 ms, 5.1 vs 4.8 ms), and never for a few rows (one row, acting: 95 vs 11 us), where the
  // transposed copy of the weight it makes on every call dominates. Below ~256 one-hot inputs
  // (the debug preset's 8 x 8 latents) the dense product was as fast. Under bf16 autocast the dense
  // product runs on bf16 matrix units and beats the float32 gather.
  constexpr int64_t kMinOneHotWidth = 256, kMinRows = 64;
  const bool autocast = at::autocast::is_cpu_enabled() || at::autocast::is_enabled();
  if (onehot.width() >= kMinOneHotWidth && kernels() == Kernels::fast && !autocast && !x.requires_grad() &&
      x.scalar_type() == torch::kFloat32 && x.is_cpu() && weight.is_cpu() && at::get_num_threads() == 1 &&
      x.numel() >= kMinRows * x.size(-1))
    return onehot_linear(x, onehot, weight, bias);
  return std::nullopt;
}

std::optional<torch::Tensor> conv_transpose(torch::nn::ConvTranspose2dImpl& deconv, const torch::Tensor& x,
                                            bool from_1x1) {
  if (kernels() != Kernels::fast) return std::nullopt;
  // Channels-last from the first layer on, with the layout fixes in conv_transpose.cpp: the decoder's
  // forward 1.22-1.26x, backward 1.17-1.22x faster (docs/PERFORMANCE.md, session 7).
  if (from_1x1)
    return conv_transpose2d_from_1x1(x.flatten(1), deconv.weight, deconv.bias)
        .contiguous(torch::MemoryFormat::ChannelsLast);
  return conv_transpose2d_via_conv(x, deconv.weight, deconv.bias, deconv.options.stride()->at(0));
}

}  // namespace dreamer::fast
