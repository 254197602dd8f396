// MinAtar spec §8.1 timing checks, §8.2 state-injection scenarios, the deterministic hash table, channel layouts.
#include <gtest/gtest.h>

#include <set>

#include "minatar_harness.h"

namespace dreamer {
namespace testing {
namespace {

using namespace minatar;

/// A source that fails the test if a game draws from it.
struct NoDraws final : UniformSource {
  double uniform() override {
    ADD_FAILURE() << "unexpected random draw";
    return 0.0;
  }
};

/// A source returning scripted values, then `fill` forever; counts draws.
struct SequenceSource final : UniformSource {
  std::vector<double> values;
  double fill = 0.5;
  size_t next = 0;
  double uniform() override { return next < values.size() ? values[next++] : (++next, fill); }
};

/// A source with a constant value that counts its draws.
struct ConstantSource final : UniformSource {
  explicit ConstantSource(double v) : value(v) {}
  double value;
  int64_t draws = 0;
  double uniform() override {
    ++draws;
    return value;
  }
};

struct Episode {
  int ret = 0, length = 0;
  uint64_t hash = 0;
};

/// Plays one episode from the game's current state (already reset), hashing from the current observation.
template <class Game>
Episode play(Game& game, UniformSource& rng, const Policy& policy, int cap = 0) {
  uint8_t obs[kG * kG * Game::kChannels];
  game.observe(obs);
  Episode ep;
  ep.hash = fold_hash(0, obs, Game::kChannels);
  while (!game.terminal() && !(cap > 0 && ep.length >= cap)) {
    ep.ret += game.step(policy(obs), rng);
    ++ep.length;
    game.observe(obs);
    ep.hash = fold_hash(ep.hash, obs, Game::kChannels);
  }
  return ep;
}

Policy cycle_policy(std::vector<int> actions) {
  auto i = std::make_shared<size_t>(0);
  return [actions, i](const uint8_t*) { return actions[(*i)++ % actions.size()]; };
}

// ============================================================ Breakout ===========================================

TEST(Breakout, NoopFromEitherSide) {
  NoDraws rng;
  Breakout game;
  game.reset_side(0);
  Episode left = play(game, rng, constant_policy(kNoop));
  EXPECT_EQ(left.ret, 0);
  EXPECT_EQ(left.length, 6);
  EXPECT_EQ(left.hash, 811761342u);
  game.reset_side(1);
  Episode right = play(game, rng, constant_policy(kNoop));
  EXPECT_EQ(right.ret, 1);
  EXPECT_EQ(right.length, 16);
  EXPECT_EQ(right.hash, 655028138u);
}

TEST(Breakout, AlwaysLeftOrRightMissesAtStepSix) {
  NoDraws rng;
  for (int side : {0, 1})
    for (int action : {kLeft, kRight}) {
      Breakout game;
      game.reset_side(side);
      Episode ep = play(game, rng, constant_policy(action));
      EXPECT_EQ(ep.ret, 0) << side << " " << action;
      EXPECT_EQ(ep.length, 6) << side << " " << action;
    }
}

TEST(Breakout, WorkedExampleBounce) {
  NoDraws rng;
  Breakout game;
  game.reset_side(1);
  for (int i = 0; i < 5; ++i) game.step(kNoop, rng);
  EXPECT_EQ(game.state.ball_row, 8);
  EXPECT_EQ(game.state.ball_col, 4);
  game.step(kNoop, rng);
  EXPECT_EQ(game.state.ball_row, 8);
  EXPECT_EQ(game.state.ball_col, 3);
  EXPECT_EQ(game.state.ball_dr, -1);  // up-left
  EXPECT_EQ(game.state.ball_dc, -1);
}

TEST(Breakout, TrackingPolicyScheduleBothSides) {
  NoDraws rng;
  const std::vector<std::pair<int, int>> checkpoints = {{100, 9},    {500, 43},    {1000, 84},  {2000, 168},
                                                        {5000, 417}, {10000, 834}, {20000, 1668}};
  for (int side : {0, 1}) {
    Breakout game;
    game.reset_side(side);
    uint8_t obs[kG * kG * Breakout::kChannels];
    game.observe(obs);
    int total = 0;
    size_t next = 0;
    for (int t = 1; t <= 20000; ++t) {
      total += game.step(track_policy(obs), rng);
      game.observe(obs);
      ASSERT_FALSE(game.terminal()) << "missed at step " << t;
      if (next < checkpoints.size() && t == checkpoints[next].first) {
        EXPECT_EQ(total, checkpoints[next].second) << "side " << side << " step " << t;
        ++next;
      }
    }
  }
}

TEST(Breakout, TrackingHashes) {
  NoDraws rng;
  Breakout game;
  game.reset_side(0);
  Episode left = play(game, rng, track_policy, 5000);
  EXPECT_EQ(left.ret, 417);
  EXPECT_EQ(left.hash, 506550344u);
  game.reset_side(1);
  Episode right = play(game, rng, track_policy, 5000);
  EXPECT_EQ(right.ret, 417);
  EXPECT_EQ(right.length, 5000);
  EXPECT_EQ(right.hash, 530106211u);
}

TEST(Breakout, PassThroughScenario) {  // §8.2.1
  NoDraws rng;
  Breakout game;
  game.reset_side(0);
  Breakout::State& s = game.state;
  s.bricks.clear(2, 3);
  s.ball_row = s.trail_row = 2;
  s.ball_col = s.trail_col = 3;
  s.ball_dr = 1;
  s.ball_dc = 1;
  s.strike = false;
  s.paddle = 4;

  EXPECT_EQ(game.step(kNoop, rng), 1);
  EXPECT_FALSE(s.bricks.get(3, 4));
  EXPECT_EQ(s.ball_row, 2);
  EXPECT_EQ(s.ball_col, 4);
  EXPECT_EQ(s.ball_dr, -1);
  EXPECT_EQ(s.ball_dc, 1);
  EXPECT_TRUE(s.bricks.get(2, 4));
  EXPECT_EQ(s.bricks.count(), 28);

  EXPECT_EQ(game.step(kNoop, rng), 0);
  EXPECT_EQ(s.ball_row, 1);
  EXPECT_EQ(s.ball_col, 5);
  EXPECT_TRUE(s.bricks.get(1, 5));

  game.step(kNoop, rng);
  EXPECT_EQ(s.ball_row, 0);
  EXPECT_EQ(s.ball_col, 6);

  game.step(kNoop, rng);
  EXPECT_EQ(s.ball_row, 0);
  EXPECT_EQ(s.ball_col, 7);
  EXPECT_EQ(s.ball_dr, 1);
  EXPECT_EQ(s.ball_dc, 1);

  EXPECT_EQ(game.step(kNoop, rng), 1);
  EXPECT_FALSE(s.bricks.get(1, 8));
  EXPECT_EQ(s.ball_row, 0);
  EXPECT_EQ(s.ball_col, 8);
  EXPECT_EQ(s.ball_dr, -1);
  EXPECT_EQ(s.ball_dc, 1);
  EXPECT_EQ(s.bricks.count(), 27);

  game.step(kNoop, rng);
  EXPECT_EQ(s.ball_row, 0);
  EXPECT_EQ(s.ball_col, 9);
  EXPECT_EQ(s.ball_dr, 1);
  EXPECT_EQ(s.ball_dc, 1);
}

TEST(Breakout, ResetDrawsOneFairCoin) {
  ConstantSource low(0.2), high(0.7);
  Breakout game;
  game.reset(low);
  EXPECT_EQ(game.state.ball_col, 0);
  game.reset(high);
  EXPECT_EQ(game.state.ball_col, 9);
  EXPECT_EQ(low.draws + high.draws, 2);
}

TEST(Breakout, ChannelLayout) {
  NoDraws rng;
  Breakout game;
  game.reset_side(1);
  game.step(kLeft, rng);  // paddle 3, ball (4, 8), trail (3, 9)
  uint8_t obs[kG * kG * Breakout::kChannels];
  game.observe(obs);
  Board b{obs, Breakout::kChannels};
  EXPECT_EQ(b.count(0), 1);
  EXPECT_TRUE(b.at(9, 3, 0));
  EXPECT_TRUE(b.at(4, 8, 1));
  EXPECT_TRUE(b.at(3, 9, 2));
  EXPECT_EQ(b.count(3), 30);
  EXPECT_TRUE(b.at(1, 0, 3) && b.at(3, 9, 3) && !b.at(4, 0, 3));
}

// ============================================================ Asterix ============================================

TEST(Asterix, SpawnAttemptsAndRampedInterval) {
  ConstantSource gold_right(0.2);  // right-mover, gold: never lethal
  Asterix game;
  game.reset(gold_right);
  std::vector<int> spawn_steps;
  for (int t = 1; t <= 130; ++t) {
    const int64_t before = gold_right.draws;
    game.step(kNoop, gold_right);
    if (gold_right.draws != before) spawn_steps.push_back(t);
  }
  // Every S = 10 steps from step 11; the ramp at 102 sets S = 9, used from the spawn on step 111 on.
  EXPECT_EQ(spawn_steps, (std::vector<int>{11, 21, 31, 41, 51, 61, 71, 81, 91, 101, 111, 120, 129}));
}

TEST(Asterix, SharedMovementClock) {
  ConstantSource gold_right(0.2);
  Asterix game;
  game.reset(gold_right);
  game.state.lanes[0] = Asterix::Lane{true, 0, true, true};  // gold at (1, 0) moving right
  std::vector<int> moves;
  int col = 0;
  for (int t = 1; t <= 50; ++t) {
    game.step(kNoop, gold_right);
    if (!game.state.lanes[0].present || game.state.lanes[0].col != col) {
      moves.push_back(t);
      col = game.state.lanes[0].col;
    }
  }
  EXPECT_EQ(moves, (std::vector<int>{6, 11, 16, 21, 26, 31, 36, 41, 46}));
}

TEST(Asterix, RampSchedule) {
  ConstantSource gold_right(0.2);
  Asterix game;
  game.reset(gold_right);
  const int S[] = {9, 8, 7, 6, 5, 4, 3, 2, 1}, M[] = {5, 4, 4, 3, 3, 2, 2, 1, 1};
  int level = 0;
  for (int t = 1; t <= 1200; ++t) {
    game.step(kNoop, gold_right);
    ASSERT_FALSE(game.terminal());
    if (game.ramp_level() != level) {
      level = game.ramp_level();
      EXPECT_EQ(t, 102 * level);
      EXPECT_EQ(game.state.spawn_interval, S[level - 1]);
      EXPECT_EQ(game.state.move_interval, M[level - 1]);
    }
  }
  EXPECT_EQ(level, 9);
}

TEST(Asterix, RampingOff) {
  ConstantSource gold_right(0.2);
  Asterix game(/*ramping=*/false);
  game.reset(gold_right);
  for (int t = 1; t <= 500; ++t) game.step(kNoop, gold_right);
  EXPECT_EQ(game.ramp_level(), 0);
  EXPECT_EQ(game.state.spawn_interval, 10);
  EXPECT_EQ(game.state.move_interval, 5);
}

TEST(Asterix, EnemyContactAndGoldPickup) {
  NoDraws rng;
  Asterix game;
  game.reset(rng);
  game.state.lanes[4] = Asterix::Lane{true, 6, false, true};  // gold at (5, 6), left-mover
  EXPECT_EQ(game.step(kRight, rng), 1);                        // stepping onto it: phase 3
  EXPECT_FALSE(game.state.lanes[4].present);
  game.state.lanes[3] = Asterix::Lane{true, 6, false, false};  // enemy at (4, 6)
  game.step(kUp, rng);
  EXPECT_TRUE(game.terminal());
  EXPECT_TRUE(game.state.lanes[3].present);  // the enemy stays
}

TEST(Asterix, ChannelLayout) {
  NoDraws rng;
  Asterix game;
  game.reset(rng);
  game.state.lanes[0] = Asterix::Lane{true, 0, true, false};  // enemy (1,0) right-mover: trail off-grid
  game.state.lanes[1] = Asterix::Lane{true, 3, false, true};  // gold (2,3) left-mover: trail (2,4)
  uint8_t obs[kG * kG * Asterix::kChannels];
  game.observe(obs);
  Board b{obs, Asterix::kChannels};
  EXPECT_TRUE(b.at(5, 5, 0));
  EXPECT_TRUE(b.at(1, 0, 1));
  EXPECT_TRUE(b.at(2, 3, 3));
  EXPECT_TRUE(b.at(2, 4, 2));
  EXPECT_EQ(b.count(2), 1);
}

// ============================================================ Freeway ============================================

TEST(Freeway, CarPeriodIsSpeedPlusOne) {
  SequenceSource rng;
  const int speeds[8] = {1, 2, 3, 4, 5, 1, 2, 3};
  for (int k : speeds) rng.values.push_back((k - 1) / 5.0 + 0.01);
  for (int i = 0; i < 8; ++i) rng.values.push_back(0.9);  // all right-moving
  Freeway game;
  game.reset(rng);
  std::vector<std::vector<int>> moves(8);
  int cols[8] = {};
  for (int t = 1; t <= 40; ++t) {
    game.step(kNoop, rng);
    for (int i = 0; i < 8; ++i)
      if (game.state.cars[i].col != cols[i]) {
        moves[i].push_back(t);
        cols[i] = game.state.cars[i].col;
      }
  }
  for (int i = 0; i < 8; ++i) {
    std::vector<int> want;
    for (int t = speeds[i] + 1; t <= 40; t += speeds[i] + 1) want.push_back(t);
    EXPECT_EQ(moves[i], want) << "car on row " << i + 1;
  }
}

TEST(Freeway, ChickenMovesEveryThreeStepsAndEpisodeLasts2501) {
  ScriptedLcg rng(7);
  Freeway game;
  game.reset(rng);
  int t = 0;
  while (!game.terminal()) {
    const int before = game.state.cooldown;
    game.step(kUp, rng);
    ++t;
    const bool moved = before == 0 && game.state.cooldown == 2;
    EXPECT_EQ(moved, t >= 4 && (t - 4) % 3 == 0) << "step " << t;
  }
  EXPECT_EQ(t, 2501);
}

TEST(Freeway, ResetTrailsWrap) {
  SequenceSource rng;
  for (int i = 0; i < 8; ++i) rng.values.push_back(0.0);  // speed 1
  for (int i = 0; i < 8; ++i) rng.values.push_back(i < 4 ? 0.9 : 0.1);  // rows 1-4 right, 5-8 left
  Freeway game;
  game.reset(rng);
  uint8_t obs[kG * kG * Freeway::kChannels];
  game.observe(obs);
  Board b{obs, Freeway::kChannels};
  EXPECT_TRUE(b.at(9, 4, 0));
  for (int row = 1; row <= 8; ++row) {
    EXPECT_TRUE(b.at(row, 0, 1));
    EXPECT_TRUE(b.at(row, row <= 4 ? 9 : 1, 2)) << row;  // speed-1 trail channel
  }
  EXPECT_EQ(b.count(3) + b.count(4) + b.count(5) + b.count(6), 0);
}

// ============================================================ Seaquest ===========================================

/// Seaquest with spawns pushed far away, so scenarios see only what they set up.
Seaquest quiet_seaquest(bool ramping = true) {
  Seaquest game(ramping);
  NoDraws rng;
  game.reset(rng);
  game.state.spawn_countdown = 1000;
  game.state.diver_countdown = 1000;
  return game;
}

void clear_threats(Seaquest& game) {
  game.state.fish.clear();
  game.state.subs.clear();
  game.state.enemy_bullets.clear();
}

TEST(Seaquest, SpawnSchedule) {
  ConstantSource rng(0.6);
  Seaquest game;
  game.reset(rng);
  std::vector<std::pair<int, int64_t>> draws;  // (step, draws made in it)
  for (int t = 1; t <= 70; ++t) {
    const int64_t before = rng.draws;
    game.step(kNoop, rng);  // stays on the surface: safe
    if (rng.draws != before) draws.push_back({t, rng.draws - before});
  }
  // Enemy attempts (3 draws) on 21, 41, 61; diver spawns (2 draws) on 31, 61.
  EXPECT_EQ(draws, (std::vector<std::pair<int, int64_t>>{{21, 3}, {31, 2}, {41, 3}, {61, 5}}));
}

TEST(Seaquest, EnemyMovementAndFireTiming) {
  NoDraws rng;
  Seaquest game = quiet_seaquest();
  Seaquest::Entity sub;
  sub.row = 5;
  sub.col = 0;
  sub.right = true;
  sub.move_countdown = 5;   // as if spawned in phase 1 of step 1
  sub.shot_countdown = 10;
  game.state.subs.push_back(sub);
  std::vector<int> moves, shots;
  int col = 0;
  for (int t = 1; t <= 40; ++t) {
    game.step(kNoop, rng);
    ASSERT_EQ(game.state.subs.size(), 1);
    if (game.state.subs[0].col != col) {
      moves.push_back(t);
      col = game.state.subs[0].col;
    }
    if (game.state.subs[0].shot_countdown == 10) shots.push_back(t);
  }
  EXPECT_EQ(moves, (std::vector<int>{6, 12, 18, 24, 30, 36}));
  EXPECT_EQ(shots, (std::vector<int>{11, 22, 33}));
}

TEST(Seaquest, OxygenRunsOutOnStep201) {
  NoDraws rng;
  Seaquest game = quiet_seaquest();
  int t = 0;
  while (!game.terminal()) {
    game.step(t == 0 ? kDown : kNoop, rng);
    clear_threats(game);
    ++t;
    if (t == 1) {
      EXPECT_EQ(game.state.oxygen, 199);
    }
  }
  EXPECT_EQ(t, 201);
  EXPECT_EQ(game.state.oxygen, -1);
  uint8_t obs[kG * kG * Seaquest::kChannels];
  game.observe(obs);
  EXPECT_EQ((Board{obs, Seaquest::kChannels}.count(7)), 0);
}

TEST(Seaquest, SurfacingOnStep200IsSafe) {
  NoDraws rng;
  Seaquest game = quiet_seaquest();
  game.state.divers_held = 1;
  for (int t = 1; t <= 200; ++t) {
    game.step(t == 1 ? kDown : t == 200 ? kUp : kNoop, rng);
    clear_threats(game);
  }
  EXPECT_FALSE(game.terminal());
  EXPECT_EQ(game.state.oxygen, 200);
  EXPECT_EQ(game.state.divers_held, 0);
}

TEST(Seaquest, SurfacingOnStep201IsTerminalWithFullGauge) {
  NoDraws rng;
  Seaquest game = quiet_seaquest();
  game.state.divers_held = 1;
  for (int t = 1; t <= 201; ++t) {
    game.step(t == 1 ? kDown : t == 201 ? kUp : kNoop, rng);
    clear_threats(game);
  }
  EXPECT_TRUE(game.terminal());
  uint8_t obs[kG * kG * Seaquest::kChannels];
  game.observe(obs);
  EXPECT_EQ((Board{obs, Seaquest::kChannels}.count(7)), 10);
  EXPECT_EQ(game.ramp_level(), 1);
}

TEST(Seaquest, SixDiverSurfacingScenario) {  // §8.2.2
  NoDraws rng;
  Seaquest game = quiet_seaquest();
  game.step(kDown, rng);
  game.state.divers_held = 6;
  game.state.oxygen = 150;
  EXPECT_EQ(game.step(kUp, rng), 7);
  EXPECT_FALSE(game.terminal());
  EXPECT_EQ(game.state.oxygen, 200);
  EXPECT_EQ(game.state.divers_held, -1);
  EXPECT_EQ(game.ramp_level(), 1);
  EXPECT_EQ(game.state.spawn_interval, 19);
  EXPECT_EQ(game.state.move_reload, 5);
  uint8_t obs[kG * kG * Seaquest::kChannels];
  game.observe(obs);
  EXPECT_EQ((Board{obs, Seaquest::kChannels}.count(8)), 0);
  const int expected[3][4] = {{-2, 2, 18, 4}, {-3, 3, 17, 4}, {-4, 4, 16, 3}};
  for (const auto& e : expected) {
    EXPECT_EQ(game.step(kDown, rng), 0);
    clear_threats(game);
    EXPECT_EQ(game.step(kUp, rng), 0);
    clear_threats(game);
    EXPECT_FALSE(game.terminal());
    EXPECT_EQ(game.state.divers_held, e[0]);
    EXPECT_EQ(game.ramp_level(), e[1]);
    EXPECT_EQ(game.state.spawn_interval, e[2]);
    EXPECT_EQ(game.state.move_reload, e[3]);
  }
}

Seaquest::Entity entity(int row, int col, bool right, int move = 0, int shot = 0) {
  return Seaquest::Entity{int8_t(row), int8_t(col), right, int8_t(move), int8_t(shot)};
}

TEST(Seaquest, DestroyedSubStillFires) {  // §8.2.3
  NoDraws rng;
  Seaquest game = quiet_seaquest();
  game.state.sub_row = 4;
  game.state.sub_col = 2;
  game.state.facing_right = true;
  game.state.surface = false;
  game.state.subs.push_back(entity(4, 6, false, 0, 0));
  game.state.torpedoes.push_back(entity(4, 4, true));
  EXPECT_EQ(game.step(kNoop, rng), 1);
  EXPECT_TRUE(game.state.subs.empty());
  EXPECT_TRUE(game.state.torpedoes.empty());
  ASSERT_EQ(game.state.enemy_bullets.size(), 1);
  EXPECT_EQ(game.state.enemy_bullets[0].row, 4);
  EXPECT_EQ(game.state.enemy_bullets[0].col, 4);
  EXPECT_FALSE(game.state.enemy_bullets[0].right);
  EXPECT_FALSE(game.terminal());
}

TEST(Seaquest, SubLeavingGridWhileFiring) {  // §8.2.4
  NoDraws rng;
  Seaquest game = quiet_seaquest();
  game.state.subs.push_back(entity(4, 0, false, 0, 0));
  game.step(kNoop, rng);
  EXPECT_TRUE(game.state.subs.empty());
  EXPECT_TRUE(game.state.enemy_bullets.empty());
}

TEST(Seaquest, ChannelLayoutAndGauges) {
  NoDraws rng;
  Seaquest game = quiet_seaquest();
  game.state.divers_held = 3;
  game.state.oxygen = 119;  // 5 cells
  game.state.fish.push_back(entity(2, 3, true));
  game.state.subs.push_back(entity(3, 7, false));
  game.state.divers.push_back(entity(4, 0, true));
  game.state.torpedoes.push_back(entity(0, 4, false));
  game.state.enemy_bullets.push_back(entity(3, 8, false));
  uint8_t obs[kG * kG * Seaquest::kChannels];
  game.observe(obs);
  Board b{obs, Seaquest::kChannels};
  EXPECT_TRUE(b.at(0, 5, 0));
  EXPECT_TRUE(b.at(0, 6, 1));  // facing left: back cell to the right
  EXPECT_TRUE(b.at(0, 4, 2));
  EXPECT_TRUE(b.at(2, 2, 3) && b.at(3, 8, 3));  // fish and sub trails
  EXPECT_EQ(b.count(3), 2);                      // the diver's trail (4, -1) is off-grid
  EXPECT_TRUE(b.at(3, 8, 4));
  EXPECT_TRUE(b.at(2, 3, 5));
  EXPECT_TRUE(b.at(3, 7, 6));
  EXPECT_EQ(b.count(7), 5);
  EXPECT_TRUE(b.at(9, 0, 7) && b.at(9, 4, 7));
  EXPECT_EQ(b.count(8), 3);
  EXPECT_TRUE(b.at(9, 6, 8) && b.at(9, 8, 8) && !b.at(9, 9, 8));
  EXPECT_TRUE(b.at(4, 0, 9));
}

// ======================================================== Space Invaders =========================================

TEST(SpaceInvaders, FixedPolicyTable) {
  NoDraws rng;
  struct Row {
    Policy policy;
    int ret, length;
    uint64_t hash;  // 0: not tabulated
  };
  const std::vector<Row> rows = {
      {constant_policy(kNoop), 0, 17, 475653534},
      {constant_policy(kLeft), 0, 37, 0},
      {constant_policy(kRight), 0, 96, 929103175},
      {constant_policy(kFire), 3, 18, 51669467},
      {cycle_policy({kFire, kLeft, kLeft, kFire, kRight, kRight}), 2, 17, 0},
      {space_invaders_policy, 23, 277, 354271274},
  };
  for (size_t i = 0; i < rows.size(); ++i) {
    SpaceInvaders game;
    game.reset(rng);
    Episode ep = play(game, rng, rows[i].policy);
    EXPECT_EQ(ep.ret, rows[i].ret) << "row " << i;
    EXPECT_EQ(ep.length, rows[i].length) << "row " << i;
    if (rows[i].hash) {
      EXPECT_EQ(ep.hash, rows[i].hash) << "row " << i;
    }
  }
}

TEST(SpaceInvaders, FirstMoveFirstShotAndPlayerBullet) {
  NoDraws rng;
  SpaceInvaders game;
  game.reset(rng);
  SpaceInvaders firing;
  firing.reset(rng);
  firing.step(kFire, rng);
  EXPECT_TRUE(firing.state.player_bullets.get(8, 5));
  EXPECT_EQ(firing.state.player_bullets.count(), 1);
  for (int t = 1; t <= 10; ++t) game.step(kNoop, rng);
  EXPECT_TRUE(game.state.alien_bullets.empty());
  game.step(kNoop, rng);  // step 11
  EXPECT_TRUE(game.state.alien_bullets.get(3, 5));
  EXPECT_EQ(game.state.alien_bullets.count(), 1);
  game.step(kNoop, rng);  // step 12: formation unmoved
  EXPECT_TRUE(game.state.aliens.get(0, 2));
  game.step(kNoop, rng);  // step 13: one column left
  EXPECT_TRUE(game.state.aliens.get(0, 1) && !game.state.aliens.get(0, 7) && game.state.aliens.get(0, 6));
  EXPECT_FALSE(game.state.right);
}

TEST(SpaceInvaders, SwapThroughScenario) {  // §8.2.5
  NoDraws rng;
  SpaceInvaders game;
  game.reset(rng);
  auto& s = game.state;
  s.aliens = CellMask();
  s.aliens.set(4, 0);
  s.aliens.set(0, 5);
  s.right = false;
  s.move_countdown = 0;
  s.shot_countdown = 100;
  s.player_bullets.set(5, 0);
  s.cannon = 9;
  EXPECT_EQ(game.step(kNoop, rng), 0);
  EXPECT_TRUE(s.right);
  EXPECT_EQ(s.aliens.count(), 2);
  EXPECT_TRUE(s.aliens.get(5, 0) && s.aliens.get(1, 5));
  EXPECT_EQ(s.player_bullets.count(), 1);
  EXPECT_TRUE(s.player_bullets.get(4, 0));
}

TEST(SpaceInvaders, WaveRefillScenario) {  // §8.2.6
  NoDraws rng;
  SpaceInvaders game;
  game.reset(rng);
  auto& s = game.state;
  s.aliens = CellMask();
  s.aliens.set(3, 4);
  s.right = true;
  s.move_countdown = 3;
  s.player_bullets.set(4, 4);
  s.cannon = 0;
  s.shot_countdown = 100;
  EXPECT_EQ(game.step(kNoop, rng), 1);
  EXPECT_EQ(s.aliens.count(), 24);
  for (int r = 0; r <= 3; ++r) EXPECT_EQ(s.aliens.rows[r], 0x0FC);  // columns 2-7
  EXPECT_TRUE(s.right);
  EXPECT_EQ(s.move_countdown, 2);
  EXPECT_EQ(s.interval, 11);
  EXPECT_EQ(game.ramp_level(), 1);
}

TEST(SpaceInvaders, ShooterTieBreakScenario) {  // §8.2.7
  NoDraws rng;
  SpaceInvaders game;
  game.reset(rng);
  auto& s = game.state;
  s.aliens = CellMask();
  s.aliens.set(2, 3);
  s.aliens.set(1, 7);
  s.aliens.set(5, 7);
  s.cannon = 5;
  s.shot_countdown = 0;
  s.move_countdown = 100;
  game.step(kNoop, rng);
  EXPECT_EQ(s.alien_bullets.count(), 1);
  EXPECT_TRUE(s.alien_bullets.get(2, 3));
}

TEST(SpaceInvaders, RampToSixAndRampingOff) {
  for (bool ramping : {true, false}) {
    NoDraws rng;
    SpaceInvaders game(ramping);
    game.reset(rng);
    for (int wave = 0; wave < 8; ++wave) {
      game.state.aliens = CellMask();
      game.state.aliens.set(3, 4);
      game.state.player_bullets = CellMask();
      game.state.player_bullets.set(4, 4);
      game.state.move_countdown = 50;
      game.state.shot_countdown = 50;
      game.step(kNoop, rng);
    }
    EXPECT_EQ(game.state.interval, ramping ? 6 : 12);
    EXPECT_EQ(game.ramp_level(), ramping ? 6 : 0);
  }
}

TEST(SpaceInvaders, ChannelLayout) {
  NoDraws rng;
  SpaceInvaders game;
  game.reset(rng);
  game.state.alien_bullets.set(6, 1);
  game.state.player_bullets.set(7, 2);
  uint8_t obs[kG * kG * SpaceInvaders::kChannels];
  game.observe(obs);
  Board b{obs, SpaceInvaders::kChannels};
  EXPECT_TRUE(b.at(9, 5, 0));
  EXPECT_EQ(b.count(1), 24);
  EXPECT_EQ(b.count(2), 24);  // direction left
  EXPECT_EQ(b.count(3), 0);
  EXPECT_TRUE(b.at(7, 2, 4));
  EXPECT_TRUE(b.at(6, 1, 5));
}

// ==================================================== Terminated games ===========================================

TEST(MinAtarGames, TerminatedGameDoesNothing) {
  NoDraws rng;
  SpaceInvaders game;
  game.reset(rng);
  play(game, rng, constant_policy(kNoop));
  ASSERT_TRUE(game.terminal());
  const auto before = game.state.aliens.rows[0];
  EXPECT_EQ(game.step(kFire, rng), 0);
  EXPECT_TRUE(game.terminal());
  EXPECT_EQ(game.state.aliens.rows[0], before);
}

}  // namespace
}  // namespace testing
}  // namespace dreamer
