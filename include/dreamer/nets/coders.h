// Observation encoder and decoder: the paper's CNNs (or an MLP path) for [H, W, C] uint8 images.
#pragma once

#include <torch/torch.h>

#include "dreamer/core/config.h"
#include "dreamer/core/spaces.h"
#include "dreamer/nets/layers.h"

namespace dreamer {

/// Maps an observation in [0, high] to float: x / high - 0.5, as the official code does for images.
/// obs: [..., H, W, C] (any dtype) -> [..., H, W, C] float
torch::Tensor preprocess_obs(const torch::Tensor& obs, int high);

/// Spatial size after the encoder's convolutions (kernels, stride, no padding) on `size` pixels.
int conv_out_size(int size, const std::vector<int>& kernels, int stride = 2);
/// Spatial size of the decoder's transposed convolutions (kernels, stride) grown from a 1x1 map.
int deconv_out_size(const std::vector<int>& kernels, int stride = 2);

/// Encoder: conv i has 2^i * depth channels, ELU; the last map is flattened. Or the mlp path.
struct EncoderImpl : torch::nn::Module {
  EncoderImpl(const CoderConfig& cfg, const ObsSpace& space);
  /// obs: [..., H, W, C] uint8 in [0, high] -> embedding [..., embed_dim]
  torch::Tensor forward(const torch::Tensor& obs);

  int64_t embed_dim = 0;
  torch::nn::ModuleList convs;
  torch::nn::ModuleList norms;  // LayerNorm over channels, when norm == "layer"
  MLP mlp{nullptr};

 private:
  ObsSpace space_;
  Act act_;
};
TORCH_MODULE(Encoder);

/// Decoder: dense to 32 * depth at 1x1, then transposed convs (stride 2) with 2^(n-i-2) * depth
/// channels and the image's channels last. Or the mlp path. Outputs the mean (mse, in the
/// preprocessed [-0.5, 0.5] scale) or the logits (binary) of each cell.
struct DecoderImpl : torch::nn::Module {
  DecoderImpl(const CoderConfig& cfg, int64_t feat_dim, const ObsSpace& space);
  /// feat: [..., feat_dim] -> [..., H, W, C]
  torch::Tensor forward(const torch::Tensor& feat);
  /// Negative log-likelihood of the observation under the decoder's distribution, summed over
  /// the cells (mse: Normal with unit std, without its constant 0.5 log(2 pi) per cell).
  /// out: [..., H, W, C] from forward, obs: [..., H, W, C] uint8 -> [...]
  torch::Tensor nll(const torch::Tensor& out, const torch::Tensor& obs) const;
  /// Decoded observation in [0, high] as float. out: [..., H, W, C] -> [..., H, W, C]
  torch::Tensor mode(const torch::Tensor& out) const;

  torch::nn::Linear convin{nullptr};
  torch::nn::ModuleList deconvs;
  torch::nn::ModuleList norms;
  MLP mlp{nullptr};

 private:
  ObsSpace space_;
  Act act_;
  bool binary_ = false;
  int64_t in_channels_ = 0;
};
TORCH_MODULE(Decoder);

}  // namespace dreamer
