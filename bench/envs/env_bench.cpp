// Environment throughput benchmark: random-policy agent steps per second on one core.
#include "env_bench.h"

#include <chrono>

#include "dreamer/envs/driver.h"

namespace dreamer {

EnvBenchResult bench_env(const std::string& task, const EnvOptions& opts, double seconds) {
  using Clock = std::chrono::steady_clock;
  EnvPtr env = make_env(task, opts, /*seed=*/0, /*index=*/0);
  // Pre-drawn actions: the policy's generator is not part of the measurement.
  constexpr int kActions = 1 << 16, kChunk = 4096;
  Xoshiro256 rng(1);
  std::vector<Action> actions(kActions);
  const ActSpace& space = env->act_space();
  for (Action& a : actions) random_action(space, rng, a);  // as the driver gives them: one-hot values
  std::vector<uint8_t> obs(size_t(env->obs_space().size()));

  EnvBenchResult result;
  result.task = task;
  env->reset(obs.data());
  const auto start = Clock::now();
  const auto budget = std::chrono::duration<double>(seconds);
  int next = 0;
  do {
    for (int i = 0; i < kChunk; ++i) {
      if (env->step(actions[size_t(next)], obs.data()).is_last) {
        env->reset(obs.data());
        ++result.episodes;
      }
      next = (next + 1) & (kActions - 1);
    }
    result.steps += kChunk;
  } while (Clock::now() - start < budget);
  result.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  result.steps_per_second = double(result.steps) / result.seconds;
  return result;
}

std::vector<EnvBenchResult> bench_envs(double seconds_per_env) {
  std::vector<EnvBenchResult> results;
  for (const std::string& task : available_tasks()) results.push_back(bench_env(task, EnvOptions(), seconds_per_env));
  return results;
}

}  // namespace dreamer
