// The driver: steps a batch of envs with a policy and hands every transition to its consumers; the random policy.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "dreamer/envs/batch_env.h"
#include "dreamer/envs/random.h"

namespace dreamer {

/// Chooses one action per env from the current observations [N, H, W, C] and their time steps (is_first tells a
/// policy with memory to reset). Each action is given as the model sees it, in `values` (one-hot [n] for a discrete
/// space, with `index` set too; the box's values otherwise): the same vector goes to the env and to replay. The
/// action of an env whose step is_last is not taken (the env resets) and may be left as it is.
using Policy = std::function<void(const uint8_t* obs, const std::vector<TimeStep>& steps, std::vector<Action>& actions)>;

/// Receives every transition: env index, its observation, the action that led to it as the model sees it (the
/// policy's `values`; zeros on is_first) and its time step.
using StepFn = std::function<void(int env, const uint8_t* obs, const float* action, const TimeStep& ts)>;

class Driver {
 public:
  explicit Driver(BatchEnv& envs);

  /// Steps every env once with `policy` (an env that ended is reset instead). The first call only resets.
  /// Returns the number of env steps taken (transitions that are not episode starts). Throws dreamer::Error when
  /// the policy gives an action whose `values` do not have the space's n entries.
  int64_t step(const Policy& policy, const StepFn& on_step);

  BatchEnv& envs() { return envs_; }

 private:
  void emit(const StepFn& on_step);

  BatchEnv& envs_;
  std::vector<uint8_t> obs_;
  std::vector<TimeStep> steps_;
  std::vector<Action> actions_;
  std::vector<float> zeros_;  // the action at an episode start
  bool started_ = false;
};

/// Sets `action` to a uniformly random one, as a Policy gives it: a uniform index (rng.below(n)) and its one-hot
/// values, or each value low + u (high - low) with u = rng.uniform().
void random_action(const ActSpace& space, Xoshiro256& rng, Action& action);

/// The uniformly random policy (random_action) with its own generator seeded from `seed`; it draws nothing for
/// an env whose step is_last (that env resets), so one env's stream is the same however the episodes fall.
Policy random_policy(const ActSpace& space, uint64_t seed);

}  // namespace dreamer
