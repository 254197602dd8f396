// A linear layer on inputs that start with one-hot groups (the discrete latents), reading one
// weight column per group instead of multiplying by every zero.
#include "nets/fast/onehot_linear.h"

#include <ATen/Parallel.h>

#include "dreamer/nets/layers.h"

namespace dreamer {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// out[m] = sum_g x[m, g, i_g] * table[g * K + i_g], where i_g is the non-zero entry of group g
// of row m (groups without one add nothing). Finding i_g is fused into the same pass: a separate
// max over the groups cost more than the gather itself.
// x: [M, >= G * K] float with unit stride in its last dimension, table: [G * K, D] -> [M, D]
struct GatherSum : torch::autograd::Function<GatherSum> {
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& x, int64_t G, int64_t K,
                               const torch::Tensor& table) {
    const int64_t M = x.size(0), D = table.size(1), row_stride = x.stride(0);
    auto out = torch::zeros({M, D}, table.options());
    auto value = torch::zeros({M, G}, table.options());
    auto index = torch::zeros({M, G}, torch::TensorOptions().dtype(torch::kInt64));
    const float* src = x.data_ptr<float>();
    const float* tab = table.data_ptr<float>();
    float* dst = out.data_ptr<float>();
    float* val = value.data_ptr<float>();
    int64_t* idx = index.data_ptr<int64_t>();
    at::parallel_for(0, M, 64, [&](int64_t begin, int64_t end) {
      for (int64_t m = begin; m < end; ++m) {
        float* __restrict o = dst + m * D;
        const float* in = src + m * row_stride;
        for (int64_t g = 0; g < G; ++g) {
          int64_t k = 0;
          while (k < K && in[g * K + k] == 0.0f) ++k;
          if (k == K) continue;  // an all-zero group (a reset state)
          const float v = in[g * K + k];
          val[m * G + g] = v;
          idx[m * G + g] = g * K + k;
          const float* __restrict row = tab + (g * K + k) * D;
          for (int64_t d = 0; d < D; ++d) o[d] += v * row[d];
        }
      }
    });
    ctx->save_for_backward({value, index});
    ctx->saved_data["rows"] = table.size(0);
    return out;
  }

  // d table[index[m, g]] += value[m, g] * grad[m]. The groups own disjoint rows of the table, so
  // threads split the groups and never write the same row.
  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    auto saved = ctx->get_saved_variables();
    const auto& value = saved[0];
    const auto& index = saved[1];
    auto grad = grads[0].contiguous().to(torch::kFloat32);
    const int64_t M = value.size(0), G = value.size(1), D = grad.size(1);
    auto grad_table = torch::zeros({ctx->saved_data["rows"].toInt(), D}, grad.options());
    const float* val = value.data_ptr<float>();
    const int64_t* idx = index.data_ptr<int64_t>();
    const float* src = grad.data_ptr<float>();
    float* dst = grad_table.data_ptr<float>();
    at::parallel_for(0, G, 1, [&](int64_t begin, int64_t end) {
      for (int64_t m = 0; m < M; ++m) {
        const float* __restrict gm = src + m * D;
        for (int64_t g = begin; g < end; ++g) {
          const float v = val[m * G + g];
          if (v == 0.0f) continue;
          float* __restrict row = dst + idx[m * G + g] * D;
          for (int64_t d = 0; d < D; ++d) row[d] += v * gm[d];
        }
      }
    });
    return {torch::Tensor(), torch::Tensor(), torch::Tensor(), grad_table};
  }
};

}  // namespace

torch::Tensor onehot_linear(const torch::Tensor& x, const OneHotInput& onehot, const torch::Tensor& weight,
                            const torch::Tensor& bias) {
  const int64_t in = x.size(-1), lead = onehot.width();
  TORCH_CHECK(x.scalar_type() == torch::kFloat32, "onehot_linear: the input must be float32, got ", x.scalar_type());
  TORCH_CHECK(x.is_cpu() && weight.is_cpu(), "onehot_linear: a CPU kernel; got tensors on ", x.device(), " and ",
              weight.device());
  TORCH_CHECK(onehot.groups > 0 && lead <= in && weight.size(1) == in, "onehot_linear: input ", x.sizes(),
              ", weight ", weight.sizes(), ", one-hot part ", onehot.groups, " x ", onehot.classes);
  auto batch = x.sizes().slice(0, x.dim() - 1).vec();
  auto rows = x.reshape({-1, in});
  if (rows.stride(1) != 1) rows = rows.contiguous();
  auto table = weight.narrow(1, 0, lead).t().to(torch::kFloat32).contiguous();  // [lead, out]
  auto out = GatherSum::apply(rows, onehot.groups, onehot.classes, table);
  if (lead < in) {
    out = out + linear_rows(rows.narrow(1, lead, in - lead), weight.narrow(1, lead, in - lead), bias);
  } else if (bias.defined()) {
    out = out + bias;
  }
  batch.push_back(weight.size(0));
  return out.reshape(batch);
}

}  // namespace dreamer
