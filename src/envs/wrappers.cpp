// Env wrappers: action repeat, time limit, sticky actions, one-hot actions, reward transforms, image resize/grayscale.
#include "dreamer/envs/wrappers.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace dreamer {

Wrapper::Wrapper(EnvPtr env) : env_(std::move(env)) {
  if (!env_) throw Error("wrapper: the wrapped env is null");
}

// --------------------------------------------------------------------------------------------- ActionRepeat

ActionRepeat::ActionRepeat(EnvPtr env, int repeat, bool max_pool)
    : Wrapper(std::move(env)), repeat_(repeat), max_pool_(max_pool) {
  if (repeat < 1) throw Error("action_repeat must be >= 1, got " + std::to_string(repeat));
  if (max_pool_)
    for (auto& frame : frames_) frame.resize(size_t(env_->obs_space().size()));
}

TimeStep ActionRepeat::step(const Action& action, uint8_t* obs) {
  // Frames from `first_observed` on are read (the last one, or the last two when max pooling); the others are
  // stepped unobserved where the env allows it, and read only if the episode ends on them.
  const int first_observed = max_pool_ ? repeat_ - 2 : repeat_ - 1;
  TimeStep out;
  float total = 0.0f;
  bool terminal = false;  // any frame's: an Atari life loss may fall on any frame of the repeat
  int taken = 0;
  while (taken < repeat_) {
    uint8_t* target = max_pool_ ? frames_[taken % 2].data() : obs;
    if (taken >= first_observed || !env_->step_unobserved(action, out)) {
      out = env_->step(action, target);
    } else if (out.is_last) {
      env_->observe(target);
    }
    total += out.reward;
    terminal = terminal || out.is_terminal;
    ++taken;
    if (out.is_last) break;
  }
  out.reward = total;
  out.is_terminal = terminal;
  if (max_pool_) {
    // The max of the last two frames when the repeat ran in full; after an early end, the final frame alone
    // (the other buffer may hold a frame of an earlier step).
    const size_t n = frames_[0].size();
    if (taken == repeat_ && repeat_ >= 2) {
      for (size_t i = 0; i < n; ++i) obs[i] = std::max(frames_[0][i], frames_[1][i]);
    } else {
      std::memcpy(obs, frames_[(taken - 1) % 2].data(), n);
    }
  }
  return out;
}

// ------------------------------------------------------------------------------------------------ TimeLimit

TimeLimit::TimeLimit(EnvPtr env, int limit) : Wrapper(std::move(env)), limit_(limit) {
  if (limit < 1) throw Error("time_limit must be >= 1 (0 means no TimeLimit wrapper), got " + std::to_string(limit));
}

TimeStep TimeLimit::reset(uint8_t* obs) {
  elapsed_ = 0;
  return env_->reset(obs);
}

TimeStep TimeLimit::step(const Action& action, uint8_t* obs) {
  TimeStep ts = env_->step(action, obs);
  if (++elapsed_ >= limit_ && !ts.is_last) ts.is_last = true;  // a cut, not a terminal
  return ts;
}

// -------------------------------------------------------------------------------------------- StickyActions

StickyActions::StickyActions(EnvPtr env, double p, uint64_t seed) : Wrapper(std::move(env)), p_(p), rng_(seed) {
  if (!(p >= 0.0 && p <= 1.0)) throw Error("sticky probability must be in [0, 1], got " + std::to_string(p));
  if (!env_->act_space().discrete) previous_.values.assign(size_t(env_->act_space().n), 0.0f);
}

TimeStep StickyActions::step(const Action& action, uint8_t* obs) {
  if (!(rng_.uniform() < p_)) previous_ = action;
  return env_->step(previous_, obs);
}

// --------------------------------------------------------------------------------------------- OneHotAction

OneHotAction::OneHotAction(EnvPtr env) : Wrapper(std::move(env)) {
  if (!env_->act_space().discrete) throw Error("one-hot actions need a discrete action space");
}

