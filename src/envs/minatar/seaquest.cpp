// MinAtar Seaquest (spec §6): submarine, torpedoes, fish, shooting enemy subs, divers, oxygen and surfacing.
#include <algorithm>
#include <cstring>

#include "dreamer/envs/minatar.h"
#include "envs/board.h"

namespace dreamer {
namespace minatar {

namespace {
constexpr int kEnemyShotReload = 10;
constexpr int kDiverSpawnInterval = 30;
constexpr int kDiverMoveReload = 5;
constexpr int kTorpedoCooldown = 5;
constexpr int kDiverCapacity = 6;

using Entity = Seaquest::Entity;

/// Index of the oldest entity of `list` on (row, col), or -1.
template <class List>
int oldest_at(const List& list, int row, int col) {
  for (int i = 0; i < list.size(); ++i)
    if (list[i].row == row && list[i].col == col) return i;
  return -1;
}

/// Moves an entity one column in its direction.
void advance(Entity& e) { e.col = int8_t(e.col + direction(e.right)); }
}  // namespace

const std::vector<int>& Seaquest::minimal_actions() {
  static const std::vector<int> actions = {kNoop, kLeft, kUp, kRight, kDown, kFire};
  return actions;
}

void Seaquest::reset(UniformSource&) { state = State(); }

void Seaquest::spawn_enemy(UniformSource& rng) {
  Entity e;
  e.right = bernoulli(rng, 0.5);
  const bool is_sub = bernoulli(rng, 1.0 / 3.0);
  e.row = int8_t(uniform_int(rng, 1, 8));
  for (const auto* list : {&state.fish, &state.subs})
    for (const Entity& other : *list)
      if (other.row == e.row && other.right != e.right) return;  // opposite traffic: cancelled
  e.col = int8_t(e.right ? 0 : 9);
  e.move_countdown = int8_t(state.move_reload);
  if (is_sub) {
    e.shot_countdown = kEnemyShotReload;
    state.subs.push_back(e);
  } else {
    state.fish.push_back(e);
  }
}

void Seaquest::spawn_diver(UniformSource& rng) {
  Entity d;
  d.right = bernoulli(rng, 0.5);
  d.row = int8_t(uniform_int(rng, 1, 8));
  d.col = int8_t(d.right ? 0 : 9);
  d.move_countdown = kDiverMoveReload;
  state.divers.push_back(d);
}

void Seaquest::player_action(int action) {
  State& s = state;
  switch (action) {
    case kFire:
      if (s.fire_cooldown == 0) {
        Entity t;
        t.row = int8_t(s.sub_row);
        t.col = int8_t(s.sub_col);
        t.right = s.facing_right;
        s.torpedoes.push_back(t);
        s.fire_cooldown = kTorpedoCooldown;
      }
      break;
    case kLeft:
      s.sub_col = std::max(0, s.sub_col - 1);
      s.facing_right = false;
      break;
    case kRight:
      s.sub_col = std::min(9, s.sub_col + 1);
      s.facing_right = true;
      break;
    case kUp: s.sub_row = std::max(0, s.sub_row - 1); break;
    case kDown: s.sub_row = std::min(8, s.sub_row + 1); break;
    default: break;
  }
}

int Seaquest::move_torpedoes() {
  int reward = 0;
  for (int i = state.torpedoes.size() - 1; i >= 0; --i) {
    Entity& t = state.torpedoes[i];
    advance(t);
    if (!on_grid(t.col)) {
      state.torpedoes.erase(i);
      continue;
    }
    for (auto* targets : {&state.fish, &state.subs}) {
      const int hit = oldest_at(*targets, t.row, t.col);
      if (hit < 0) continue;
      targets->erase(hit);
      state.torpedoes.erase(i);
      ++reward;
      break;
    }
  }
  return reward;
}

void Seaquest::move_divers() {
  State& s = state;
  auto try_pickup = [&](int i) {
    if (!at_player(s.divers[i]) || s.divers_held >= kDiverCapacity) return false;
    s.divers.erase(i);
    ++s.divers_held;
    return true;
  };
  for (int i = s.divers.size() - 1; i >= 0; --i) {
    if (try_pickup(i)) continue;
    Entity& d = s.divers[i];
    int countdown = d.move_countdown;
    const bool moves = countdown_fires(countdown, kDiverMoveReload);
    d.move_countdown = int8_t(countdown);
    if (!moves) continue;
    advance(d);
    if (!on_grid(d.col))
      s.divers.erase(i);
    else
      try_pickup(i);
  }
}

int Seaquest::move_enemies(FixedList<Entity, 128>& enemies, bool shoot) {
  State& s = state;
  int reward = 0;
  for (int i = enemies.size() - 1; i >= 0; --i) {
    Entity e = enemies[i];  // a copy: the enemy may be removed and still fire
    bool removed = false;
    // 1. Contact.
    if (at_player(e)) s.terminal = true;
    // 2. Movement, then off-grid, player and torpedo checks.
    int countdown = e.move_countdown;
    if (countdown_fires(countdown, s.move_reload)) {
      advance(e);
      int torpedo = -1;
      if (!on_grid(e.col)) {
        removed = true;
      } else if (at_player(e)) {
        s.terminal = true;
      } else if ((torpedo = oldest_at(s.torpedoes, e.row, e.col)) >= 0) {
        s.torpedoes.erase(torpedo);
        removed = true;
        ++reward;
      }
    }
    e.move_countdown = int8_t(countdown);
    // 3. Shooting, even if the sub was just removed (QUIRK).
    if (shoot) {
      int shot = e.shot_countdown;
      if (countdown_fires(shot, kEnemyShotReload)) s.enemy_bullets.push_back(Entity{e.row, e.col, e.right, 0, 0});
      e.shot_countdown = int8_t(shot);
    }
    if (removed)
      enemies.erase(i);
    else
      enemies[i] = e;
  }
  return reward;
}

void Seaquest::move_bullets() {
  State& s = state;
  for (int i = s.enemy_bullets.size() - 1; i >= 0; --i) {
    Entity& b = s.enemy_bullets[i];
    if (at_player(b)) s.terminal = true;
    advance(b);
    if (!on_grid(b.col))
      s.enemy_bullets.erase(i);
    else if (at_player(b))
      s.terminal = true;
  }
}

int Seaquest::breathe() {
  State& s = state;
  if (s.oxygen <= 0) s.terminal = true;
  if (s.sub_row > 0) {
    --s.oxygen;
    s.surface = false;
    return 0;
  }
  if (s.surface) return 0;
  if (s.divers_held == 0) {
    s.terminal = true;
    return 0;
  }
  // A surfacing event.
  int bonus = 0;
  s.surface = true;
  if (s.divers_held == kDiverCapacity) {
    bonus = s.oxygen * 10 / kMaxOxygen;
    s.divers_held = 0;
  }
  s.oxygen = kMaxOxygen;
  --s.divers_held;
  if (ramping_ && (s.spawn_interval > 1 || s.move_reload > 2)) {
    if (s.move_reload > 2 && s.ramp % 2 == 1) --s.move_reload;
    if (s.spawn_interval > 1) --s.spawn_interval;
    ++s.ramp;
  }
  return bonus;
}

int Seaquest::step(int action, UniformSource& rng) {
  State& s = state;
  if (s.terminal) return 0;
  // 1-2. Spawns.
  if (s.spawn_countdown == 0) {
    spawn_enemy(rng);
    s.spawn_countdown = s.spawn_interval;
  }
  if (s.diver_countdown == 0) {
    s.diver_countdown = kDiverSpawnInterval;
    spawn_diver(rng);
  }
  // 3-8. Player, torpedoes, divers, enemy subs, enemy bullets, fish.
  player_action(action);
  int reward = move_torpedoes();
  move_divers();
  reward += move_enemies(s.subs, /*shoot=*/true);
  move_bullets();
  reward += move_enemies(s.fish, /*shoot=*/false);
  // 9. Countdowns.
  if (s.spawn_countdown > 0) --s.spawn_countdown;
  if (s.diver_countdown > 0) --s.diver_countdown;
  if (s.fire_cooldown > 0) --s.fire_cooldown;
  // 10. Oxygen and surface.
  return reward + breathe();
}

void Seaquest::observe(uint8_t* obs) const {
  const State& s = state;
  std::memset(obs, 0, kGrid * kGrid * kChannels);
  auto set = [obs](int row, int col, int channel) {
    if (row >= 0 && row < kGrid && on_grid(col)) set_board_cell(obs, kGrid, kChannels, row, col, channel);
  };
  auto set_with_trail = [&](const Entity& e, int channel) {
    set(e.row, e.col, channel);
    set(e.row, e.col - direction(e.right), 3);
  };
  set(s.sub_row, s.sub_col, 0);
  set(s.sub_row, s.sub_col + (s.facing_right ? -1 : 1), 1);
  for (const Entity& t : s.torpedoes) set(t.row, t.col, 2);
  for (const Entity& b : s.enemy_bullets) set(b.row, b.col, 4);
  for (const Entity& f : s.fish) set_with_trail(f, 5);
  for (const Entity& e : s.subs) set_with_trail(e, 6);
  for (const Entity& d : s.divers) set_with_trail(d, 9);
  const int oxygen_cells = std::max(s.oxygen, 0) / 20;
  for (int c = 0; c < oxygen_cells; ++c) set(9, c, 7);
  if (s.divers_held >= 1 && s.divers_held <= kDiverCapacity)
    for (int c = 9 - s.divers_held; c <= 8; ++c) set(9, c, 8);
}

}  // namespace minatar
}  // namespace dreamer
