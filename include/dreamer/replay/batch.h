// The training batch: B sequences of T steps as replay samples them and the world model learns from them.
#pragma once

#include <torch/torch.h>

namespace dreamer {

/// A batch of B sequences of T steps, as sampled from replay.
struct Batch {
  torch::Tensor image;        // [B, T, H, W, C] uint8
  torch::Tensor action;       // [B, T, A] float: the action that led to each observation (0 at is_first)
  torch::Tensor reward;       // [B, T] float: the reward that came with each observation
  torch::Tensor is_first;     // [B, T] bool
  torch::Tensor is_terminal;  // [B, T] bool

  /// The same batch on `device`.
  Batch to(torch::Device device) const;
};

}  // namespace dreamer
