// MinAtar spec §8.3: bit-exact replay of all 15 scripted-randomness runs and the deterministic hash table.
#include <gtest/gtest.h>

#include "minatar_harness.h"

namespace dreamer {
namespace testing {
namespace {

using namespace minatar;

struct Expected {
  int total_return;
  int64_t total_steps;
  uint64_t hash;
  int first_return, first_length;
  uint64_t first_hash;
};

void expect_run(const RunResult& got, const Expected& want) {
  EXPECT_EQ(got.total_return, want.total_return);
  EXPECT_EQ(got.total_steps, want.total_steps);
  EXPECT_EQ(got.hash, want.hash);
  EXPECT_EQ(got.first_return, want.first_return);
  EXPECT_EQ(got.first_length, want.first_length);
  EXPECT_EQ(got.first_hash, want.first_hash);
}

// --- lcg actions, no stickiness. ---
TEST(MinAtarScripted, BreakoutLcg) {
  auto r = run_scripted<Breakout>(lcg_policy(), 0.0, 100);
  expect_run(r, {57, 1188, 928882233, 0, 6, 811791101});
  EXPECT_EQ(r.draws, 100);
}
TEST(MinAtarScripted, AsterixLcg) {
  auto r = run_scripted<Asterix>(lcg_policy(), 0.0, 100);
  expect_run(r, {55, 7122, 404605389, 1, 120, 356780107});
  EXPECT_EQ(r.draws, 2019);
}
TEST(MinAtarScripted, FreewayLcg) {
  auto r = run_scripted<Freeway>(lcg_policy(), 0.0, 3);
  expect_run(r, {0, 7503, 762314339, 0, 2501, 990514458});
  EXPECT_EQ(r.draws, 48);
}
TEST(MinAtarScripted, SeaquestLcg) {
  auto r = run_scripted<Seaquest>(lcg_policy(), 0.0, 100);
  expect_run(r, {5, 2651, 988830058, 0, 21, 928188403});
  EXPECT_EQ(r.draws, 374);
}
TEST(MinAtarScripted, SpaceInvadersLcg) {
  expect_run(run_scripted<SpaceInvaders>(lcg_policy(), 0.0, 100), {301, 5282, 141270732, 3, 77, 892059530});
}

// --- lcg actions, sticky 0.1 (one extra draw at the start of every step). ---
TEST(MinAtarScripted, BreakoutLcgSticky) {
  expect_run(run_scripted<Breakout>(lcg_policy(), 0.1, 100), {42, 1032, 237602538, 0, 6, 811791101});
}
TEST(MinAtarScripted, AsterixLcgSticky) {
  expect_run(run_scripted<Asterix>(lcg_policy(), 0.1, 100), {48, 6918, 483599110, 0, 46, 232977207});
}
TEST(MinAtarScripted, FreewayLcgSticky) {
  expect_run(run_scripted<Freeway>(lcg_policy(), 0.1, 3), {1, 7503, 636755895, 0, 2501, 495736998});
}
TEST(MinAtarScripted, SeaquestLcgSticky) {
  expect_run(run_scripted<Seaquest>(lcg_policy(), 0.1, 100), {8, 3117, 259638549, 0, 33, 118522177});
}
TEST(MinAtarScripted, SpaceInvadersLcgSticky) {
  expect_run(run_scripted<SpaceInvaders>(lcg_policy(), 0.1, 100), {296, 5180, 829203621, 3, 77, 245834684});
}

// --- Heuristic policies. ---
TEST(MinAtarScripted, BreakoutTrackCapped) {
  expect_run(run_scripted<Breakout>(track_policy, 0.0, 4, /*cap=*/5000), {1668, 20000, 615816, 417, 5000, 506550344});
}
TEST(MinAtarScripted, AsterixHeuristic) {
  expect_run(run_scripted<Asterix>(asterix_policy, 0.0, 10), {338, 6666, 854603610, 15, 306, 251351021});
}
TEST(MinAtarScripted, FreewayAlwaysUp) {
  expect_run(run_scripted<Freeway>(constant_policy(kUp), 0.0, 3), {54, 7503, 215136915, 45, 2501, 416966720});
}
TEST(MinAtarScripted, SeaquestHeuristic) {
  expect_run(run_scripted<Seaquest>(seaquest_policy, 0.0, 30), {84, 3730, 235903393, 13, 258, 614600802});
}
TEST(MinAtarScripted, SpaceInvadersHeuristic) {
  expect_run(run_scripted<SpaceInvaders>(space_invaders_policy, 0.0, 1), {23, 277, 354271274, 23, 277, 354271274});
}

}  // namespace
}  // namespace testing
}  // namespace dreamer
