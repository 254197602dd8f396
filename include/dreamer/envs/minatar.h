// MinAtar game cores (Breakout, Asterix, Freeway, Seaquest, Space Invaders) and the MinAtar env factory.
//
// Each core implements one game exactly as the behavioural spec (reference/minatar.md, MinAtar 1.0.15) says:
// phase order, countdown conventions and quirks. A core holds its whole state in a public `State` struct (tests
// set it directly) and draws all randomness from a caller-supplied UniformSource (tests script it). The cores know
// nothing of sticky actions or action sets: MinAtarEnv (make_minatar) adds the wrapper semantics of spec §2.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "dreamer/envs/env.h"
#include "dreamer/envs/random.h"

namespace dreamer {
namespace minatar {

/// The board is kGrid x kGrid cells; observations are [row][column][channel] uint8 0/1.
constexpr int kGrid = 10;
/// Full action set: every game accepts all six indices.
constexpr int kNumActions = 6;
enum ActionIndex : int { kNoop = 0, kLeft = 1, kUp = 2, kRight = 3, kDown = 4, kFire = 5 };
/// ramp_level() of the games without a difficulty ramp.
constexpr int kNoRamp = -1;

/// The shared countdown rule "if zero: reload and fire, else decrement". Returns true when it fires.
inline bool countdown_fires(int& counter, int reload) {
  if (counter == 0) {
    counter = reload;
    return true;
  }
  --counter;
  return false;
}

/// Horizontal step of an entity: +1 for a right-mover, -1 for a left-mover.
inline int direction(bool right) { return right ? 1 : -1; }
/// Whether a column lies on the board.
inline bool on_grid(int col) { return col >= 0 && col < kGrid; }

/// A set of cells as one 10-bit mask per row (bit c = column c).
struct CellMask {
  uint16_t rows[kGrid] = {};
  bool get(int r, int c) const { return (rows[r] >> c) & 1u; }
  void set(int r, int c) { rows[r] = uint16_t(rows[r] | (1u << c)); }
  void clear(int r, int c) { rows[r] = uint16_t(rows[r] & ~(1u << c)); }
  bool empty() const;
  int count() const;
  /// OR of all rows: bit c set iff column c holds a cell.
  uint16_t columns() const;
};

// ------------------------------------------------------------------------------------------------------------
/// Breakout (spec §3).
class Breakout {
 public:
  static constexpr const char* kName = "breakout";
  static constexpr int kChannels = 4;  // paddle, ball, trail, brick
  static const std::vector<int>& minimal_actions();
  struct State {
    int paddle = 4;                    // paddle column P, on row 9
    int ball_row = 3, ball_col = 0;    // ball cell
    int ball_dr = 1, ball_dc = 1;      // heading: row step (+1 down) and column step (+1 right)
    int trail_row = 3, trail_col = 0;  // ball cell at the start of the last step
    CellMask bricks;                   // brick grid
    bool strike = false;               // the previous step's target was a brick
    bool terminal = false;
  };
  /// Starts in the left-start reset state (no draw); call reset() to draw the side.
  explicit Breakout(bool /*ramping: Breakout has no ramp*/ = true) { reset_side(0); }
  /// One fair draw picks the start side (integer in [0,1], 0 = left).
  void reset(UniformSource& rng);
  /// Reset with the start side forced: 0 = column 0 heading down-right, 1 = column 9 heading down-left.
  void reset_side(int side);
  /// Advances one frame; returns the reward. On a terminated game: nothing, reward 0.
  int step(int action, UniformSource& rng);
  bool terminal() const { return state.terminal; }
  int ramp_level() const { return kNoRamp; }
  /// Writes the 10x10xkChannels observation (every byte).
  void observe(uint8_t* obs) const;
  State state;
};

// ------------------------------------------------------------------------------------------------------------
/// Asterix (spec §4).
class Asterix {
 public:
  static constexpr const char* kName = "asterix";
  static constexpr int kChannels = 4;  // player, enemy, trail, gold
  static const std::vector<int>& minimal_actions();
  struct Lane {
    bool present = false;  // the lane holds an entity
    int col = 0;
    bool right = false;  // moving right (entered at column 0)
    bool gold = false;   // gold, else enemy
  };
  struct State {
    int player_row = 5, player_col = 5;
    Lane lanes[8];                  // lanes[i] is row i + 1
    int spawn_interval = 10;        // S
    int spawn_countdown = 10;       // s
    int move_interval = 5;          // M
    int move_countdown = 5;         // m
    int ramp_countdown = 100;       // R
    int ramp = 0;                   // k, 0..9
    bool terminal = false;
  };
  explicit Asterix(bool ramping = true) : ramping_(ramping) {}
  void reset(UniformSource& rng);
  int step(int action, UniformSource& rng);
  bool terminal() const { return state.terminal; }
  int ramp_level() const { return state.ramp; }
  void observe(uint8_t* obs) const;
  State state;

