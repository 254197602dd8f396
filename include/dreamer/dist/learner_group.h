// The learner processes of one data-parallel run, joined over torch.distributed's Gloo backend (c10d).
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "dreamer/core/config.h"
#include "dreamer/core/error.h"

namespace dreamer {

/// The seed of rank `rank`'s generators (LibTorch's, its envs' offsets, its replay's): `seed` for rank 0, as a
/// one-process run with that seed, and streams apart for the others.
inline uint64_t rank_seed(uint64_t seed, int rank) { return seed + uint64_t(rank) * 0x9E3779B97F4A7C15ull; }

/// A TCP port on 127.0.0.1 that nothing listens on right now, for a group started on one machine (a bench, a
/// test). Throws Error when the system gives none.
int free_loopback_port();

/// What a learner sees when another rank stops answering (it died, hung past dist.timeout, or refused to
/// start): the run cannot go on, and the last checkpoint is what resumes it.
struct GroupError : Error {
  using Error::Error;
};

/// The `size()` learner processes of one run, this one being `rank()`. Every method is a collective: each rank
/// calls it in the same order with tensors of the same shapes, and it returns when all have. A rank that dies
/// or stops answering for dist.timeout seconds makes every call on the others throw GroupError.
class LearnerGroup {
 public:
  /// Joins the group `cfg` describes: rank 0 serves a TCPStore at master_addr:master_port, every rank meets
  /// there and connects a Gloo device bound to its own address. Waits up to cfg.timeout for all of them;
  /// throws GroupError naming the address when they do not come.
  explicit LearnerGroup(const DistConfig& cfg);
  ~LearnerGroup();
  LearnerGroup(const LearnerGroup&) = delete;
  LearnerGroup& operator=(const LearnerGroup&) = delete;

  int rank() const { return rank_; }
  int size() const { return size_; }

  /// Replaces each floating-point tensor of `tensors` (any shapes; CPU or device) by its mean over the ranks:
  /// one all-reduce of one flat buffer per dtype.
  void average(const std::vector<torch::Tensor>& tensors);
  /// The gradients of `params` (each [*]) replaced by their mean over the ranks, as DDP's all-reduce does; a
  /// parameter without a gradient counts as a zero gradient (and gets one).
  void average_gradients(const std::vector<torch::Tensor>& params);
  /// Copies rank 0's values of `tensors` into every rank's.
  void broadcast(const std::vector<torch::Tensor>& tensors);
  /// Rank 0's `text` on every rank.
  std::string broadcast(const std::string& text);
  /// Every rank's `text`, indexed by rank.
  std::vector<std::string> all_gather(const std::string& text);
  /// Every rank's `values` (the same count on each), indexed by rank: [size][values.size()].
  std::vector<std::vector<double>> all_gather(const std::vector<double>& values);
  /// Element-wise sums over the ranks.
  std::vector<int64_t> sum(const std::vector<int64_t>& values);
  /// Throws dreamer::Error (bad input) on every rank when any rank's `problem` is not empty, with the first such
  /// rank's text; returns on every rank otherwise. How a rank refuses to start without leaving the others waiting.
  void check(const std::string& problem);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  int rank_ = 0, size_ = 1;
  double timeout_s_ = 0;
};

}  // namespace dreamer
