// The training run behind `dreamer train`: collect with the policy, learn from replay, log, checkpoint.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include "dreamer/core/config.h"
#include "dreamer/envs/registry.h"

namespace dreamer {

/// What a run reports to its caller (the CLI draws a progress bar from it).
struct Progress {
  int64_t step = 0;        // environment frames so far
  int64_t total = 0;       // frames the run aims for
  int64_t updates = 0;     // training updates so far
  double fps = 0;          // frames per second since the run (re)started
  double updates_per_s = 0;
  double elapsed_s = 0;
  std::string phase;       // "prefill", "train", "done", "stopped"
  std::map<std::string, double> metrics;  // the means just logged (empty between logs)
  double last_return = 0;  // return of the latest finished training episode
  bool has_return = false;
};
using Reporter = std::function<void(const Progress&)>;

/// The env options a config asks for.
EnvOptions env_options(const Config& cfg);

/// Prepares `cfg.logdir`: creates it, refuses (dreamer::Error) one whose config.yaml differs from
/// `yaml` unless they match, and writes config.yaml. Returns true when the run resumes.
bool prepare_logdir(const std::string& logdir, const std::string& yaml);

/// Trains as the config says, in cfg.logdir; re-running on the same logdir resumes. Returns when
/// cfg.steps frames are reached or `stop` becomes true (then it checkpoints first).
void train(const ResolvedConfig& rc, const Reporter& report, const std::atomic<bool>* stop = nullptr);

}  // namespace dreamer