 private:
  void spawn(UniformSource& rng);
  int touch(Lane& lane);  // the gold/enemy contact rule; returns the reward
  void ramp_clock();
  bool ramping_;
};

// ------------------------------------------------------------------------------------------------------------
/// Freeway (spec §5).
class Freeway {
 public:
  static constexpr const char* kName = "freeway";
  static constexpr int kChannels = 7;  // chicken, car, speed1..speed5
  static const std::vector<int>& minimal_actions();
  struct Car {
    int col = 0;
    int velocity = 1;   // signed: |v| = speed k in 1..5, sign = direction
    int countdown = 1;  // movement countdown, reloaded with k
  };
  struct State {
    int chicken_row = 9;  // c, the chicken is in column 4
    int cooldown = 3;     // t
    Car cars[8];          // cars[i] is on row i + 1
    int time = 2500;      // T
    bool terminal = false;
  };
  /// Starts with every car at column 0, speed 1, moving right (no draw); call reset() to draw the cars.
  explicit Freeway(bool /*ramping: Freeway has no ramp*/ = true) {}
  void reset(UniformSource& rng);
  int step(int action, UniformSource& rng);
  bool terminal() const { return state.terminal; }
  int ramp_level() const { return kNoRamp; }
  void observe(uint8_t* obs) const;
  State state;

 private:
  void draw_cars(UniformSource& rng);  // 8 speeds then 8 directions; countdowns = new speeds
};

// ------------------------------------------------------------------------------------------------------------
/// A fixed-capacity list kept in creation order (oldest first); no allocation.
template <class T, int N>
class FixedList {
 public:
  int size() const { return n_; }
  bool empty() const { return n_ == 0; }
  T& operator[](int i) { return items_[i]; }
  const T& operator[](int i) const { return items_[i]; }
  void push_back(const T& item) {
    if (n_ == N) throw Error("MinAtar: entity list capacity exceeded");
    items_[n_++] = item;
  }
  void erase(int i) {
    for (int j = i + 1; j < n_; ++j) items_[j - 1] = items_[j];
    --n_;
  }
  void clear() { n_ = 0; }
  const T* begin() const { return items_; }
  const T* end() const { return items_ + n_; }

 private:
  T items_[N];
  int n_ = 0;
};

/// Seaquest (spec §6).
class Seaquest {
 public:
  static constexpr const char* kName = "seaquest";
  static constexpr int kChannels = 10;  // sub_front, sub_back, friendly_bullet, trail, enemy_bullet,
                                        // enemy_fish, enemy_sub, oxygen_gauge, diver_gauge, diver
  static const std::vector<int>& minimal_actions();
  static constexpr int kMaxOxygen = 200;
  /// A torpedo, bullet, fish, enemy sub or diver. Countdowns unused by a kind stay 0.
  struct Entity {
    int8_t row = 0, col = 0;
    bool right = false;      // moving right
    int8_t move_countdown = 0;
    int8_t shot_countdown = 0;  // enemy subs only
  };
  struct State {
    int sub_row = 0, sub_col = 5;  // front cell (y, x)
    bool facing_right = false;
    int oxygen = kMaxOxygen;  // O
    int divers_held = 0;      // D, signed (can become negative)
    int fire_cooldown = 0;    // f
    FixedList<Entity, 16> torpedoes;
    FixedList<Entity, 256> enemy_bullets;
    FixedList<Entity, 128> fish;
    FixedList<Entity, 128> subs;
    FixedList<Entity, 16> divers;
    int spawn_interval = 20;   // S
    int spawn_countdown = 20;  // e
    int diver_countdown = 30;  // g
    int move_reload = 5;       // M
    int ramp = 0;              // k, 0..19
    bool surface = true;       // at-surface flag
    bool terminal = false;
  };
  explicit Seaquest(bool ramping = true) : ramping_(ramping) {}
  void reset(UniformSource& rng);
  int step(int action, UniformSource& rng);
  bool terminal() const { return state.terminal; }
  int ramp_level() const { return state.ramp; }
  void observe(uint8_t* obs) const;
  State state;

