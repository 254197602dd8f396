// The official optimizer: Adam with epsilon, global-norm gradient clipping and decoupled weight decay.
#pragma once

#include <torch/torch.h>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "dreamer/core/config.h"

namespace dreamer {

/// Throws dreamer::Divergence("<where>: <name> is nan") when a value of `values` is not finite,
/// naming a "*_loss" one first.
void require_finite(const std::map<std::string, double>& values, const std::string& where);

class Optimizer {
 public:
  /// name: the config block it comes from ("model_opt"), used in messages and checkpoint keys.
  Optimizer(std::vector<torch::Tensor> params, const OptConfig& cfg, std::string name);

  /// Zeroes the gradients, backpropagates `loss`, clips them to the global norm `clip`, applies
  /// weight decay (params *= 1 - wd) and takes an Adam step (epsilon as TensorFlow's with tf_eps). Returns the
  /// norm before clipping.
  double step(const torch::Tensor& loss, bool retain_graph = false);

  /// The two halves of step(): zero the gradients and backpropagate `loss`; then synchronise (see
  /// set_gradient_sync), clip, decay and take the Adam step, returning the gradient norm before clipping. A non-finite gradient norm
  /// throws dreamer::Divergence before any parameter changes.
  void backward(const torch::Tensor& loss, bool retain_graph = false);
  double update();

  /// Called with the parameters once their gradients are computed, before clipping: data-parallel training
  /// averages the gradients over its learners here (LearnerGroup::average_gradients), as DDP does in backward.
  using GradientSync = std::function<void(const std::vector<torch::Tensor>& params)>;
  void set_gradient_sync(GradientSync sync) { sync_ = std::move(sync); }

  void save(torch::serialize::OutputArchive& archive) const;
  void load(torch::serialize::InputArchive& archive);
  const std::string& name() const { return name_; }
  /// Adam steps taken so far (restored with the optimizer's state).
  int64_t steps() const;
  int64_t parameter_count() const;

 private:
  std::vector<torch::Tensor> params_;
  OptConfig cfg_;
  std::string name_;
  std::unique_ptr<torch::optim::Adam> adam_;
  GradientSync sync_;
};

}  // namespace dreamer