TimeStep OneHotAction::step(const Action& action, uint8_t* obs) {
  if (action.values.empty()) return env_->step(action, obs);
  const int n = env_->act_space().n;
  if (int(action.values.size()) != n)
    throw Error("one-hot action has " + std::to_string(action.values.size()) + " entries, expected " +
                std::to_string(n));
  int index = -1;
  for (int i = 0; i < n; ++i) {
    const float v = action.values[size_t(i)];
    if (v == 1.0f && index < 0) {
      index = i;
    } else if (v != 0.0f) {
      throw Error("action is not one-hot: entry " + std::to_string(i) + " is " + std::to_string(v));
    }
  }
  if (index < 0) throw Error("action is not one-hot: no entry is 1");
  forwarded_.index = index;
  return env_->step(forwarded_, obs);
}

// ------------------------------------------------------------------------------------------ RewardTransform

RewardKind parse_reward_kind(const std::string& name) {
  if (name == "identity") return RewardKind::identity;
  if (name == "tanh") return RewardKind::tanh;
  if (name == "sign") return RewardKind::sign;
  throw Error("unknown reward transform '" + name + "'; valid: identity, tanh, sign");
}

RewardTransform::RewardTransform(EnvPtr env, RewardKind kind) : Wrapper(std::move(env)), kind_(kind) {}

TimeStep RewardTransform::step(const Action& action, uint8_t* obs) {
  TimeStep ts = env_->step(action, obs);
  switch (kind_) {
    case RewardKind::identity: break;
    case RewardKind::tanh: ts.reward = std::tanh(ts.reward); break;
    case RewardKind::sign: ts.reward = float((ts.reward > 0.0f) - (ts.reward < 0.0f)); break;
  }
  return ts;
}

// ----------------------------------------------------------------------------------------------- Resizing

ResizeMethod parse_resize_method(const std::string& name) {
  if (name == "area") return ResizeMethod::area;
  if (name == "bilinear") return ResizeMethod::bilinear;
  throw Error("unknown resize method '" + name + "'; valid: area, bilinear");
}

ImageResizer::Taps ImageResizer::make_taps(int in, int out, ResizeMethod method) {
  Taps taps;
  const double scale = double(in) / double(out);
  taps.offset.push_back(0);
  for (int o = 0; o < out; ++o) {
    if (method == ResizeMethod::bilinear) {
      const double src = std::clamp((o + 0.5) * scale - 0.5, 0.0, double(in - 1));
      const int i0 = int(std::floor(src));
      const int i1 = std::min(i0 + 1, in - 1);
      const float f = float(src - i0);
      taps.index.push_back(i0);
      taps.weight.push_back(1.0f - f);
      if (i1 != i0 && f > 0.0f) {
        taps.index.push_back(i1);
        taps.weight.push_back(f);
      }
    } else {  // area: overlap of [o*scale, (o+1)*scale) with each source cell, normalised
      const double lo = o * scale, hi = (o + 1) * scale;
      for (int i = int(std::floor(lo)); i < int(std::ceil(hi)) && i < in; ++i) {
        const double overlap = std::min(hi, double(i + 1)) - std::max(lo, double(i));
        if (overlap <= 1e-12) continue;
        taps.index.push_back(i);
        taps.weight.push_back(float(overlap / scale));
      }
    }
    taps.offset.push_back(int(taps.index.size()));
  }
  return taps;
}

ImageResizer::ImageResizer(int in_h, int in_w, int out_h, int out_w, int channels, ResizeMethod method)
    : in_w_(in_w), out_h_(out_h), out_w_(out_w), channels_(channels) {
  if (in_h < 1 || in_w < 1 || out_h < 1 || out_w < 1 || channels < 1)
    throw Error("resize: sizes must be positive, got " + std::to_string(in_h) + "x" + std::to_string(in_w) + " -> " +
                std::to_string(out_h) + "x" + std::to_string(out_w));
  rows_ = make_taps(in_h, out_h, method);
  cols_ = make_taps(in_w, out_w, method);
  rows_buffer_.resize(size_t(out_h) * in_w * channels);
  cols_buffer_.resize(rows_buffer_.size());
  column_.resize(size_t(out_h));
}

