// Observation encoder and decoder: the paper's CNNs (or an MLP path) for [H, W, C] uint8 images.
#include "dreamer/nets/coders.h"

#include "dreamer/core/error.h"
#include "dreamer/core/runtime.h"
#include "nets/fast/fast.h"

namespace dreamer {
namespace {

// LayerNorm over the channel axis of an NCHW map (the official NormLayer acts on NHWC's last axis).
torch::Tensor channel_norm(torch::nn::LayerNorm& norm, const torch::Tensor& x) {
  return norm(x.permute({0, 2, 3, 1})).permute({0, 3, 1, 2});
}

std::vector<int64_t> to_int64(const std::vector<int>& v) { return {v.begin(), v.end()}; }

}  // namespace

torch::Tensor preprocess_obs(const torch::Tensor& obs, int high) {
  return obs.to(torch::kFloat32) / static_cast<float>(high) - 0.5f;
}

int conv_out_size(int size, const std::vector<int>& kernels, int stride) {
  for (int k : kernels) size = size < k ? 0 : (size - k) / stride + 1;
  return size;
}

int deconv_out_size(const std::vector<int>& kernels, int stride) {
  int size = 1;
  for (int k : kernels) size = (size - 1) * stride + k;
  return size;
}

EncoderImpl::EncoderImpl(const CoderConfig& cfg, const ObsSpace& space)
    : space_(space), act_(parse_act(cfg.act, "encoder.act")) {
  if (cfg.net == "mlp") {
    mlp = register_module("mlp", MLP(space.size(), to_int64(cfg.mlp_layers), 0, cfg.act, cfg.norm));
    embed_dim = mlp->out_dim();
    return;
  }
  const int h = conv_out_size(space.height, cfg.cnn_kernels, cfg.cnn_stride);
  const int w = conv_out_size(space.width, cfg.cnn_kernels, cfg.cnn_stride);
  if (h < 1 || w < 1)
    throw Error("config: encoder.cnn_kernels with stride " + std::to_string(cfg.cnn_stride) + " do not fit a " +
                std::to_string(space.height) + "x" + std::to_string(space.width) + " observation");
  int64_t channels = space.channels;
  for (size_t i = 0; i < cfg.cnn_kernels.size(); ++i) {
    const int64_t depth = (int64_t(1) << i) * cfg.cnn_depth;
    torch::nn::Conv2d conv(
        torch::nn::Conv2dOptions(channels, depth, /*kernel_size=*/cfg.cnn_kernels[i]).stride(cfg.cnn_stride));
    // Observations arrive [H, W, C]: viewed as NCHW they are channels-last, and weights stored
    // the same way spare each call a reorder of the weights (~40% of an Atari policy step).
    conv->weight.set_data(conv->weight.contiguous(torch::MemoryFormat::ChannelsLast));
    convs->push_back(conv);
    if (cfg.norm == "layer") norms->push_back(torch::nn::LayerNorm(torch::nn::LayerNormOptions({depth})));
    channels = depth;
  }
  register_module("convs", convs);
  register_module("norms", norms);
  embed_dim = channels * h * w;
}

torch::Tensor EncoderImpl::forward(const torch::Tensor& obs) {
  TORCH_CHECK(obs.dim() >= 4 && obs.size(-3) == space_.height && obs.size(-2) == space_.width &&
                  obs.size(-1) == space_.channels,
              "Encoder: expected [..., ", space_.height, ", ", space_.width, ", ", space_.channels,
              "], got ", obs.sizes());
  auto batch = obs.sizes().slice(0, obs.dim() - 3).vec();
  auto x = preprocess_obs(obs, space_.high);
  if (mlp) return mlp(x.flatten(-3));
  x = x.reshape({-1, space_.height, space_.width, space_.channels}).permute({0, 3, 1, 2});
  for (size_t i = 0; i < convs->size(); ++i) {
    x = convs[i]->as<torch::nn::Conv2dImpl>()->forward(x);
    if (!norms->is_empty()) {
      auto norm = torch::nn::LayerNorm(norms->ptr<torch::nn::LayerNormImpl>(i));
      x = channel_norm(norm, x);
    }
    x = apply_act(act_, x);
  }
  batch.push_back(embed_dim);
  return x.reshape(batch);
}

DecoderImpl::DecoderImpl(const CoderConfig& cfg, int64_t feat_dim, const ObsSpace& space)
    : space_(space), act_(parse_act(cfg.act, "decoder.act")), binary_(cfg.dist == "binary") {
  if (cfg.net == "mlp") {
    mlp = register_module("mlp", MLP(feat_dim, to_int64(cfg.mlp_layers), space.size(), cfg.act, cfg.norm));
    return;
  }
  const int size = deconv_out_size(cfg.cnn_kernels, cfg.cnn_stride);
  if (size != space.height || size != space.width)
    throw Error("config: decoder.cnn_kernels build a " + std::to_string(size) + "x" + std::to_string(size) +
                " image but the observation is " + std::to_string(space.height) + "x" +
                std::to_string(space.width) + " (each layer maps s to stride (s - 1) + kernel, from 1)");
  in_channels_ = 32 * int64_t(cfg.cnn_depth);
  convin = register_module("convin", torch::nn::Linear(feat_dim, in_channels_));
  const size_t n = cfg.cnn_kernels.size();
  int64_t channels = in_channels_;
  for (size_t i = 0; i < n; ++i) {
    const bool last = i + 1 == n;
    const int64_t depth = last ? space.channels : (int64_t(1) << (n - i - 2)) * cfg.cnn_depth;
    deconvs->push_back(torch::nn::ConvTranspose2d(
        torch::nn::ConvTranspose2dOptions(channels, depth, /*kernel_size=*/cfg.cnn_kernels[i]).stride(cfg.cnn_stride)));
    if (!last && cfg.norm == "layer")
      norms->push_back(torch::nn::LayerNorm(torch::nn::LayerNormOptions({depth})));
    channels = depth;
  }
  register_module("deconvs", deconvs);
  register_module("norms", norms);
}

torch::Tensor DecoderImpl::forward(const torch::Tensor& feat) {
  auto batch = feat.sizes().slice(0, feat.dim() - 1).vec();
  batch.insert(batch.end(), {space_.height, space_.width, space_.channels});
  if (mlp) return mlp(feat).reshape(batch);
  auto x = apply_linear(convin, feat).reshape({-1, in_channels_, 1, 1});
  const size_t n = deconvs->size();
  for (size_t i = 0; i < n; ++i) {
    auto& deconv = *deconvs[i]->as<torch::nn::ConvTranspose2dImpl>();
    auto y = fast::conv_transpose(deconv, x, /*from_1x1=*/i == 0);
    x = y ? *y : deconv.forward(x);
    if (i + 1 == n) break;
    if (!norms->is_empty()) {
      auto norm = torch::nn::LayerNorm(norms->ptr<torch::nn::LayerNormImpl>(i));
      x = channel_norm(norm, x);
    }
    x = apply_act(act_, x);
  }
  return x.permute({0, 2, 3, 1}).reshape(batch).to(torch::kFloat32);  // float32 under bf16 autocast
}

torch::Tensor DecoderImpl::nll(const torch::Tensor& out, const torch::Tensor& obs) const {
  TORCH_CHECK(out.sizes() == obs.sizes(), "Decoder::nll: output ", out.sizes(), " vs observation ", obs.sizes());
  if (binary_) {
    auto target = obs.to(torch::kFloat32) / static_cast<float>(space_.high);
    return torch::binary_cross_entropy_with_logits(out, target, {}, {}, at::Reduction::None).sum({-3, -2, -1});
  }
  return 0.5f * (out - preprocess_obs(obs, space_.high)).square().sum({-3, -2, -1});
}

torch::Tensor DecoderImpl::mode(const torch::Tensor& out) const {
  auto unit = binary_ ? torch::sigmoid(out) : (out + 0.5f).clamp(0.0, 1.0);
  return unit * static_cast<float>(space_.high);
}

}  // namespace dreamer
