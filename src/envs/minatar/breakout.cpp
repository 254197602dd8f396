// MinAtar Breakout (spec §3): paddle, diagonal ball, three rows of bricks, delayed refill.
#include <algorithm>
#include <cstring>

#include "dreamer/envs/minatar.h"
#include "envs/board.h"

namespace dreamer {
namespace minatar {

namespace {
constexpr uint16_t kFullRow = 0x3FF;
void fill_bricks(CellMask& bricks) {
  for (int r = 1; r <= 3; ++r) bricks.rows[r] = kFullRow;
}
}  // namespace

const std::vector<int>& Breakout::minimal_actions() {
  static const std::vector<int> actions = {kNoop, kLeft, kRight};
  return actions;
}

void Breakout::reset(UniformSource& rng) { reset_side(uniform_int(rng, 0, 1)); }

void Breakout::reset_side(int side) {
  state = State();
  fill_bricks(state.bricks);
  state.ball_row = 3;
  state.ball_col = side == 0 ? 0 : 9;
  state.ball_dr = 1;
  state.ball_dc = side == 0 ? 1 : -1;
  state.trail_row = state.ball_row;
  state.trail_col = state.ball_col;
}

int Breakout::step(int action, UniformSource&) {
  State& s = state;
  if (s.terminal) return 0;
  // 1. Paddle.
  if (action == kLeft) s.paddle = std::max(0, s.paddle - 1);
  if (action == kRight) s.paddle = std::min(9, s.paddle + 1);
  // 2. Trail.
  const int old_row = s.ball_row, old_col = s.ball_col;
  s.trail_row = old_row;
  s.trail_col = old_col;
  // 3. Tentative target.
  int row = old_row + s.ball_dr, col = old_col + s.ball_dc;
  // 4. Side walls.
  if (!on_grid(col)) {
    col = std::clamp(col, 0, 9);
    s.ball_dc = -s.ball_dc;
  }
  // 5. Vertical resolution: the first matching case.
  int reward = 0;
  bool brick_contact = false;
  if (row < 0) {  // ceiling
    row = 0;
    s.ball_dr = -s.ball_dr;
  } else if (s.bricks.get(row, col)) {
    brick_contact = true;
    if (!s.strike) {
      reward = 1;
      s.bricks.clear(row, col);
      s.strike = true;
      s.ball_dr = -s.ball_dr;
      row = old_row;
    }
  } else if (row == 9) {  // paddle row
    if (s.bricks.empty()) fill_bricks(s.bricks);
    if (old_col == s.paddle) {
      s.ball_dr = -s.ball_dr;
      row = 8;
    } else if (col == s.paddle) {
      s.ball_dr = -s.ball_dr;
      s.ball_dc = -s.ball_dc;
      row = 8;
    } else {
      s.terminal = true;
    }
  }
  // 6. Strike flag.
  if (!brick_contact) s.strike = false;
  // 7. Move.
  s.ball_row = row;
  s.ball_col = col;
  return reward;
}

void Breakout::observe(uint8_t* obs) const {
  std::memset(obs, 0, kGrid * kGrid * kChannels);
  set_board_cell(obs, kGrid, kChannels, 9, state.paddle, 0);
  set_board_cell(obs, kGrid, kChannels, state.ball_row, state.ball_col, 1);
  set_board_cell(obs, kGrid, kChannels, state.trail_row, state.trail_col, 2);
  for (int r = 0; r < kGrid; ++r)
    for (uint32_t bits = state.bricks.rows[r]; bits; bits &= bits - 1)
      set_board_cell(obs, kGrid, kChannels, r, __builtin_ctz(bits), 3);
}

}  // namespace minatar
}  // namespace dreamer