void ImageResizer::operator()(const uint8_t* in, uint8_t* out) const {
  const int row_len = in_w_ * channels_;
  // 1. Vertical pass, vectorised along the row: rows[oy][j] = sum of weight * in[row][j].
  float* rows = rows_buffer_.data();
  for (int oy = 0; oy < out_h_; ++oy) {
    float* dst = rows + size_t(oy) * row_len;
    for (int t = rows_.offset[oy]; t < rows_.offset[oy + 1]; ++t) {
      const uint8_t* src = in + size_t(rows_.index[t]) * row_len;
      const float w = rows_.weight[t];
      if (t == rows_.offset[oy]) {
        for (int j = 0; j < row_len; ++j) dst[j] = w * float(src[j]);
      } else {
        for (int j = 0; j < row_len; ++j) dst[j] += w * float(src[j]);
      }
    }
  }
  // 2. Transposed, so that 3. the horizontal pass runs along the output column: contiguous loads for every
  // tap instead of one gathered load per output pixel (3x faster for Atari's 210x160 -> 64x64).
  float* cols = cols_buffer_.data();
  for (int oy = 0; oy < out_h_; ++oy)
    for (int j = 0; j < row_len; ++j) cols[size_t(j) * out_h_ + oy] = rows[size_t(oy) * row_len + j];
  float* acc = column_.data();
  for (int ox = 0; ox < out_w_; ++ox)
    for (int c = 0; c < channels_; ++c) {
      std::fill(acc, acc + out_h_, 0.0f);
      for (int t = cols_.offset[ox]; t < cols_.offset[ox + 1]; ++t) {
        const float w = cols_.weight[t];
        const float* src = cols + size_t(cols_.index[t] * channels_ + c) * out_h_;
        for (int oy = 0; oy < out_h_; ++oy) acc[oy] += w * src[oy];
      }
      // Weights are positive and sum to 1: acc is in [0, 255] up to rounding; + 0.5 then truncation rounds.
      for (int oy = 0; oy < out_h_; ++oy)
        out[(size_t(oy) * out_w_ + ox) * channels_ + c] = uint8_t(std::min(acc[oy] + 0.5f, 255.0f));
    }
}

ResizeImage::ResizeImage(EnvPtr env, int height, int width, ResizeMethod method)
    : Wrapper(std::move(env)),
      space_{height, width, env_->obs_space().channels, env_->obs_space().high},
      resize_(env_->obs_space().height, env_->obs_space().width, height, width, env_->obs_space().channels, method),
      inner_(size_t(env_->obs_space().size())) {}

TimeStep ResizeImage::reset(uint8_t* obs) {
  TimeStep ts = env_->reset(inner_.data());
  resize_(inner_.data(), obs);
  return ts;
}

TimeStep ResizeImage::step(const Action& action, uint8_t* obs) {
  TimeStep ts = env_->step(action, inner_.data());
  resize_(inner_.data(), obs);
  return ts;
}

Grayscale::Grayscale(EnvPtr env)
    : Wrapper(std::move(env)),
      space_{env_->obs_space().height, env_->obs_space().width, 1, env_->obs_space().high},
      inner_(size_t(env_->obs_space().size())) {
  if (env_->obs_space().channels != 3)
    throw Error("grayscale needs RGB observations (3 channels), got " + std::to_string(env_->obs_space().channels));
}

void Grayscale::convert(uint8_t* obs) const {
  const size_t pixels = inner_.size() / 3;
  for (size_t i = 0; i < pixels; ++i) {
    const uint8_t* p = &inner_[3 * i];
    obs[i] = uint8_t(std::lround(0.299f * p[0] + 0.587f * p[1] + 0.114f * p[2]));
  }
}

TimeStep Grayscale::reset(uint8_t* obs) {
  TimeStep ts = env_->reset(inner_.data());
  convert(obs);
  return ts;
}

TimeStep Grayscale::step(const Action& action, uint8_t* obs) {
  TimeStep ts = env_->step(action, inner_.data());
  convert(obs);
  return ts;
}

}  // namespace dreamer
