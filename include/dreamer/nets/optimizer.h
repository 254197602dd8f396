// The official optimizer: Adam with epsilon, global-norm gradient clipping and decoupled weight decay.
#pragma once

#include <torch/torch.h>

#include <memory>
#include <string>
#include <vector>

#include "dreamer/core/config.h"

namespace dreamer {

class Optimizer {
 public:
  /// name: the config block it comes from ("model_opt"), used in messages and checkpoint keys.
  Optimizer(std::vector<torch::Tensor> params, const OptConfig& cfg, std::string name);

  /// Zeroes the gradients, backpropagates `loss`, clips them to the global norm `clip`, applies
  /// weight decay (params *= 1 - wd) and takes an Adam step. Returns the norm before clipping.
  double step(const torch::Tensor& loss, bool retain_graph = false);

  /// The two halves of step(): zero the gradients and backpropagate `loss`; then clip, decay and
  /// take the Adam step, returning the gradient norm before clipping.
  void backward(const torch::Tensor& loss, bool retain_graph = false);
  double update();

  void save(torch::serialize::OutputArchive& archive) const;
  void load(torch::serialize::InputArchive& archive);
  const std::string& name() const { return name_; }
  int64_t parameter_count() const;

 private:
  std::vector<torch::Tensor> params_;
  OptConfig cfg_;
  std::string name_;
  std::unique_ptr<torch::optim::Adam> adam_;
};

}  // namespace dreamer
