// Stacking per-step structs of tensors (states, distributions) one field at a time.
#pragma once

#include <torch/torch.h>

#include <vector>

namespace dreamer {

/// torch::stack of `member` of every step along `dim`, or an undefined tensor when the first
/// step's is undefined (a field the struct does not use). steps: non-empty, each field [N, ...].
template <typename Step>
torch::Tensor stack_field(const std::vector<Step>& steps, torch::Tensor Step::*member, int64_t dim) {
  TORCH_CHECK(!steps.empty(), "stack_field: no steps");
  if (!(steps[0].*member).defined()) return torch::Tensor();
  std::vector<torch::Tensor> parts;
  parts.reserve(steps.size());
  for (const auto& step : steps) parts.push_back(step.*member);
  return torch::stack(parts, dim);
}

}  // namespace dreamer
