// Test harness for MinAtar conformance (spec §8): observation hash, lcg actions, heuristic policies, scripted runs.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <functional>
#include <vector>

#include "dreamer/envs/minatar.h"
#include "dreamer/envs/random.h"

namespace dreamer {
namespace testing {

constexpr int kG = minatar::kGrid;

/// A read-only view of a 10x10xC board.
struct Board {
  const uint8_t* obs;
  int channels;
  bool at(int r, int c, int ch) const { return obs[(r * kG + c) * channels + ch] != 0; }
  int count(int ch) const {
    int n = 0;
    for (int r = 0; r < kG; ++r)
      for (int c = 0; c < kG; ++c) n += at(r, c, ch);
    return n;
  }
  /// First set cell of a channel in row-major order, or {-1, -1}.
  std::pair<int, int> find(int ch) const {
    for (int r = 0; r < kG; ++r)
      for (int c = 0; c < kG; ++c)
        if (at(r, c, ch)) return {r, c};
    return {-1, -1};
  }
};

/// Spec §8.3 observation value v: sum over set cells of 100c + 10r + x + 1.
inline uint64_t obs_value(const uint8_t* obs, int channels) {
  uint64_t v = 0;
  for (int r = 0; r < kG; ++r)
    for (int x = 0; x < kG; ++x)
      for (int c = 0; c < channels; ++c)
        if (obs[(r * kG + x) * channels + c]) v += uint64_t(100 * c + 10 * r + x + 1);
  return v;
}

/// Folds one observation into the running hash: H <- (31 H + v) mod 1 000 000 007.
inline uint64_t fold_hash(uint64_t h, const uint8_t* obs, int channels) {
  return (31 * h + obs_value(obs, channels)) % 1000000007ull;
}

/// The "lcg" action generator of §8.3 (state runs over the whole run).
struct LcgActions {
  uint64_t q = 1;
  int next() {
    q = (1103515245ull * q + 12345ull) % (1ull << 31);
    return int((q / 65536) % 6);
  }
};

using Policy = std::function<int(const uint8_t* obs)>;

/// Breakout "track": follow the ball's column with the paddle.
inline int track_policy(const uint8_t* obs) {
  Board b{obs, minatar::Breakout::kChannels};
  const int ball = b.find(1).second, paddle = b.find(0).second;
  return ball < paddle ? minatar::kLeft : ball > paddle ? minatar::kRight : minatar::kNoop;
}

/// "asterix-h" of §8.3.
inline int asterix_policy(const uint8_t* obs) {
  Board b{obs, minatar::Asterix::kChannels};
  const auto [pr, pc] = b.find(0);
  struct Move { int action, dr, dc; };
  const Move moves[] = {{0, 0, 0}, {2, -1, 0}, {4, 1, 0}, {1, 0, -1}, {3, 0, 1}};
  auto safe = [&](int r, int c) {
    if (r < 1 || r > 8 || c < 0 || c > 9) return false;
    for (int x = c - 1; x <= c + 1; ++x)
      if (x >= 0 && x < kG && b.at(r, x, 1)) return false;
    return true;
  };
  const bool any_gold = b.count(3) > 0;
  int best = -1, best_dist = 1 << 30;
  for (const Move& m : moves) {
    const int r = pr + m.dr, c = pc + m.dc;
    if (!safe(r, c)) continue;
    if (!any_gold) return m.action;
    int dist = 1 << 30;
    for (int gr = 0; gr < kG; ++gr)
      for (int gc = 0; gc < kG; ++gc)
        if (b.at(gr, gc, 3)) dist = std::min(dist, std::abs(gr - r) + std::abs(gc - c));
    if (dist < best_dist || (dist == best_dist && m.action < best)) {
      best = m.action;
      best_dist = dist;
    }
  }
  return best < 0 ? minatar::kNoop : best;
}

/// "seaquest-h" of §8.3.
inline int seaquest_policy(const uint8_t* obs) {
  using namespace minatar;
  Board b{obs, Seaquest::kChannels};
  const auto [y, x] = b.find(0);
  const bool facing_right = b.find(1).second < x;
  const int n_ox = b.count(7), n_div = b.count(8);
  if (y == 0) return kDown;
  if (n_div == 6 || (n_div >= 1 && n_ox <= 2)) return kUp;
  int target = -1;
  for (int c = 0; c < kG; ++c)
    if ((b.at(y, c, 5) || b.at(y, c, 6)) && (target < 0 || std::abs(c - x) < std::abs(target - x))) target = c;
  if (target >= 0) {
    const bool ahead = facing_right ? target > x : target < x;
    if (ahead) return kFire;
    return target > x ? kRight : kLeft;
  }
  int best_r = -1, best_c = -1, best_d = 1 << 30;
  for (int r = 0; r < kG; ++r)
    for (int c = 0; c < kG; ++c)
      if (b.at(r, c, 9)) {
        const int d = std::abs(r - y) + std::abs(c - x);
        if (d < best_d) {  // row-major scan: ties keep the smaller row, then column
          best_d = d;
          best_r = r;
          best_c = c;
        }
      }
  if (best_r < 0) return kNoop;
  if (best_r < y) return kUp;
  if (best_r > y) return kDown;
  if (best_c < x) return kLeft;
  if (best_c > x) return kRight;
  return kNoop;
}

/// "si-h" of §8.3.
inline int space_invaders_policy(const uint8_t* obs) {
  using namespace minatar;
  Board b{obs, SpaceInvaders::kChannels};
  const int c = b.find(0).second;
  auto safe = [&](int col) {
    return col >= 0 && col < kG && !b.at(7, col, 5) && !b.at(8, col, 5) && !b.at(9, col, 1);
  };
  int target = -1;
  for (int col = 0; col < kG; ++col) {
    bool alien = false;
    for (int r = 0; r < kG; ++r) alien = alien || b.at(r, col, 1);
    if (alien && (target < 0 || std::abs(col - c) < std::abs(target - c))) target = col;
  }
  if (target < 0) target = c;
  const int desired = target == c ? kFire : target < c ? kLeft : kRight;
  const int desired_col = desired == kFire ? c : desired == kLeft ? c - 1 : c + 1;
  if (safe(desired_col)) return desired;
  if (safe(c)) return kNoop;
  if (safe(c - 1)) return kLeft;
  if (safe(c + 1)) return kRight;
  return desired;
}

/// Totals of a scripted run (§8.3 table columns).
struct RunResult {
  int total_return = 0;
  int64_t total_steps = 0;
  uint64_t hash = 0;
  int first_return = 0, first_length = 0;
  uint64_t first_hash = 0;
  int64_t draws = 0;
};

/// Plays `episodes` back-to-back episodes of a game core on the scripted source (§8.3). With sticky > 0 one
/// extra uniform is drawn at the start of each step. `cap` > 0 ends an episode after that many steps.
template <class Game>
RunResult run_scripted(const Policy& policy, double sticky, int episodes, int cap = 0) {
  ScriptedLcg rng(12345);
  Game game(/*ramping=*/true);
  uint8_t obs[kG * kG * Game::kChannels];
  RunResult out;
  int previous = 0;
  for (int ep = 0; ep < episodes; ++ep) {
    game.reset(rng);
    game.observe(obs);
    out.hash = fold_hash(out.hash, obs, Game::kChannels);
    int ep_return = 0, ep_length = 0;
    while (!game.terminal() && !(cap > 0 && ep_length >= cap)) {
      int action = policy(obs);
      if (sticky > 0 && rng.uniform() < sticky) action = previous;
      previous = action;
      ep_return += game.step(action, rng);
      ++ep_length;
      game.observe(obs);
      out.hash = fold_hash(out.hash, obs, Game::kChannels);
    }
    out.total_return += ep_return;
    out.total_steps += ep_length;
    if (ep == 0) {
      out.first_return = ep_return;
      out.first_length = ep_length;
      out.first_hash = out.hash;
    }
  }
  out.draws = rng.draws();
  return out;
}

/// A policy drawing from the "lcg" generator (a fresh generator per policy object).
inline Policy lcg_policy() {
  auto gen = std::make_shared<LcgActions>();
  return [gen](const uint8_t*) { return gen->next(); };
}

/// A policy that always returns `action`.
inline Policy constant_policy(int action) {
  return [action](const uint8_t*) { return action; };
}

}  // namespace testing
}  // namespace dreamer
