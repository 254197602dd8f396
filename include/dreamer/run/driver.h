// The driver: steps a batch of envs with a policy and hands every transition to its consumers.
#pragma once

#include <cstdint>
#include <functional>
#include <random>
#include <vector>

#include "dreamer/envs/batch_env.h"

namespace dreamer {

/// Chooses one action per env from the current observations [N, H, W, C] and their time steps
/// (is_first tells a policy with memory to reset).
using Policy = std::function<void(const uint8_t* obs, const std::vector<TimeStep>& steps, std::vector<Action>& actions)>;

/// Receives every transition: env index, its observation, the action that led to it as the model
/// sees it (one-hot or continuous; zeros on is_first) and its time step.
using StepFn = std::function<void(int env, const uint8_t* obs, const float* action, const TimeStep& ts)>;

class Driver {
 public:
  explicit Driver(BatchEnv& envs);

  /// Steps every env once with `policy` (an env that ended is reset instead). The first call only
  /// resets. Returns the number of env steps taken (transitions that are not episode starts).
  int64_t step(const Policy& policy, const StepFn& on_step);

  BatchEnv& envs() { return envs_; }

 private:
  void emit(const StepFn& on_step, const std::vector<Action>* actions);

  BatchEnv& envs_;
  std::vector<uint8_t> obs_;
  std::vector<TimeStep> steps_;
  std::vector<Action> actions_;
  std::vector<float> action_vec_;
  bool started_ = false;
};

/// A uniformly random policy for the space: a uniform index, or uniform in the box.
Policy random_policy(const ActSpace& space, uint64_t seed);

/// The action vector the model sees: one-hot [n] for a discrete space, the values otherwise.
void action_vector(const ActSpace& space, const Action& action, float* out);

}  // namespace dreamer
