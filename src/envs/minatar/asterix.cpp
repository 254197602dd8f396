// MinAtar Asterix (spec §4): eight lanes of enemies and gold on one shared movement clock, time-based ramp.
#include <algorithm>
#include <cstring>

#include "dreamer/envs/minatar.h"
#include "envs/board.h"

namespace dreamer {
namespace minatar {

const std::vector<int>& Asterix::minimal_actions() {
  static const std::vector<int> actions = {kNoop, kLeft, kUp, kRight, kDown};
  return actions;
}

void Asterix::reset(UniformSource&) { state = State(); }

void Asterix::spawn(UniformSource& rng) {
  const bool right = bernoulli(rng, 0.5);
  const bool gold = bernoulli(rng, 1.0 / 3.0);
  int free_lanes[8], n_free = 0;
  for (int i = 0; i < 8; ++i)
    if (!state.lanes[i].present) free_lanes[n_free++] = i;
  if (n_free == 0) return;
  Lane& lane = state.lanes[free_lanes[uniform_int(rng, 0, n_free - 1)]];
  lane.present = true;
  lane.right = right;
  lane.gold = gold;
  lane.col = right ? 0 : 9;
}

int Asterix::touch(Lane& lane) {
  if (lane.gold) {
    lane.present = false;
    return 1;
  }
  state.terminal = true;
  return 0;
}

void Asterix::ramp_clock() {
  State& s = state;
  if (!ramping_ || (s.spawn_interval <= 1 && s.move_interval <= 1)) return;
  if (s.ramp_countdown >= 0) {
    --s.ramp_countdown;
    return;
  }
  if (s.move_interval > 1 && s.ramp % 2 == 1) --s.move_interval;
  if (s.spawn_interval > 1) --s.spawn_interval;
  ++s.ramp;
  s.ramp_countdown = 100;
}

int Asterix::step(int action, UniformSource& rng) {
  State& s = state;
  if (s.terminal) return 0;
  // 1. Spawn.
  if (s.spawn_countdown == 0) {
    spawn(rng);
    s.spawn_countdown = s.spawn_interval;
  }
  // 2. Player move.
  if (action == kLeft) s.player_col = std::max(0, s.player_col - 1);
  if (action == kRight) s.player_col = std::min(9, s.player_col + 1);
  if (action == kUp) s.player_row = std::max(1, s.player_row - 1);
  if (action == kDown) s.player_row = std::min(8, s.player_row + 1);
  // 3. Contact check.
  int reward = 0;
  Lane& player_lane = s.lanes[s.player_row - 1];
  if (player_lane.present && player_lane.col == s.player_col) reward += touch(player_lane);
  // 4. Movement.
  if (s.move_countdown == 0) {
    s.move_countdown = s.move_interval;
    for (int i = 0; i < 8; ++i) {
      Lane& lane = s.lanes[i];
      if (!lane.present) continue;
      lane.col += direction(lane.right);
      if (!on_grid(lane.col))
        lane.present = false;
      else if (i + 1 == s.player_row && lane.col == s.player_col)
        reward += touch(lane);
    }
  }
  // 5. Countdowns.
  --s.spawn_countdown;
  --s.move_countdown;
  // 6. Ramp.
  ramp_clock();
  return reward;
}

void Asterix::observe(uint8_t* obs) const {
  std::memset(obs, 0, kGrid * kGrid * kChannels);
  set_board_cell(obs, kGrid, kChannels, state.player_row, state.player_col, 0);
  for (int i = 0; i < 8; ++i) {
    const Lane& lane = state.lanes[i];
    if (!lane.present) continue;
    set_board_cell(obs, kGrid, kChannels, i + 1, lane.col, lane.gold ? 3 : 1);
    const int back = lane.col - direction(lane.right);
    if (on_grid(back)) set_board_cell(obs, kGrid, kChannels, i + 1, back, 2);
  }
}

}  // namespace minatar
}  // namespace dreamer
