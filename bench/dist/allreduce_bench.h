// The data-parallel benchmark: the gradient all-reduce's time per update against the update's, per preset.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "dreamer/core/config.h"

namespace dreamer {

struct AllreduceBenchOptions {
  std::vector<std::string> presets{"minatar", "atari"};
  int repeats = 5;  // timed updates per variant after one warm-up; medians reported
  int threads = 1;  // intra-op threads of each rank
  DistConfig dist;  // the group; every rank runs bench_allreduce with the same options
};

struct AllreduceBenchResult {
  std::string preset;
  int ranks = 0;
  int threads = 0;
  int64_t gradient_bytes = 0;   // all-reduced per update: world model, actor and critic gradients (float32)
  double allreduce_ms = 0;      // median per update: the three all-reduces (flatten, Gloo ring, copy back)
  double wait_ms = 0;           // median per update: waiting for the slower rank before them (load imbalance)
  double update_ms = 0;         // median update without synchronisation, the other ranks updating alongside
  double synced_update_ms = 0;  // median update with the waits and all-reduces
  double share = 0;             // allreduce_ms / synced_update_ms
  double gbytes_per_s = 0;      // gradient_bytes / allreduce time: the all-reduce's algorithm bandwidth
};

/// Joins the group opts.dist describes and, for each preset (on its synthetic batch, no env), times updates
/// with and without the gradient all-reduce, the two taking turns, each rank on its own batch. Every rank must
/// call it with the same options; rank 0's figures are returned (and passed to `on_result`), the others' are
/// empty. Throws dreamer::Error for an unknown preset, GroupError when a rank is lost.
std::vector<AllreduceBenchResult> bench_allreduce(const AllreduceBenchOptions& opts,
                                                  const std::function<void(const AllreduceBenchResult&)>& on_result = {});

}  // namespace dreamer
