// The runs behind `dreamer train`, `eval` and `play`: training (collect, learn from replay, evaluate, log,
// checkpoint) and a run's checkpoint played.
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

/// What a program hands a training run besides its config; every member is optional.
struct TrainHooks {
  Reporter report;                          // progress: at each log, evaluation and change of phase
  std::function<void()> tick;               // called before every collection step (the CLI's thread governor)
  const std::atomic<bool>* stop = nullptr;  // becoming true ends the run early, after a checkpoint
};

/// Trains as the config says, in cfg.logdir (the paper's Algorithm 1: random episodes first, then collection
/// with the policy and updates from replay in turn, with evaluation, logs and checkpoints). Re-running on the
/// same logdir resumes from its checkpoint and episodes. Returns when cfg.steps frames are reached or `stop`
/// becomes true (it checkpoints first). Threads, LibTorch's seed and the allocator are the program's to set
/// (the CLI sets them from cfg.threads and rank_seed(cfg.seed, cfg.dist.rank)): the agent's initial weights draw
/// from LibTorch's generator. Throws dreamer::Error on bad input before the logdir is touched.
///
/// With cfg.dist.world_size > 1 this process is one learner of a data-parallel run (docs/distributed.md): every
/// rank calls train() with the same config but dist.rank; they start from rank 0's weights and average their
/// gradients every update. Rank 0 writes the checkpoint, config and metrics, each rank its episodes (rank r > 0
/// under <logdir>/rank<r>). Frames count every rank's. A lost rank makes train() throw GroupError on the others.
void train(const ResolvedConfig& rc, const TrainHooks& hooks = {});

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
