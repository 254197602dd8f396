// The GRU cell of the RSSM: one linear for all gates, LayerNorm on them, update-gate bias -1.
#include "dreamer/nets/gru.h"

#include "dreamer/nets/layers.h"

namespace dreamer {

GRUCellImpl::GRUCellImpl(int64_t input_size, int64_t size_, bool layer_norm, double update_bias_)
    : size(size_), update_bias(update_bias_) {
  // The official cell keeps the bias even in front of the LayerNorm.
  linear = register_module("linear", torch::nn::Linear(input_size + size, 3 * size));
  // Keras' LayerNormalization epsilon (1e-3), as the official cell.
  if (layer_norm)
    norm = register_module("norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({3 * size}).eps(1e-3)));
}

torch::Tensor GRUCellImpl::forward(const torch::Tensor& x, const torch::Tensor& h) {
  TORCH_CHECK(h.dim() == 2 && h.size(1) == size, "GRUCell: state must be [B, ", size, "], got ", h.sizes());
  auto parts = apply_linear(linear, torch::cat({x, h}, -1));
  parts = parts.to(torch::kFloat32);  // the recurrence stays float32 under bf16 autocast
  if (norm) parts = norm(parts);
  auto gates = parts.chunk(3, -1);
  auto reset = torch::sigmoid(gates[0]);
  auto cand = torch::tanh(reset * gates[1]);
  auto update = torch::sigmoid(gates[2] + update_bias);
  return update * cand + (1 - update) * h;
}

}  // namespace dreamer
