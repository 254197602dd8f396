// Env wrappers: action repeat, time limit, sticky actions, one-hot actions, reward transforms, image resize/grayscale.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "dreamer/envs/env.h"
#include "dreamer/envs/random.h"

namespace dreamer {

/// Base of all wrappers: owns the wrapped env and forwards every call to it.
class Wrapper : public Env {
 public:
  /// Throws dreamer::Error if `env` is null.
  explicit Wrapper(EnvPtr env);
  const ObsSpace& obs_space() const override { return env_->obs_space(); }
  const ActSpace& act_space() const override { return env_->act_space(); }
  TimeStep reset(uint8_t* obs) override { return env_->reset(obs); }
  TimeStep step(const Action& action, uint8_t* obs) override { return env_->step(action, obs); }
  Image render() const override { return env_->render(); }
  Env* wrapped() override { return env_.get(); }

 protected:
  EnvPtr env_;
};

/// The first env of type T in the wrapper chain starting at `env` (itself included), or null.
template <class T>
T* find_env(Env& env) {
  for (Env* e = &env; e; e = e->wrapped())
    if (auto* found = dynamic_cast<T*>(e)) return found;
  return nullptr;
}

/// Repeats each action `repeat` times, summing rewards and stopping early at is_last; is_terminal is that of any
/// frame. With `max_pool`, the observation is the element-wise max of the last two frames (as Atari agents do
/// against flicker), or the final frame alone when the episode ended before the repeat ran in full.
class ActionRepeat final : public Wrapper {
 public:
  ActionRepeat(EnvPtr env, int repeat, bool max_pool = false);
  TimeStep step(const Action& action, uint8_t* obs) override;

 private:
  int repeat_;
  bool max_pool_;
  std::vector<uint8_t> frames_[2];  // the last two inner frames, when max pooling
};

/// Cuts episodes after `limit` agent steps: that step reports is_last = true, is_terminal = false.
/// Further steps without a reset keep reporting is_last.
class TimeLimit final : public Wrapper {
 public:
  TimeLimit(EnvPtr env, int limit);
  TimeStep reset(uint8_t* obs) override;
  TimeStep step(const Action& action, uint8_t* obs) override;
  /// Agent steps since the last reset.
  int elapsed() const { return elapsed_; }

 private:
  int limit_;
  int elapsed_ = 0;
};

/// With probability `p` executes the previously executed action instead of the requested one (one draw per
/// step, from the wrapper's own generator). The memory starts at action 0 / zeros and survives resets.
class StickyActions final : public Wrapper {
 public:
  StickyActions(EnvPtr env, double p, uint64_t seed);
  TimeStep step(const Action& action, uint8_t* obs) override;

 private:
  double p_;
  Xoshiro256 rng_;
  Action previous_;
};

/// Accepts a one-hot `values` vector for a discrete env (exactly n entries, one 1 and the rest 0) and forwards its
/// index. An action with empty `values` passes through unchanged. Throws dreamer::Error on anything else.
class OneHotAction final : public Wrapper {
 public:
  explicit OneHotAction(EnvPtr env);
  TimeStep step(const Action& action, uint8_t* obs) override;

 private:
  Action forwarded_;
};

/// How RewardTransform maps each reward.
enum class RewardKind { identity, tanh, sign };
/// "identity", "tanh" or "sign"; throws dreamer::Error naming the bad value otherwise.
RewardKind parse_reward_kind(const std::string& name);

/// Transforms every step's reward: identity, tanh(r), or the sign of r (-1, 0, +1).
class RewardTransform final : public Wrapper {
 public:
  RewardTransform(EnvPtr env, RewardKind kind);
  TimeStep step(const Action& action, uint8_t* obs) override;

 private:
  RewardKind kind_;
};

/// Interpolation of ResizeImage: bilinear (half-pixel centres, edge clamped) or area (mean over the covered
/// source area, exact for integer down-scaling).
enum class ResizeMethod { bilinear, area };
/// "bilinear" or "area"; throws dreamer::Error naming the bad value otherwise.
ResizeMethod parse_resize_method(const std::string& name);

/// Precomputed separable resampling of [H, W, C] uint8 images to [h, w, C].
class ImageResizer {
 public:
  ImageResizer(int in_h, int in_w, int out_h, int out_w, int channels, ResizeMethod method);
  /// `in` holds in_h*in_w*channels bytes, `out` out_h*out_w*channels bytes.
  void operator()(const uint8_t* in, uint8_t* out) const;

 private:
  struct Taps {
    std::vector<int> offset;  // taps of output i are [offset[i], offset[i+1])
    std::vector<int> index;
    std::vector<float> weight;
  };
  static Taps make_taps(int in, int out, ResizeMethod method);
  int in_w_, out_h_, out_w_, channels_;
  Taps rows_, cols_;
  mutable std::vector<float> rows_buffer_;  // [out_h, in_w * C]: the vertical pass
  mutable std::vector<float> cols_buffer_;  // its transpose [in_w * C, out_h]
  mutable std::vector<float> column_;       // [out_h]: one output column being summed
};

/// Resizes image observations to [height, width, C].
class ResizeImage final : public Wrapper {
 public:
  ResizeImage(EnvPtr env, int height, int width, ResizeMethod method = ResizeMethod::area);
  const ObsSpace& obs_space() const override { return space_; }
  TimeStep reset(uint8_t* obs) override;
  TimeStep step(const Action& action, uint8_t* obs) override;

 private:
  ObsSpace space_;
  ImageResizer resize_;
  std::vector<uint8_t> inner_;
};

/// Converts RGB observations ([H, W, 3]) to one luminance channel: round(0.299 R + 0.587 G + 0.114 B).
class Grayscale final : public Wrapper {
 public:
  explicit Grayscale(EnvPtr env);
  const ObsSpace& obs_space() const override { return space_; }
  TimeStep reset(uint8_t* obs) override;
  TimeStep step(const Action& action, uint8_t* obs) override;

 private:
  void convert(uint8_t* obs) const;
  ObsSpace space_;
  std::vector<uint8_t> inner_;
};

}  // namespace dreamer
