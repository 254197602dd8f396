// The official optimizer: Adam with epsilon, global-norm gradient clipping and decoupled weight decay.
#include "dreamer/nets/optimizer.h"

#include <cmath>

#include "dreamer/core/error.h"

namespace dreamer {

void require_finite(const std::map<std::string, double>& values, const std::string& where) {
  const std::pair<const std::string, double>* bad = nullptr;
  for (const auto& kv : values) {
    if (std::isfinite(kv.second)) continue;
    const bool is_loss = kv.first.size() > 5 && kv.first.compare(kv.first.size() - 5, 5, "_loss") == 0;
    if (!bad || is_loss) bad = &kv;
    if (is_loss) break;
  }
  if (bad) throw Divergence(where + ": " + bad->first + " is " + std::to_string(bad->second));
}

Optimizer::Optimizer(std::vector<torch::Tensor> params, const OptConfig& cfg, std::string name)
    : params_(std::move(params)), cfg_(cfg), name_(std::move(name)) {
  adam_ = std::make_unique<torch::optim::Adam>(params_, torch::optim::AdamOptions(cfg.lr).eps(cfg.eps));
}

double Optimizer::step(const torch::Tensor& loss, bool retain_graph) {
  backward(loss, retain_graph);
  return update();
}

void Optimizer::backward(const torch::Tensor& loss, bool retain_graph) {
  adam_->zero_grad();
  loss.backward({}, retain_graph);
}

double Optimizer::update() {
  if (sync_) sync_(params_);
  const double max_norm = cfg_.clip > 0 ? cfg_.clip : std::numeric_limits<double>::infinity();
  const double norm = torch::nn::utils::clip_grad_norm_(params_, max_norm);
  if (!std::isfinite(norm)) throw Divergence(name_ + ": the gradient norm is " + std::to_string(norm));
  if (cfg_.wd > 0) {
    torch::NoGradGuard no_grad;
    for (auto& p : params_) p.mul_(1.0 - cfg_.wd);
  }
  if (cfg_.tf_eps) {
    // TensorFlow's Adam divides by sqrt(v) + eps where PyTorch's divides by sqrt(v) / sqrt(1 - beta2^t) + eps:
    // PyTorch's with eps / sqrt(1 - beta2^t) takes TensorFlow's step.
    auto& options = static_cast<torch::optim::AdamOptions&>(adam_->param_groups().front().options());
    const double beta2 = std::get<1>(options.betas());
    options.eps(cfg_.eps / std::sqrt(1.0 - std::pow(beta2, double(steps() + 1))));
  }
  adam_->step();
  return norm;
}

void Optimizer::save(torch::serialize::OutputArchive& archive) const {
  torch::serialize::OutputArchive sub;
  adam_->save(sub);
  archive.write(name_, sub);
}

void Optimizer::load(torch::serialize::InputArchive& archive) {
  torch::serialize::InputArchive sub;
  archive.read(name_, sub);
  adam_->load(sub);
}

int64_t Optimizer::steps() const {
  const auto& state = adam_->state();
  auto it = state.find(c10::guts::to_string(params_.front().unsafeGetTensorImpl()));
  if (it == state.end()) return 0;
  return static_cast<const torch::optim::AdamParamState&>(*it->second).step();
}

int64_t Optimizer::parameter_count() const {
  int64_t n = 0;
  for (const auto& p : params_) n += p.numel();
  return n;
}

}  // namespace dreamer