 private:
  void spawn_enemy(UniformSource& rng);
  void spawn_diver(UniformSource& rng);
  void player_action(int action);
  int move_torpedoes();
  void move_divers();
  int move_enemies(FixedList<Entity, 128>& enemies, bool shoot);
  void move_bullets();
  int breathe();  // phase 10: oxygen and surfacing; returns the surfacing bonus
  bool at_player(const Entity& e) const { return e.row == state.sub_row && e.col == state.sub_col; }
  bool ramping_;
};

// ------------------------------------------------------------------------------------------------------------
/// Space Invaders (spec §7). No randomness.
class SpaceInvaders {
 public:
  static constexpr const char* kName = "space_invaders";
  static constexpr int kChannels = 6;  // cannon, alien, alien_left, alien_right, friendly_bullet, enemy_bullet
  static const std::vector<int>& minimal_actions();
  static constexpr int kBaseInterval = 12;
  struct State {
    int cannon = 5;                        // P, on row 9
    CellMask aliens, player_bullets, alien_bullets;
    bool right = false;                    // formation direction
    int interval = kBaseInterval;          // I
    int move_countdown = kBaseInterval;    // m
    int shot_countdown = 10;               // a
    int fire_cooldown = 0;                 // f
    int ramp = 0;                          // k, 0..6
    bool terminal = false;
  };
  explicit SpaceInvaders(bool ramping = true) : ramping_(ramping) { state.aliens = alien_block(); }
  void reset(UniformSource& rng);
  int step(int action, UniformSource& rng);
  bool terminal() const { return state.terminal; }
  int ramp_level() const { return state.ramp; }
  void observe(uint8_t* obs) const;
  /// Places the 4x6 alien block in rows 0-3, columns 2-7.
  static CellMask alien_block();
  State state;

 private:
  void move_formation();
  void alien_fire();
  bool ramping_;
};

}  // namespace minatar

/// Construction parameters of a MinAtar env (spec §2).
struct MinAtarOptions {
  double sticky = 0.1;           // probability that the previous executed action is repeated
  bool ramping = true;           // difficulty ramping (Asterix, Seaquest, Space Invaders)
  bool minimal_actions = false;  // expose the game's minimal action set instead of all six
};

/// A MinAtar game behind the Env interface with the wrapper semantics of spec §2: one sticky draw per step
/// (also on a terminated game), the previous executed action kept across resets, minimal actions mapped to
/// full indices before stickiness. Observations are 10x10xC uint8 0/1, high = 1.
class MinAtarEnv : public Env {
 public:
  /// The game's name: breakout, asterix, freeway, seaquest or space_invaders.
  virtual const std::string& game() const = 0;
  /// Current difficulty-ramp level (Asterix 0-9, Seaquest 0-19, Space Invaders 0-6), minatar::kNoRamp if none.
  virtual int ramp_level() const = 0;
  /// The full action index (0-5) executed by the last step, after stickiness.
  virtual int last_executed_action() const = 0;
};

/// The five game names, in the order of the spec.
const std::vector<std::string>& minatar_games();

/// Builds a MinAtar env. `rng` is the source of every draw (sticky first, then the game's); null means an
/// own xoshiro256** seeded with `seed`. Throws dreamer::Error for an unknown game.
std::unique_ptr<MinAtarEnv> make_minatar(const std::string& game, const MinAtarOptions& options, uint64_t seed,
                                         std::unique_ptr<UniformSource> rng = nullptr);

}  // namespace dreamer
