// BatchEnv: N envs stepped together into one contiguous observation buffer [N, H, W, C], optionally on threads.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#include "dreamer/envs/env.h"

namespace dreamer {

/// Steps N envs of identical spaces as one. Semantics of step():
///  * an env that has never been reset, or whose previous TimeStep was is_last, is reset instead of stepped: its
///    action is ignored and its TimeStep has is_first = true (reward 0). The driver thus never calls reset itself;
///  * every other env is stepped with its action.
/// Observations land in obs[i * obs_space().size() ...]. reset() resets every env at once.
/// With threads > 1, a persistent pool of `threads` workers (the caller is one of them) splits the envs into
/// contiguous chunks; threads <= 1 steps on the calling thread only (best for ~1 us envs such as MinAtar).
/// Results do not depend on the thread count: each env owns its generator.
class BatchEnv {
 public:
  /// Throws dreamer::Error if `envs` is empty or their spaces differ.
  explicit BatchEnv(std::vector<EnvPtr> envs, int threads = 1);
  ~BatchEnv();
  BatchEnv(const BatchEnv&) = delete;
  BatchEnv& operator=(const BatchEnv&) = delete;

  int size() const { return int(envs_.size()); }
  const ObsSpace& obs_space() const { return envs_[0]->obs_space(); }
  const ActSpace& act_space() const { return envs_[0]->act_space(); }
  /// Bytes of one env's observation; obs buffers hold size() times this.
  int64_t obs_size() const { return obs_space().size(); }
  Env& env(int i) { return *envs_[size_t(i)]; }

  /// Resets every env. `obs` holds size() * obs_size() bytes; `out` is resized to size().
  void reset(uint8_t* obs, std::vector<TimeStep>& out);
  /// Steps (or auto-resets, see above) every env. `actions` has size() entries.
  void step(const std::vector<Action>& actions, uint8_t* obs, std::vector<TimeStep>& out);

 private:
  void run(int begin, int end);  // the per-env work of the current call on envs [begin, end)
  void guarded_run(int begin, int end);  // run() on a pool thread: an exception is kept for the caller
  void parallel_for();           // runs the current call over all envs, split across the pool
  void worker(int id);

  std::vector<EnvPtr> envs_;
  std::vector<bool> needs_reset_;
  // The current call, read by workers.
  const std::vector<Action>* actions_ = nullptr;
  uint8_t* obs_ = nullptr;
  std::vector<TimeStep>* out_ = nullptr;
  bool force_reset_ = false;
  // The pool.
  int threads_ = 1;
  std::vector<std::thread> workers_;
  std::mutex mutex_;
  std::condition_variable start_, done_;
  uint64_t generation_ = 0;
  int pending_ = 0;
  bool stop_ = false;
  std::exception_ptr error_;  // first exception thrown on a pool thread in the current call
};

}  // namespace dreamer
