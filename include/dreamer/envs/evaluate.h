// Playing episodes and summarising them: the episode tracker, play_episodes, and the random-policy baseline.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "dreamer/envs/driver.h"
#include "dreamer/envs/registry.h"

namespace dreamer {

/// Mean and standard error (sample standard deviation / sqrt(episodes); 0 for one episode) of episode return and
/// length (agent steps).
struct ReturnStats {
  int episodes = 0;
  double mean_return = 0, stderr_return = 0;
  double mean_length = 0, stderr_length = 0;
};

/// The stats of finished episodes' returns and lengths (equal-sized, at least one episode).
ReturnStats summarize_episodes(const std::vector<double>& returns, const std::vector<double>& lengths);

/// The stats of the union of the episodes `parts` summarise (parts with no episodes are skipped), exactly as
/// summarize_episodes of all of them: how data-parallel ranks pool their evaluation episodes.
ReturnStats merge_stats(const std::vector<ReturnStats>& parts);

/// A finished episode's return and length (agent steps).
struct EpisodeResult {
  double ret = 0;
  int64_t length = 0;
};

/// Sums the rewards and counts the steps of each env's ongoing episode.
class EpisodeTracker {
 public:
  explicit EpisodeTracker(int envs);
  /// Adds env `env`'s time step; returns the episode when `ts` ends it.
  std::optional<EpisodeResult> add(int env, const TimeStep& ts);

 private:
  std::vector<EpisodeResult> ongoing_;
};

/// Steps `driver` with `policy` until `episodes` episodes have finished (counted from the driver's current
/// state; the first ones to finish are kept) and summarises them. `on_step` (optional) sees every transition.
/// Throws dreamer::Error for episodes < 1. Episodes that never end are the caller's to bound (a time limit).
ReturnStats play_episodes(Driver& driver, const Policy& policy, int episodes, const StepFn& on_step = nullptr);

/// Plays `episodes` episodes of `task` (one env, make_env(task, opts, seed, 0)) with random_policy seeded from
/// env_seed(seed, -1), a stream apart from every env's: a (task, opts, episodes, seed) tuple always gives the same
/// stats. Throws dreamer::Error for episodes < 1 or a bad task.
ReturnStats evaluate_random(const std::string& task, const EnvOptions& opts, int episodes, uint64_t seed);

}  // namespace dreamer
