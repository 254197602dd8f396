// Dense building blocks: activations by name, Dense (linear + norm + activation) and MLP.
#pragma once

#include <torch/torch.h>

#include <string>
#include <vector>

namespace dreamer {

/// An activation function chosen by name in the config.
enum class Act { elu, relu, tanh, silu, none };

/// Parses "elu", "relu", "tanh", "silu" or "none"; throws dreamer::Error naming `key` otherwise.
Act parse_act(const std::string& name, const std::string& key = "act");
torch::Tensor apply_act(Act act, const torch::Tensor& x);

/// The leading part of a layer's input that holds `groups` one-hot vectors of `classes` entries
/// (the flattened 32 x 32 stochastic state); groups == 0 means there is none.
struct OneHotInput {
  int64_t groups = 0;
  int64_t classes = 0;
  int64_t width() const { return groups * classes; }
};

/// x W^T + b (through a speed-up of src/nets/fast/ where one applies: fast::linear_rows).
/// x: [..., in], weight: [out, in], bias: [out] or undefined -> [..., out]
torch::Tensor linear_rows(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias);

/// What layer(x) computes, through linear_rows, or through the one-hot gather where it is faster
/// (fast::onehot_linear_where_faster). x: [..., in] -> [..., out]
torch::Tensor apply_linear(torch::nn::Linear& layer, const torch::Tensor& x, const OneHotInput& onehot = {});

/// Linear -> optional LayerNorm -> activation. The official code's Dense + NormLayer + act.
struct DenseImpl : torch::nn::Module {
  /// norm: "none" or "layer" (LayerNorm over the output features).
  /// onehot: the leading one-hot part of the input, if any (see OneHotInput).
  DenseImpl(int64_t in, int64_t out, const std::string& act, const std::string& norm, OneHotInput onehot = {});
  /// x: [..., in] -> [..., out]
  torch::Tensor forward(const torch::Tensor& x);

  torch::nn::Linear linear{nullptr};
  torch::nn::LayerNorm norm{nullptr};
  Act act;
  OneHotInput onehot;
};
TORCH_MODULE(Dense);

/// `hidden.size()` Dense layers, then a plain Linear to `out` (omitted when out == 0).
struct MLPImpl : torch::nn::Module {
  /// onehot: the leading one-hot part of the input (the first layer's), if any.
  MLPImpl(int64_t in, const std::vector<int64_t>& hidden, int64_t out, const std::string& act,
          const std::string& norm, OneHotInput onehot = {});
  /// x: [..., in] -> [..., out] (or [..., hidden.back()] without an output layer)
  torch::Tensor forward(torch::Tensor x);
  int64_t out_dim() const { return out_dim_; }

  torch::nn::ModuleList layers;
  torch::nn::Linear out{nullptr};

 private:
  int64_t out_dim_ = 0;
  OneHotInput out_onehot_;  // when there are no hidden layers, the output layer is the first
};
TORCH_MODULE(MLP);

/// Initialises every Linear, Conv2d and ConvTranspose2d in `module` as TensorFlow/Keras does and
/// the official code therefore had: Glorot-uniform weights, zero biases. LibTorch's default
/// (Kaiming-uniform with a = sqrt(5)) gives ~1.7x smaller weights, near-uniform initial latents,
/// and, measured here, a world model that took several times longer to start encoding
/// observations.
void glorot_init(torch::nn::Module& module);

/// Sets the weights and biases of `mlp`'s output layer to zero (DreamerV3 starts its twohot heads so: a
/// prediction of exactly 0, and no large early targets from a random head).
void zero_output_layer(MLPImpl& mlp);

/// `layers` copies of `units`: the hidden sizes of an official MLP head.
std::vector<int64_t> repeat_units(int layers, int units);

}  // namespace dreamer
