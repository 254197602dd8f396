// A scripted Env for wrapper tests: programmable frames, rewards and episode end; records the actions it gets.
#pragma once

#include <cstring>
#include <functional>
#include <vector>

#include "dreamer/envs/env.h"

namespace dreamer {
namespace testing {

class FakeEnv : public Env {
 public:
  /// frame(t, obs) writes the observation after t steps (t = 0 at reset); reward(t) is the reward of step t;
  /// the episode ends (terminal) at step `end` (0 = never).
  FakeEnv(ObsSpace space, int n_actions, int end) : space_(space), end_(end) {
    act_.n = n_actions;
    frame = [this](int t, uint8_t* obs) { std::memset(obs, t, size_t(space_.size())); };
    reward = [](int t) { return float(t); };
  }
  const ObsSpace& obs_space() const override { return space_; }
  const ActSpace& act_space() const override { return act_; }
  TimeStep reset(uint8_t* obs) override {
    t_ = 0;
    ++resets;
    frame(0, obs);
    TimeStep ts;
    ts.is_first = true;
    return ts;
  }
  TimeStep step(const Action& action, uint8_t* obs) override {
    TimeStep ts = advance(action);
    frame(t_, obs);
    ++observed;
    return ts;
  }
  /// Declines unless `skips` is set, as an env with cheap observations does.
  bool step_unobserved(const Action& action, TimeStep& out) override {
    if (!skips) return false;
    out = advance(action);
    ++unobserved;
    return true;
  }
  void observe(uint8_t* obs) const override { frame(t_, obs); }
  Image render() const override { return Image{1, 1, {1, 2, 3}}; }

  std::function<void(int, uint8_t*)> frame;
  std::function<float(int)> reward;
  std::vector<int> actions;  // every index received by step() or step_unobserved()
  int resets = 0;
  bool skips = false;        // accept step_unobserved (as AtariEnv does)
  int observed = 0, unobserved = 0;  // steps taken through step() and through step_unobserved()

 private:
  TimeStep advance(const Action& action) {
    ++t_;
    actions.push_back(action.index);
    TimeStep ts;
    ts.reward = reward(t_);
    ts.is_last = ts.is_terminal = end_ > 0 && t_ >= end_;
    return ts;
  }
  ObsSpace space_;
  ActSpace act_;
  int end_;
  int t_ = 0;
};

}  // namespace testing
}  // namespace dreamer
