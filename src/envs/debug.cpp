// The debug tasks debug_catch and debug_goal (definitions in include/dreamer/envs/debug.h).
#include "dreamer/envs/debug.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "dreamer/envs/random.h"
#include "envs/board.h"

namespace dreamer {

namespace {

constexpr int kSize = 10;

/// Shared shape of both tasks: a 10x10x2 board, a discrete action space, its own generator.
class BoardTask : public Env {
 public:
  BoardTask(int actions, uint64_t seed) : rng_(seed) {
    obs_space_ = ObsSpace{kSize, kSize, 2, /*high=*/1};
    act_space_.discrete = true;
    act_space_.n = actions;
  }
  const ObsSpace& obs_space() const override { return obs_space_; }
  const ActSpace& act_space() const override { return act_space_; }
  Image render() const override {
    uint8_t board[kSize * kSize * 2];
    observe(board);
    return render_board(board, kSize, kSize, 2);
  }

 protected:
  virtual void observe(uint8_t* obs) const = 0;
  // Starts the episode whose state reset() has just drawn: writes its observation, returns is_first.
  TimeStep begin(uint8_t* obs) {
    started_ = true;
    done_ = false;
    observe(obs);
    TimeStep ts;
    ts.is_first = true;
    return ts;
  }
  void check(const Action& action, const char* name) const {
    if (!started_) throw Error(std::string(name) + ": step() called before reset()");
    if (action.index < 0 || action.index >= act_space_.n)
      throw Error(std::string(name) + ": action index " + std::to_string(action.index) + " is outside [0, " +
                  std::to_string(act_space_.n) + ")");
  }
  void write(uint8_t* obs, int r0, int c0, int r1, int c1) const {
    std::memset(obs, 0, kSize * kSize * 2);
    set_board_cell(obs, kSize, 2, r0, c0, 0);
    set_board_cell(obs, kSize, 2, r1, c1, 1);
  }
  Xoshiro256 rng_;
  bool started_ = false;
  bool done_ = false;

 private:
  ObsSpace obs_space_;
  ActSpace act_space_;
};

class Catch final : public BoardTask {
 public:
  explicit Catch(uint64_t seed) : BoardTask(3, seed) {}
  TimeStep reset(uint8_t* obs) override {
    ball_row_ = 0;
    ball_col_ = int(rng_.below(kSize));
    paddle_ = 4;
    return begin(obs);
  }
  TimeStep step(const Action& action, uint8_t* obs) override {
    check(action, "debug_catch");
    TimeStep ts;
    if (!done_) {
      if (action.index == 1) paddle_ = std::max(0, paddle_ - 1);
      if (action.index == 2) paddle_ = std::min(kSize - 1, paddle_ + 1);
      ++ball_row_;
      if (ball_row_ == kSize - 1) {
        done_ = true;
        ts.reward = paddle_ == ball_col_ ? 1.0f : -1.0f;  // +1 catch, -1 miss (as bsuite's Catch)
      }
    }
    ts.is_last = ts.is_terminal = done_;
    observe(obs);
    return ts;
  }

 private:
  void observe(uint8_t* obs) const override { write(obs, ball_row_, ball_col_, kSize - 1, paddle_); }
  int ball_row_ = 0, ball_col_ = 0, paddle_ = 4;
};

class Goal final : public BoardTask {
 public:
  static constexpr int kMaxDistance = 6;
  static constexpr int kStepLimit = 10;
  explicit Goal(uint64_t seed) : BoardTask(5, seed) {}
  TimeStep reset(uint8_t* obs) override {
    row_ = int(rng_.below(kSize));
    col_ = int(rng_.below(kSize));
    int d = 0;
    do {  // rejection sampling: uniform among the cells at distance 1..kMaxDistance
      goal_row_ = int(rng_.below(kSize));
      goal_col_ = int(rng_.below(kSize));
      d = std::abs(goal_row_ - row_) + std::abs(goal_col_ - col_);
    } while (d < 1 || d > kMaxDistance);
    steps_ = 0;
    return begin(obs);
  }
  TimeStep step(const Action& action, uint8_t* obs) override {
    check(action, "debug_goal");
    TimeStep ts;
    if (!done_) {
      static constexpr int kDr[5] = {0, 0, -1, 0, 1}, kDc[5] = {0, -1, 0, 1, 0};
      row_ = std::clamp(row_ + kDr[action.index], 0, kSize - 1);
      col_ = std::clamp(col_ + kDc[action.index], 0, kSize - 1);
      ++steps_;
      if (row_ == goal_row_ && col_ == goal_col_) {
        ts.reward = 1.0f;
        ts.is_terminal = true;
        done_ = true;
      } else if (steps_ >= kStepLimit) {
        done_ = true;
      }
      reached_ = ts.is_terminal;
    } else {
      ts.is_terminal = reached_;
    }
    ts.is_last = done_;
    observe(obs);
    return ts;
  }

 private:
  void observe(uint8_t* obs) const override { write(obs, row_, col_, goal_row_, goal_col_); }
  int row_ = 0, col_ = 0, goal_row_ = 0, goal_col_ = 1, steps_ = 0;
  bool reached_ = false;
};

}  // namespace

const std::vector<std::string>& debug_tasks() {
  static const std::vector<std::string> tasks = {"catch", "goal"};
  return tasks;
}

EnvPtr make_debug(const std::string& name, uint64_t seed) {
  if (name == "catch") return std::make_unique<Catch>(seed);
  if (name == "goal") return std::make_unique<Goal>(seed);
  throw Error("unknown debug task '" + name + "'; valid tasks: debug_catch, debug_goal");
}

}  // namespace dreamer
