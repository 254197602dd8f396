// Dense building blocks: activations by name, Dense (linear + norm + activation) and MLP.
#include "dreamer/nets/layers.h"

#include "dreamer/core/error.h"
#include "nets/fast/fast.h"

namespace dreamer {

Act parse_act(const std::string& name, const std::string& key) {
  if (name == "elu") return Act::elu;
  if (name == "relu") return Act::relu;
  if (name == "tanh") return Act::tanh;
  if (name == "silu") return Act::silu;
  if (name == "none") return Act::none;
  throw Error("config: key '" + key + "' has value '" + name + "', expected one of: elu, relu, tanh, silu, none");
}

torch::Tensor apply_act(Act act, const torch::Tensor& x) {
  switch (act) {
    case Act::elu: return torch::elu(x);
    case Act::relu: return torch::relu(x);
    case Act::tanh: return torch::tanh(x);
    case Act::silu: return torch::silu(x);
    case Act::none: return x;
  }
  return x;
}

torch::Tensor linear_rows(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias) {
  if (auto y = fast::linear_rows(x, weight, bias)) return *y;
  return torch::nn::functional::linear(x, weight, bias);
}

torch::Tensor apply_linear(torch::nn::Linear& layer, const torch::Tensor& x, const OneHotInput& onehot) {
  if (auto y = fast::onehot_linear_where_faster(x, onehot, layer->weight, layer->bias)) return *y;
  return linear_rows(x, layer->weight, layer->bias);
}

namespace {
bool use_layer_norm(const std::string& norm) {
  if (norm == "layer") return true;
  if (norm == "none") return false;
  throw Error("config: norm '" + norm + "' is not one of: none, layer");
}
}  // namespace

DenseImpl::DenseImpl(int64_t in, int64_t out, const std::string& act_name, const std::string& norm_name,
                     OneHotInput onehot_)
    : act(parse_act(act_name)), onehot(onehot_) {
  const bool layer = use_layer_norm(norm_name);
  linear = register_module("linear", torch::nn::Linear(in, out));
  if (layer) norm = register_module("norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({out})));
}

torch::Tensor DenseImpl::forward(const torch::Tensor& x) {
  auto y = apply_linear(linear, x, onehot);
  if (norm) y = norm(y);
  return apply_act(act, y);
}

MLPImpl::MLPImpl(int64_t in, const std::vector<int64_t>& hidden, int64_t out_size, const std::string& act,
                 const std::string& norm, OneHotInput onehot) {
  int64_t width = in;
  for (int64_t units : hidden) {
    layers->push_back(Dense(width, units, act, norm, layers->is_empty() ? onehot : OneHotInput{}));
    width = units;
  }
  if (hidden.empty()) out_onehot_ = onehot;
  register_module("layers", layers);
  if (out_size > 0) {
    out = register_module("out", torch::nn::Linear(width, out_size));
    width = out_size;
  }
  out_dim_ = width;
}

torch::Tensor MLPImpl::forward(torch::Tensor x) {
  for (auto& layer : *layers) x = layer->as<DenseImpl>()->forward(x);
  if (out) x = apply_linear(out, x, out_onehot_).to(torch::kFloat32);  // head outputs stay float32 under bf16 autocast
  return x;
}

void glorot_init(torch::nn::Module& module) {
  torch::NoGradGuard no_grad;
  for (auto& m : module.modules(/*include_self=*/false)) {
    torch::Tensor weight, bias;
    if (auto* l = m->as<torch::nn::LinearImpl>()) {
      weight = l->weight;
      bias = l->bias;
    } else if (auto* c = m->as<torch::nn::Conv2dImpl>()) {
      weight = c->weight;
      bias = c->bias;
    } else if (auto* t = m->as<torch::nn::ConvTranspose2dImpl>()) {
      weight = t->weight;
      bias = t->bias;
    } else {
      continue;
    }
    torch::nn::init::xavier_uniform_(weight);
    if (bias.defined()) bias.zero_();
  }
}

void zero_output_layer(MLPImpl& mlp) {
  TORCH_CHECK(mlp.out, "zero_output_layer: the MLP has no output layer");
  torch::NoGradGuard no_grad;
  mlp.out->weight.zero_();
  if (mlp.out->bias.defined()) mlp.out->bias.zero_();
}

std::vector<int64_t> repeat_units(int layers, int units) { return std::vector<int64_t>(layers, units); }

}  // namespace dreamer
