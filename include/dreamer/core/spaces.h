// Observation and action spaces and one action: what envs, replay and the model all speak of.
#pragma once

#include <cstdint>
#include <vector>

namespace dreamer {

/// Observation space: a uint8 array laid out [height, width, channels] with values in [0, high].
struct ObsSpace {
  int height = 0;
  int width = 0;
  int channels = 0;
  int high = 255;  // largest value a cell takes: 255 for pixels, 1 for MinAtar's boolean boards
  int64_t size() const { return int64_t(height) * width * channels; }
};

/// Action space: `discrete` with `n` choices, or a continuous box [low, high]^n.
struct ActSpace {
  bool discrete = true;
  int n = 0;
  float low = -1.0f;
  float high = 1.0f;
};

/// Action size the model sees: n for a discrete space (one-hot), the box dimension otherwise.
inline int64_t action_dim(const ActSpace& space) { return space.n; }

/// One action. Discrete spaces read `index`; continuous spaces read `values` (size n). A policy gives an action
/// as the model sees it: `values` holds the one-hot vector of a discrete action too (make_env's envs check it
/// and take its index), and that same vector is what replay stores.
struct Action {
  int index = 0;
  std::vector<float> values;
};

}  // namespace dreamer
