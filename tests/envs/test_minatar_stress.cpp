// MinAtar invariants under long random play: 0/1 observations, non-negative rewards, bounded entity lists.
#include <gtest/gtest.h>

#include "minatar_harness.h"

namespace dreamer {
namespace testing {
namespace {

using namespace minatar;

template <class Game>
void random_play_invariants(int steps, uint64_t seed) {
  Xoshiro256 rng(seed);
  Game game;
  game.reset(rng);
  uint8_t obs[kG * kG * Game::kChannels];
  int episodes = 0;
  for (int t = 0; t < steps; ++t) {
    if (game.terminal()) {
      game.reset(rng);
      ++episodes;
    }
    const int reward = game.step(int(rng.below(6)), rng);
    ASSERT_GE(reward, 0);
    game.observe(obs);
    for (uint8_t v : obs) ASSERT_LE(v, 1);
  }
  EXPECT_GT(episodes, 0);
}

TEST(MinAtarStress, RandomPlayInvariants) {
  random_play_invariants<Breakout>(200000, 1);
  random_play_invariants<Asterix>(200000, 2);
  random_play_invariants<Freeway>(200000, 3);
  random_play_invariants<Seaquest>(200000, 4);
  random_play_invariants<SpaceInvaders>(200000, 5);
}

TEST(MinAtarStress, SeaquestListsStayWithinCapacityAtMaximumDensity) {
  // Worst case for the fixed-capacity lists: a spawn every step (S = 1) with the slowest enemies (M = 5), while the
  // player sits safely on the surface. Enemies live at most 60 steps and each sub has at most one live bullet.
  Xoshiro256 rng(6);
  Seaquest game;
  game.reset(rng);
  game.state.spawn_interval = 1;
  int most_enemies = 0, most_bullets = 0;
  for (int t = 0; t < 100000; ++t) {
    ASSERT_NO_THROW(game.step(kNoop, rng));
    ASSERT_FALSE(game.terminal());
    most_enemies = std::max(most_enemies, game.state.fish.size() + game.state.subs.size());
    most_bullets = std::max(most_bullets, game.state.enemy_bullets.size());
  }
  EXPECT_LE(most_enemies, 64);
  EXPECT_LE(most_bullets, 128);
  EXPECT_GT(most_enemies, 10);  // the stress actually filled the board
}

}  // namespace
}  // namespace testing
}  // namespace dreamer
