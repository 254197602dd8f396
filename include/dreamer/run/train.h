// The runs behind `dreamer train`, `eval` and `play`: collect, learn from replay, evaluate, log, checkpoint.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include "dreamer/core/config.h"
#include "dreamer/envs/evaluate.h"
#include "dreamer/envs/registry.h"
#include "dreamer/run/run_dir.h"

namespace dreamer {

/// What a run reports to its caller (the CLI draws a progress bar from it).
struct Progress {
  int64_t step = 0;        // environment frames so far
  int64_t total = 0;       // frames the run aims for
  int64_t updates = 0;     // training updates so far
  double fps = 0;          // frames per second since the run (re)started
  double updates_per_s = 0;
  double elapsed_s = 0;
  std::string phase;       // "prefill", "train", "eval", "done", "stopped"
  std::map<std::string, double> metrics;  // the means just logged (empty between logs)
  double last_return = 0;  // return of the latest finished training episode
  bool has_return = false;
  double eval_return = 0;  // mean return of the latest evaluation
  bool has_eval = false;
};
using Reporter = std::function<void(const Progress&)>;

/// The env options a config asks for.
EnvOptions env_options(const Config& cfg);

/// Trains as the config says, in cfg.logdir; re-running on the same logdir resumes from its
/// checkpoint and episodes. Returns when cfg.steps frames are reached or `stop` becomes true
/// (it checkpoints first).
void train(const ResolvedConfig& rc, const Reporter& report, const std::atomic<bool>* stop = nullptr);

/// The result of evaluating a run's checkpoint.
struct CheckpointEval {
  std::string task;
  ReturnStats stats;
};

/// Receives each frame the evaluation env shows (its render(): the reset, then every step).
using FrameFn = std::function<void(const Image&)>;

/// Plays `episodes` episodes with the greedy policy of the run in `logdir` (load_agent), on an env seeded from
/// `seed`; `on_frame` (optional) sees every frame, for `dreamer play`. Threads and LibTorch's seed are the
/// caller's. Throws dreamer::Error when the logdir holds no run.
CheckpointEval evaluate_checkpoint(const std::string& logdir, int episodes, uint64_t seed,
                                   const FrameFn& on_frame = nullptr);

}  // namespace dreamer
