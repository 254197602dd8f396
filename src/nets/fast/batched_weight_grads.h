// Linear layers applied once per step of a loop, with their weight gradients taken in one product
// over all steps instead of one small product per step.
#pragma once

#include <torch/torch.h>

#include <memory>
#include <vector>

namespace dreamer {

/// While alive (on this thread), linear_rows(x, weight, bias) for the weight of one of `layers`
/// computes x W^T + b as before, but the backward of each call returns only x's gradient and keeps
/// (x_t, dy_t); the gradients of W and b come after every call's backward has run, as
/// sum_t dy_t^T x_t and sum_t dy_t, one matrix product over the rows of all calls. In the RSSM's
/// filter loop (B rows per step) a per-step weight gradient is a product with an inner dimension
/// of B that writes, and then accumulates, the whole weight every step.
/// Inactive (linear_rows as before) for a layer whose weight needs no gradient, without grad mode,
/// and with the plain kernels. Under bf16 autocast the products run in bf16 as autocast's would.
class BatchedWeightGrads {
 public:
  explicit BatchedWeightGrads(const std::vector<torch::nn::Linear>& layers);
  ~BatchedWeightGrads();
  BatchedWeightGrads(const BatchedWeightGrads&) = delete;
  BatchedWeightGrads& operator=(const BatchedWeightGrads&) = delete;

  struct Layer;
  /// The active scope's layer for `weight`, or null.
  static const Layer* find(const torch::Tensor& weight);
  /// x W^T + b for a layer `find` returned. x: [M, in] -> [M, out]
  static torch::Tensor linear(const Layer& layer, const torch::Tensor& x);

 private:
  std::vector<std::unique_ptr<Layer>> layers_;
  BatchedWeightGrads* outer_;
};

}  // namespace dreamer
