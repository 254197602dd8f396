// Tests of the driver: resets, the policy's action vector to the env and the consumers, the random policy, and
// play_episodes' returns and lengths against hand counts.
#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "dreamer/envs/driver.h"
#include "dreamer/envs/evaluate.h"
#include "dreamer/envs/wrappers.h"
#include "error_text.h"
#include "fake_env.h"

namespace dreamer {
namespace testing {
namespace {

// Envs of one 1x1 cell and 3 actions whose episodes end after `ends[i]` steps, rewarded t at step t, each behind
// OneHotAction as make_env puts it.
BatchEnv fake_batch(const std::vector<int>& ends) {
  std::vector<EnvPtr> envs;
  for (int end : ends) envs.push_back(std::make_unique<OneHotAction>(std::make_unique<FakeEnv>(ObsSpace{1, 1, 1, 255}, 3, end)));
  return BatchEnv(std::move(envs), /*threads=*/0);
}

struct Seen {
  int env;
  std::vector<float> action;
  TimeStep ts;
};

// Env i takes action (i + 1) % 3, as one-hot values.
void fixed_policy(const uint8_t*, const std::vector<TimeStep>& steps, std::vector<Action>& actions) {
  actions.resize(steps.size());
  for (size_t i = 0; i < steps.size(); ++i) {
    actions[i].values.assign(3, 0.0f);
    actions[i].values[(i + 1) % 3] = 1.0f;
  }
}

TEST(Driver, ResetsFirstThenStepsWithThePolicysVectorAndResetsEndedEnvs) {
  BatchEnv envs = fake_batch({3, 2});
  Driver driver(envs);
  std::vector<Seen> seen;
  auto record = [&](int env, const uint8_t*, const float* action, const TimeStep& ts) {
    seen.push_back({env, std::vector<float>(action, action + 3), ts});
  };
  EXPECT_EQ(driver.step(fixed_policy, record), 0);  // only resets
  ASSERT_EQ(seen.size(), 2u);
  for (const Seen& s : seen) {
    EXPECT_TRUE(s.ts.is_first);
    EXPECT_EQ(s.action, std::vector<float>(3, 0.0f));
  }
  seen.clear();
  EXPECT_EQ(driver.step(fixed_policy, record), 2);
  EXPECT_EQ(seen[0].action, (std::vector<float>{0, 1, 0}));
  EXPECT_EQ(seen[1].action, (std::vector<float>{0, 0, 1}));
  EXPECT_EQ(driver.step(fixed_policy, record), 2);  // env 1's episode ends (2 steps)
  EXPECT_TRUE(seen.back().ts.is_last);
  seen.clear();
  EXPECT_EQ(driver.step(fixed_policy, record), 1);  // env 1 resets instead; env 0 ends
  EXPECT_TRUE(seen[0].ts.is_last);
  EXPECT_TRUE(seen[1].ts.is_first);
  EXPECT_EQ(seen[1].action, std::vector<float>(3, 0.0f));
  // The envs took the index of the one-hot vector.
  EXPECT_EQ(find_env<FakeEnv>(envs.env(0))->actions, (std::vector<int>{1, 1, 1}));
  EXPECT_EQ(find_env<FakeEnv>(envs.env(1))->actions, (std::vector<int>{2, 2}));
}

TEST(Driver, RefusesAnActionOfAnotherSize) {
  BatchEnv envs = fake_batch({5});
  Driver driver(envs);
  auto short_policy = [](const uint8_t*, const std::vector<TimeStep>& steps, std::vector<Action>& actions) {
    actions.assign(steps.size(), Action{0, {1.0f, 0.0f}});
  };
  auto ignore = [](int, const uint8_t*, const float*, const TimeStep&) {};
  driver.step(short_policy, ignore);
  EXPECT_TRUE(contains(error_of([&] { driver.step(short_policy, ignore); }), "has 2 values, expected 3"));
}

TEST(RandomPolicy, DiscreteActionsAreUniformOneHotsAndRepeatUnderASeed) {
  const ActSpace space{true, 4, -1.0f, 1.0f};
  std::vector<TimeStep> steps(1000);
  std::vector<Action> a, b, c;
  Policy first = random_policy(space, 5), same = random_policy(space, 5), other = random_policy(space, 6);
  std::map<int, int> counts;
  bool differs = false;
  for (int round = 0; round < 4; ++round) {
    first(nullptr, steps, a);
    same(nullptr, steps, b);
    other(nullptr, steps, c);
    for (size_t i = 0; i < steps.size(); ++i) {
      ASSERT_EQ(a[i].values.size(), 4u);
      std::vector<float> one_hot(4, 0.0f);
      one_hot[size_t(a[i].index)] = 1.0f;
      EXPECT_EQ(a[i].values, one_hot);
      EXPECT_EQ(a[i].values, b[i].values);
      differs = differs || a[i].index != c[i].index;
      ++counts[a[i].index];
    }
  }
  EXPECT_TRUE(differs);
  ASSERT_EQ(counts.size(), 4u);
  for (const auto& [index, count] : counts) EXPECT_NEAR(count, 1000, 4 * std::sqrt(4000 * 0.25 * 0.75)) << index;
}

TEST(RandomPolicy, DrawsNothingForAnEnvThatEnds) {
  const ActSpace space{true, 5, -1.0f, 1.0f};
  std::vector<TimeStep> steps(2);
  steps[1].is_last = true;
  Policy policy = random_policy(space, 1), alone = random_policy(space, 1);
  std::vector<Action> actions(2, Action{7, {}}), one;
  policy(nullptr, steps, actions);
  alone(nullptr, std::vector<TimeStep>(1), one);
  EXPECT_EQ(actions[0].index, one[0].index);  // the same stream as a single env's
  EXPECT_EQ(actions[1].index, 7);             // untouched
  EXPECT_TRUE(actions[1].values.empty());
}

TEST(PlayEpisodes, ReturnsAndLengthsInTheOrderEpisodesFinish) {
  // Env 0 ends after 3 steps (return 1 + 2 + 3 = 6), env 1 after 2 (return 3). They finish in the order
  // 3, 6, 3, 6 (env 0 resets one driver step after env 1 does).
  BatchEnv envs = fake_batch({3, 2});
  Driver driver(envs);
  int transitions = 0;
  const ReturnStats s = play_episodes(driver, fixed_policy, 4, [&](int, const uint8_t*, const float*, const TimeStep&) {
    ++transitions;
  });
  EXPECT_EQ(s.episodes, 4);
  EXPECT_DOUBLE_EQ(s.mean_return, 4.5);
  EXPECT_DOUBLE_EQ(s.mean_length, 2.5);
  EXPECT_DOUBLE_EQ(s.stderr_return, std::sqrt(3.0) / 2.0);  // sample sd of {3, 6, 3, 6} is sqrt(3), over sqrt(4)
  EXPECT_EQ(transitions, 2 * 8);  // driver steps 0..7: the last one ends env 0's second episode
  EXPECT_TRUE(contains(error_of([&] { play_episodes(driver, fixed_policy, 0); }), "episodes must be >= 1"));
}

TEST(MergeStats, PoolsEpisodesExactlyAsSummarizingThemAll) {
  const std::vector<double> returns{1, 4, -2, 7, 0.5}, lengths{10, 12, 9, 30, 11};
  const ReturnStats all = summarize_episodes(returns, lengths);
  const ReturnStats merged =
      merge_stats({summarize_episodes({1, 4}, {10, 12}), ReturnStats{}, summarize_episodes({-2, 7, 0.5}, {9, 30, 11})});
  EXPECT_EQ(merged.episodes, 5);
  EXPECT_NEAR(merged.mean_return, 2.1, 1e-12);
  EXPECT_NEAR(merged.stderr_return, all.stderr_return, 1e-12);
  EXPECT_NEAR(merged.mean_length, all.mean_length, 1e-12);
  EXPECT_NEAR(merged.stderr_length, all.stderr_length, 1e-12);
  const ReturnStats single = merge_stats({summarize_episodes({3}, {5})});
  EXPECT_EQ(single.episodes, 1);
  EXPECT_EQ(single.stderr_return, 0);
  EXPECT_THROW(merge_stats({ReturnStats{}}), Error);
}

}  // namespace
}  // namespace testing
}  // namespace dreamer
