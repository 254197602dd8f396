// MinAtar Space Invaders (spec §7): cannon, sweeping alien formation, alien fire, wave refill. No randomness.
#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "dreamer/envs/minatar.h"
#include "envs/board.h"

namespace dreamer {
namespace minatar {

namespace {
constexpr int kShotCooldown = 5;
constexpr int kAlienShotInterval = 10;
constexpr int kMinInterval = 6;
constexpr uint16_t kLeftColumn = 1u << 0;
constexpr uint16_t kRightColumn = 1u << 9;
constexpr uint16_t kAllColumns = 0x3FF;
}  // namespace

const std::vector<int>& SpaceInvaders::minimal_actions() {
  static const std::vector<int> actions = {kNoop, kLeft, kRight, kFire};
  return actions;
}

CellMask SpaceInvaders::alien_block() {
  CellMask block;
  for (int r = 0; r <= 3; ++r)
    for (int c = 2; c <= 7; ++c) block.set(r, c);
  return block;
}

void SpaceInvaders::reset(UniformSource&) {
  state = State();
  state.aliens = alien_block();
}

void SpaceInvaders::move_formation() {
  State& s = state;
  s.move_countdown = std::min(s.aliens.count(), s.interval);
  const uint16_t columns = s.aliens.columns();
  if ((!s.right && (columns & kLeftColumn)) || (s.right && (columns & kRightColumn))) {
    s.right = !s.right;
    if (s.aliens.rows[9]) s.terminal = true;
    const uint16_t bottom = s.aliens.rows[9];  // wraps to row 0; only visible in a terminal frame
    for (int r = 9; r > 0; --r) s.aliens.rows[r] = s.aliens.rows[r - 1];
    s.aliens.rows[0] = bottom;
  } else {
    for (uint16_t& row : s.aliens.rows) row = uint16_t(s.right ? (row << 1) & kAllColumns : row >> 1);
  }
  if (s.aliens.get(9, s.cannon)) s.terminal = true;
}

void SpaceInvaders::alien_fire() {
  State& s = state;
  const uint16_t columns = s.aliens.columns();
  int shooter_col = -1;
  for (int c = 0; c < kGrid; ++c)  // increasing columns: a tie keeps the left one
    if (((columns >> c) & 1u) && (shooter_col < 0 || std::abs(c - s.cannon) < std::abs(shooter_col - s.cannon)))
      shooter_col = c;
  if (shooter_col < 0) return;
  for (int r = kGrid - 1; r >= 0; --r)
    if (s.aliens.get(r, shooter_col)) {
      s.alien_bullets.set(r, shooter_col);
      return;
    }
}

int SpaceInvaders::step(int action, UniformSource&) {
  State& s = state;
  if (s.terminal) return 0;
  // 1. Player action.
  if (action == kFire && s.fire_cooldown == 0) {
    s.player_bullets.set(9, s.cannon);
    s.fire_cooldown = kShotCooldown;
  } else if (action == kLeft) {
    s.cannon = std::max(0, s.cannon - 1);
  } else if (action == kRight) {
    s.cannon = std::min(9, s.cannon + 1);
  }
  // 2. Player bullets move up; row 0 leaves.
  for (int r = 0; r < kGrid - 1; ++r) s.player_bullets.rows[r] = s.player_bullets.rows[r + 1];
  s.player_bullets.rows[9] = 0;
  // 3. Alien bullets move down; row 9 leaves.
  for (int r = kGrid - 1; r > 0; --r) s.alien_bullets.rows[r] = s.alien_bullets.rows[r - 1];
  s.alien_bullets.rows[0] = 0;
  if (s.alien_bullets.get(9, s.cannon)) s.terminal = true;
  // 4. An alien on the cannon.
  if (s.aliens.get(9, s.cannon)) s.terminal = true;
  // 5. Formation move.
  if (s.move_countdown == 0) move_formation();
  // 6. Alien fire.
  if (s.shot_countdown == 0) {
    s.shot_countdown = kAlienShotInterval;
    alien_fire();
  }
  // 7. Hits.
  int reward = 0;
  for (int r = 0; r < kGrid; ++r) {
    const uint16_t hits = s.aliens.rows[r] & s.player_bullets.rows[r];
    reward += __builtin_popcount(hits);
    s.aliens.rows[r] = uint16_t(s.aliens.rows[r] & ~hits);
    s.player_bullets.rows[r] = uint16_t(s.player_bullets.rows[r] & ~hits);
  }
  // 8. Countdowns.
  if (s.fire_cooldown > 0) --s.fire_cooldown;
  --s.move_countdown;
  --s.shot_countdown;
  // 9. Wave refill.
  if (s.aliens.empty()) {
    if (ramping_ && s.interval > kMinInterval) {
      --s.interval;
      ++s.ramp;
    }
    s.aliens = alien_block();
  }
  return reward;
}

void SpaceInvaders::observe(uint8_t* obs) const {
  const State& s = state;
  std::memset(obs, 0, kGrid * kGrid * kChannels);
  set_board_cell(obs, kGrid, kChannels, 9, s.cannon, 0);
  const int direction_channel = s.right ? 3 : 2;
  for (int r = 0; r < kGrid; ++r) {
    for (uint32_t bits = s.aliens.rows[r]; bits; bits &= bits - 1) {
      set_board_cell(obs, kGrid, kChannels, r, __builtin_ctz(bits), 1);
      set_board_cell(obs, kGrid, kChannels, r, __builtin_ctz(bits), direction_channel);
    }
    for (uint32_t bits = s.player_bullets.rows[r]; bits; bits &= bits - 1)
      set_board_cell(obs, kGrid, kChannels, r, __builtin_ctz(bits), 4);
    for (uint32_t bits = s.alien_bullets.rows[r]; bits; bits &= bits - 1)
      set_board_cell(obs, kGrid, kChannels, r, __builtin_ctz(bits), 5);
  }
}

}  // namespace minatar
}  // namespace dreamer
