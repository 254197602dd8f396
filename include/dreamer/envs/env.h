// The environment interface: time steps, images, and the Env base class every task implements (spaces: core/spaces.h).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "dreamer/core/error.h"
#include "dreamer/core/spaces.h"

namespace dreamer {

/// What one reset or step reports besides the observation.
/// `is_terminal`: the episode ended inside the task (no bootstrap). `is_last`: the episode ended,
/// either terminal or cut by a time limit. `is_first`: this observation starts an episode.
struct TimeStep {
  float reward = 0.0f;
  bool is_first = false;
  bool is_last = false;
  bool is_terminal = false;
};

/// An RGB image [height, width, 3], row-major.
struct Image {
  int height = 0;
  int width = 0;
  std::vector<uint8_t> rgb;
};

/// A task. Each instance owns its random generator, seeded at construction from (seed, index).
/// Observations are written into caller-owned buffers of obs_space().size() bytes.
class Env {
 public:
  virtual ~Env() = default;
  virtual const ObsSpace& obs_space() const = 0;
  virtual const ActSpace& act_space() const = 0;
  /// Starts an episode and writes its first observation. Returns is_first = true, reward 0.
  virtual TimeStep reset(uint8_t* obs) = 0;
  /// Advances one agent step and writes the next observation.
  virtual TimeStep step(const Action& action, uint8_t* obs) = 0;
  /// For envs whose observation costs (Atari's screen): advances like step() into `out` without writing the
  /// observation and returns true. The default does nothing and returns false: the caller then uses step().
  /// ActionRepeat uses it for the frames nobody observes.
  virtual bool step_unobserved(const Action& action, TimeStep& out) { return false; }
  /// Writes the current observation; called only after step_unobserved returned true.
  virtual void observe(uint8_t* obs) const {}
  /// Renders the current state as RGB.
  virtual Image render() const = 0;
  /// The env this one wraps, or null for a base env (wrappers override it; see find_env in wrappers.h).
  virtual Env* wrapped() { return nullptr; }

 protected:
  /// step() of an env that implements step_unobserved() and observe(): the step, then its observation.
  TimeStep step_then_observe(const Action& action, uint8_t* obs) {
    TimeStep ts;
    step_unobserved(action, ts);
    observe(obs);
    return ts;
  }
};

using EnvPtr = std::unique_ptr<Env>;

}  // namespace dreamer
