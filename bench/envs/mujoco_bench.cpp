// MuJoCo throughput: physics and rendering timed apart on the same states, per task.
#include "mujoco_bench.h"

#include <chrono>

#include "dreamer/envs/mujoco.h"
#include "dreamer/envs/driver.h"

namespace dreamer {

std::vector<MujocoBenchResult> bench_mujoco(double seconds) {
  using Clock = std::chrono::steady_clock;
  std::vector<MujocoBenchResult> results;
  for (const std::string& task : mujoco_tasks()) {
    EnvPtr env = make_mujoco(task, MujocoOptions(), /*seed=*/0);
    std::vector<uint8_t> obs(size_t(env->obs_space().size()));
    Xoshiro256 rng(1);
    std::vector<Action> actions(4096);  // drawn in advance: the generator is not measured
    for (Action& a : actions) random_action(env->act_space(), rng, a);
    env->reset(obs.data());
    Clock::duration physics{}, rendering{};
    MujocoBenchResult r;
    r.task = "mujoco_" + task;
    const auto start = Clock::now();
    while (Clock::now() - start < std::chrono::duration<double>(seconds)) {
      TimeStep ts;
      const auto t0 = Clock::now();
      env->step_unobserved(actions[size_t(r.steps) % actions.size()], ts);
      const auto t1 = Clock::now();
      env->observe(obs.data());
      rendering += Clock::now() - t1;
      physics += t1 - t0;
      ++r.steps;
      if (ts.is_last) env->reset(obs.data());
    }
    r.physics_steps_per_second = double(r.steps) / std::chrono::duration<double>(physics).count();
    r.frames_per_second = double(r.steps) / std::chrono::duration<double>(rendering).count();
    results.push_back(r);
  }
  return results;
}

}  // namespace dreamer
