// Random-policy evaluation of any task, without LibTorch: the baseline returns behind `dreamer eval --policy random`.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

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

/// Plays `episodes` episodes of `task` (built by make_env(task, opts, seed, 0)) with uniformly random actions:
/// a uniform index for discrete spaces, uniform in [low, high]^n for continuous ones. The policy's generator is
/// seeded from `seed` too, so a (task, opts, episodes, seed) tuple always gives the same stats. Episodes that never
/// end are the caller's to bound with opts.time_limit. Throws dreamer::Error for episodes < 1 or a bad task.
ReturnStats evaluate_random(const std::string& task, const EnvOptions& opts, int episodes, uint64_t seed);

/// The same on an env the caller built (any Env, e.g. a wrapped one); `seed` seeds the policy only.
ReturnStats evaluate_random(Env& env, int episodes, uint64_t seed);

}  // namespace dreamer
