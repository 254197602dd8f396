// Checkpoints: modules, optimizers and counters in one LibTorch archive, replaced atomically.
#pragma once

#include <torch/torch.h>

#include <map>
#include <string>
#include <vector>

#include "dreamer/nets/optimizer.h"

namespace dreamer {

/// What a checkpoint holds: named modules, optimizers and integer counters.
struct CheckpointParts {
  std::map<std::string, torch::nn::Module*> modules;
  std::vector<Optimizer*> optimizers;
  std::map<std::string, int64_t*> counters;
};

/// Writes `parts` to `path` via a temporary file renamed over it, so a crash never leaves a
/// torn checkpoint and the previous one stays until the new one is complete.
void save_checkpoint(const std::string& path, const CheckpointParts& parts);

/// Loads `parts` from `path`. Throws dreamer::Error naming the file and the missing or
/// mismatched entry; `parts` may be partly loaded then.
void load_checkpoint(const std::string& path, const CheckpointParts& parts);

}  // namespace dreamer
