// Environment throughput benchmark: random-policy agent steps per second on one core, per task.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "dreamer/envs/registry.h"

namespace dreamer {

/// One task's throughput.
struct EnvBenchResult {
  std::string task;
  double steps_per_second = 0;  // agent steps (step() calls, resets excluded from the count) per wall second
  int64_t steps = 0;            // steps measured
  int64_t episodes = 0;         // episodes finished while measuring
  double seconds = 0;           // wall time measured
};

/// Steps `task` (built by make_env with `opts`) for about `seconds` with uniformly random actions drawn in advance,
/// resetting at is_last, writing every observation into one reused buffer. Single-threaded.
EnvBenchResult bench_env(const std::string& task, const EnvOptions& opts, double seconds);

/// bench_env with default options for every MinAtar game and debug task.
std::vector<EnvBenchResult> bench_envs(double seconds_per_env);

}  // namespace dreamer
