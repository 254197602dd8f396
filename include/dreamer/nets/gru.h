// The GRU cell of the RSSM: one linear for all gates, LayerNorm on them, update-gate bias -1.
#pragma once

#include <torch/torch.h>

namespace dreamer {

/// h' = u * tanh(r * c) + (1 - u) * h, with [r, c, u] = LayerNorm(W [x, h]),
/// r = sigmoid(r), u = sigmoid(u + update_bias). As the official DreamerV2 GRUCell.
struct GRUCellImpl : torch::nn::Module {
  GRUCellImpl(int64_t input_size, int64_t size, bool layer_norm = true, double update_bias = -1.0);
  /// x: [B, input_size], h: [B, size] -> h': [B, size]
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& h);

  torch::nn::Linear linear{nullptr};
  torch::nn::LayerNorm norm{nullptr};
  int64_t size;
  double update_bias;
};
TORCH_MODULE(GRUCell);

}  // namespace dreamer
