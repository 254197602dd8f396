// Registry, MinAtarEnv wrapper semantics (spec §2), determinism, debug tasks and random-policy evaluation.
#include <gtest/gtest.h>

#include <cmath>

#include "dreamer/envs/atari.h"
#include "dreamer/envs/debug.h"
#include "dreamer/envs/evaluate.h"
#include "dreamer/envs/minatar.h"
#include "dreamer/envs/registry.h"
#include "error_text.h"
#include "minatar_harness.h"

namespace dreamer {
namespace testing {
namespace {

/// Hash of a trajectory of `steps` agent steps with actions i*7 % n, auto-resetting at is_last.
uint64_t trajectory_hash(Env& env, int steps) {
  std::vector<uint8_t> obs(size_t(env.obs_space().size()));
  TimeStep ts = env.reset(obs.data());
  uint64_t h = 0;
  for (int i = 0; i < steps; ++i) {
    ts = ts.is_last ? env.reset(obs.data()) : env.step(Action{i * 7 % env.act_space().n, {}}, obs.data());
    for (uint8_t b : obs) h = h * 1099511628211ull + b;
    h = h * 31 + uint64_t(ts.reward * 16) + (ts.is_last ? 7 : 0);
  }
  return h;
}

// ============================================================ Registry ===========================================

TEST(Registry, BuildsEveryMinAtarGameWithItsSpaces) {
  const std::vector<std::pair<std::string, int>> games = {
      {"breakout", 4}, {"asterix", 4}, {"freeway", 7}, {"seaquest", 10}, {"space_invaders", 6}};
  for (const auto& [game, channels] : games) {
    EnvPtr env = make_env("minatar_" + game, EnvOptions(), 0, 0);
    EXPECT_EQ(env->obs_space().height, 10);
    EXPECT_EQ(env->obs_space().width, 10);
    EXPECT_EQ(env->obs_space().channels, channels) << game;
    EXPECT_EQ(env->obs_space().high, 1);
    EXPECT_TRUE(env->act_space().discrete);
    EXPECT_EQ(env->act_space().n, 6);
  }
}

TEST(Registry, MinimalActionSets) {
  EnvOptions opts;
  opts.minimal_actions = true;
  const std::vector<std::pair<std::string, int>> sizes = {
      {"breakout", 3}, {"asterix", 5}, {"freeway", 3}, {"seaquest", 6}, {"space_invaders", 4}};
  for (const auto& [game, n] : sizes) EXPECT_EQ(make_env("minatar_" + game, opts, 0, 0)->act_space().n, n) << game;
}

TEST(Registry, ErrorsNameTheBadValue) {
  EnvOptions opts;
  const std::string unknown_game = error_of([&] { make_env("minatar_pong", opts, 0, 0); });
  EXPECT_TRUE(contains(unknown_game, "'minatar_pong'")) << unknown_game;
  EXPECT_TRUE(contains(unknown_game, "minatar_breakout") && contains(unknown_game, "debug_catch")) << unknown_game;
  const std::string unknown_suite = error_of([&] { make_env("gym_cartpole", opts, 0, 0); });
  EXPECT_TRUE(contains(unknown_suite, "'gym_cartpole'")) << unknown_suite;
  if (!atari_available()) {  // with ALE, tests/envs/test_atari.cpp checks its errors
    const std::string atari = error_of([&] { make_env("atari_pong", opts, 0, 0); });
    EXPECT_TRUE(contains(atari, "atari_pong") && contains(atari, "no Atari") && contains(atari, "README")) << atari;
  }
  const std::string mujoco = error_of([&] { make_env("mujoco_nosuch", opts, 0, 0); });
  EXPECT_TRUE(contains(mujoco, "mujoco_nosuch")) << mujoco;  // tests/envs/test_mujoco.cpp checks the rest
  EXPECT_TRUE(contains(error_of([&] { make_env("debug_maze", opts, 0, 0); }), "'debug_maze'"));
  EXPECT_TRUE(contains(error_of([&] { make_env("", opts, 0, 0); }), "unknown task ''"));
  opts.action_repeat = 0;
  EXPECT_TRUE(contains(error_of([&] { make_env("minatar_breakout", opts, 0, 0); }), "action_repeat"));
  opts = EnvOptions();
  opts.sticky = 1.5;
  EXPECT_TRUE(contains(error_of([&] { make_env("minatar_breakout", opts, 0, 0); }), "sticky"));
  opts = EnvOptions();
  opts.time_limit = -2;
  EXPECT_TRUE(contains(error_of([&] { make_env("minatar_breakout", opts, 0, 0); }), "time_limit"));
}

TEST(Registry, AppliesTheWrappersAsked) {
  EnvOptions opts;
  opts.time_limit = 5;
  opts.action_repeat = 2;
  EnvPtr env = make_env("minatar_freeway", opts, 0, 0);  // freeway never ends before 2501 frames
  EXPECT_NE(find_env<TimeLimit>(*env), nullptr);
  EXPECT_NE(find_env<ActionRepeat>(*env), nullptr);
  EXPECT_NE(find_env<OneHotAction>(*env), nullptr);
  std::vector<uint8_t> obs(size_t(env->obs_space().size()));
  env->reset(obs.data());
  int steps = 0;
  TimeStep ts;
  do {
    ts = env->step(Action{0, {1, 0, 0, 0, 0, 0}}, obs.data());
    ++steps;
  } while (!ts.is_last);
  EXPECT_EQ(steps, 5);
  EXPECT_FALSE(ts.is_terminal);
}

TEST(Registry, SameSeedAndIndexSameTrajectoryOtherwiseDifferent) {
  for (const std::string task : {"minatar_asterix", "minatar_seaquest", "minatar_freeway", "debug_goal"}) {
    EnvOptions opts;
    auto a = make_env(task, opts, 3, 1), b = make_env(task, opts, 3, 1);
    auto c = make_env(task, opts, 3, 2), d = make_env(task, opts, 4, 1);
    const uint64_t ha = trajectory_hash(*a, 3000);
    EXPECT_EQ(ha, trajectory_hash(*b, 3000)) << task;
    EXPECT_NE(ha, trajectory_hash(*c, 3000)) << task;
    EXPECT_NE(ha, trajectory_hash(*d, 3000)) << task;
  }
  EXPECT_NE(env_seed(0, 1), env_seed(1, 0));
}

// ====================================================== MinAtarEnv (spec §2) =====================================

/// A source with scripted values (then 0.99), shared so the test can inspect it after handing it over.
struct Script final : UniformSource {
  std::vector<double> values;
  size_t next = 0;
  double uniform() override { return next < values.size() ? values[next++] : (++next, 0.99); }
};

struct SharedScript final : UniformSource {
  explicit SharedScript(Script* s) : script(s) {}
  Script* script;
  double uniform() override { return script->uniform(); }
};

TEST(MinAtarEnv, StickyDrawOnEveryCallAndMemoryAcrossReset) {
  Script script;
  // Breakout: reset draws the side; each step draws the sticky u first.
  script.values = {0.2, /*step*/ 0.5, /*step*/ 0.5, /*terminal steps*/ 0.5, 0.5, 0.5, 0.5, 0.5,
                   /*reset*/ 0.7, /*sticky!*/ 0.05};
  MinAtarOptions options;
  options.sticky = 0.1;
  auto env = make_minatar("breakout", options, 0, std::make_unique<SharedScript>(&script));
  uint8_t obs[400];
  env->reset(obs);
  EXPECT_EQ(script.next, 1u);
  TimeStep ts;
  int steps = 0;
  do {
    ts = env->step(Action{minatar::kRight, {}}, obs);
    ++steps;
  } while (!ts.is_last);
  EXPECT_EQ(steps, 6);  // always right: misses on step 6
  EXPECT_TRUE(ts.is_terminal);
  EXPECT_EQ(script.next, 7u);
  ts = env->step(Action{minatar::kLeft, {}}, obs);  // a terminated game still draws
  EXPECT_TRUE(ts.is_last);
  EXPECT_EQ(ts.reward, 0.0f);
  EXPECT_EQ(script.next, 8u);
  EXPECT_EQ(env->last_executed_action(), minatar::kLeft);
  env->reset(obs);
  EXPECT_EQ(script.next, 9u);
  env->step(Action{minatar::kNoop, {}}, obs);  // u = 0.05 < 0.1: repeats left from the last episode
  EXPECT_EQ(env->last_executed_action(), minatar::kLeft);
}

TEST(MinAtarEnv, MinimalActionsMapToFullIndices) {
  MinAtarOptions options;
  options.sticky = 0.0;
  options.minimal_actions = true;
  auto env = make_minatar("space_invaders", options, 0);
  uint8_t obs[600];
  env->reset(obs);
  const int expected[4] = {0, 1, 3, 5};
  for (int i = 0; i < 4; ++i) {
    env->step(Action{i, {}}, obs);
    EXPECT_EQ(env->last_executed_action(), expected[i]);
  }
  EXPECT_THROW(env->step(Action{4, {}}, obs), Error);
}

TEST(MinAtarEnv, StepBeforeResetAndBadActionThrow) {
  auto env = make_minatar("asterix", MinAtarOptions(), 0);
  uint8_t obs[400];
  EXPECT_THROW(env->step(Action{0, {}}, obs), Error);
  env->reset(obs);
  EXPECT_THROW(env->step(Action{6, {}}, obs), Error);
  EXPECT_THROW(env->step(Action{-1, {}}, obs), Error);
  EXPECT_TRUE(contains(error_of([] { make_minatar("pong", MinAtarOptions(), 0); }), "'pong'"));
}

TEST(MinAtarEnv, ReplaysTheScriptedStickyRunsThroughTheEnv) {
  // §8.3 with sticky 0.1, through MinAtarEnv and its own sticky draw instead of the harness's.
  struct Row {
    std::string game;
    int channels, episodes, ret, steps;
    uint64_t hash;
  };
  const std::vector<Row> rows = {{"breakout", 4, 100, 42, 1032, 237602538},
                                 {"asterix", 4, 100, 48, 6918, 483599110},
                                 {"seaquest", 10, 100, 8, 3117, 259638549},
                                 {"space_invaders", 6, 100, 296, 5180, 829203621}};
  for (const Row& row : rows) {
    MinAtarOptions options;
    options.sticky = 0.1;
    auto env = make_minatar(row.game, options, 0, std::make_unique<ScriptedLcg>(12345));
    LcgActions lcg;
    std::vector<uint8_t> obs(size_t(env->obs_space().size()));
    uint64_t h = 0;
    int ret = 0, steps = 0;
    for (int ep = 0; ep < row.episodes; ++ep) {
      TimeStep ts = env->reset(obs.data());
      h = fold_hash(h, obs.data(), row.channels);
      while (!ts.is_last) {
        ts = env->step(Action{lcg.next(), {}}, obs.data());
        ret += int(ts.reward);
        ++steps;
        h = fold_hash(h, obs.data(), row.channels);
      }
    }
    EXPECT_EQ(ret, row.ret) << row.game;
    EXPECT_EQ(steps, row.steps) << row.game;
    EXPECT_EQ(h, row.hash) << row.game;
  }
}

TEST(MinAtarEnv, RampLevelQueryThroughWrappers) {
  EnvOptions opts;
  opts.time_limit = 100000;
  EnvPtr env = make_env("minatar_breakout", opts, 0, 0);
  auto* minatar = find_env<MinAtarEnv>(*env);
  ASSERT_NE(minatar, nullptr);
  EXPECT_EQ(minatar->game(), "breakout");
  EXPECT_EQ(minatar->ramp_level(), minatar::kNoRamp);
  EnvPtr si = make_env("minatar_space_invaders", opts, 0, 0);
  EXPECT_EQ(find_env<MinAtarEnv>(*si)->ramp_level(), 0);
}

TEST(MinAtarEnv, RenderColoursEachChannel) {
  MinAtarOptions options;
  auto env = make_minatar("breakout", options, 0);
  uint8_t obs[400];
  env->reset(obs);
  Image image = env->render();
  ASSERT_EQ(image.height, 160);
  ASSERT_EQ(image.width, 160);
  ASSERT_EQ(image.rgb.size(), 160u * 160u * 3u);
  auto pixel = [&](int row, int col) {  // centre of a cell
    const size_t i = (size_t(row * 16 + 8) * 160 + size_t(col * 16 + 8)) * 3;
    return std::vector<int>{image.rgb[i], image.rgb[i + 1], image.rgb[i + 2]};
  };
  EXPECT_EQ(pixel(9, 4), (std::vector<int>{255, 255, 255}));  // paddle, channel 0
  EXPECT_EQ(pixel(5, 5), (std::vector<int>{0, 0, 0}));        // empty
  EXPECT_NE(pixel(1, 5), pixel(9, 4));                        // brick colour differs from paddle
  EXPECT_NE(pixel(1, 5), pixel(5, 5));
}

// ============================================================ Debug tasks ========================================

/// Plays `episodes` episodes of a debug task with a scripted policy; returns (total return, total length).
std::pair<double, int> play_debug(const std::string& task, int episodes,
                                  const std::function<int(const uint8_t*)>& policy) {
  EnvPtr env = make_env(task, EnvOptions(), 11, 0);
  std::vector<uint8_t> obs(size_t(env->obs_space().size()));
  double total = 0;
  int length = 0;
  for (int ep = 0; ep < episodes; ++ep) {
    TimeStep ts = env->reset(obs.data());
    while (!ts.is_last) {
      ts = env->step(Action{policy(obs.data()), {}}, obs.data());
      total += ts.reward;
      ++length;
    }
  }
  return {total, length};
}

TEST(DebugTasks, CatchOptimalPolicyAlwaysCatches) {
  auto optimal = [](const uint8_t* obs) {
    Board b{obs, 2};
    const int ball = b.find(0).second, paddle = b.find(1).second;
    return ball < paddle ? 1 : ball > paddle ? 2 : 0;
  };
  auto [ret, length] = play_debug("debug_catch", 200, optimal);
  EXPECT_EQ(ret, 200.0);
  EXPECT_EQ(length, 200 * 9);
}

TEST(DebugTasks, GoalOptimalPolicyReachesInDistanceSteps) {
  EnvPtr env = make_env("debug_goal", EnvOptions(), 5, 0);
  std::vector<uint8_t> obs(200);
  for (int ep = 0; ep < 200; ++ep) {
    TimeStep ts = env->reset(obs.data());
    Board b{obs.data(), 2};
    const auto [r0, c0] = b.find(0);
    const auto [gr, gc] = b.find(1);
    const int distance = std::abs(gr - r0) + std::abs(gc - c0);
    ASSERT_GE(distance, 1);
    ASSERT_LE(distance, 6);
    int steps = 0;
    float ret = 0;
    while (!ts.is_last) {
      const auto [r, c] = Board{obs.data(), 2}.find(0);
      const int a = gr < r ? 2 : gr > r ? 4 : gc < c ? 1 : 3;
      ts = env->step(Action{a, {}}, obs.data());
      ret += ts.reward;
      ++steps;
    }
    EXPECT_TRUE(ts.is_terminal);
    EXPECT_EQ(ret, 1.0f);
    EXPECT_EQ(steps, distance);
  }
}

TEST(DebugTasks, GoalIsCutAfterTenSteps) {
  auto [ret, length] = play_debug("debug_goal", 10, [](const uint8_t*) { return 0; });
  EXPECT_EQ(ret, 0.0);
  EXPECT_EQ(length, 100);
  EnvPtr env = make_env("debug_goal", EnvOptions(), 0, 0);
  std::vector<uint8_t> obs(200);
  env->reset(obs.data());
  TimeStep ts;
  for (int i = 0; i < 10; ++i) ts = env->step(Action{0, {}}, obs.data());
  EXPECT_TRUE(ts.is_last);
  EXPECT_FALSE(ts.is_terminal);
}

TEST(DebugTasks, RenderAndSpaces) {
  for (const std::string task : {"debug_catch", "debug_goal"}) {
    EnvPtr env = make_env(task, EnvOptions(), 0, 0);
    EXPECT_EQ(env->obs_space().height, 10);
    EXPECT_EQ(env->obs_space().channels, 2);
    EXPECT_EQ(env->obs_space().high, 1);
    std::vector<uint8_t> obs(200);
    env->reset(obs.data());
    EXPECT_EQ(env->render().rgb.size(), 160u * 160u * 3u);
  }
  EXPECT_THROW(make_debug("maze", 0), Error);
}

// ============================================================ Evaluation =========================================

TEST(EvaluateRandom, CatchMatchesTheExactRandomReturn) {
  // A random paddle catches with probability exactly 1/10 (the ball column is uniform and independent of it):
  // return +1 with probability 0.1 and -1 otherwise, mean -0.8, variance 1 - 0.64 = 0.36.
  ReturnStats s = evaluate_random("debug_catch", EnvOptions(), 4000, 1);
  EXPECT_EQ(s.episodes, 4000);
  EXPECT_NEAR(s.mean_return, -0.8, 4 * s.stderr_return);
  EXPECT_NEAR(s.stderr_return, std::sqrt(0.36 / 4000), 0.001);
  EXPECT_DOUBLE_EQ(s.mean_length, 9.0);
  EXPECT_DOUBLE_EQ(s.stderr_length, 0.0);
}

TEST(EvaluateRandom, ReproducibleAndSeedDependent) {
  const ReturnStats a = evaluate_random("minatar_breakout", EnvOptions(), 20, 7);
  const ReturnStats b = evaluate_random("minatar_breakout", EnvOptions(), 20, 7);
  const ReturnStats c = evaluate_random("minatar_breakout", EnvOptions(), 20, 8);
  EXPECT_EQ(a.mean_return, b.mean_return);
  EXPECT_EQ(a.mean_length, b.mean_length);
  EXPECT_NE(a.mean_length, c.mean_length);
  EXPECT_GT(a.mean_length, 5.0);
  EXPECT_THROW(evaluate_random("debug_catch", EnvOptions(), 0, 0), Error);
  const ReturnStats one = evaluate_random("debug_catch", EnvOptions(), 1, 0);
  EXPECT_EQ(one.stderr_return, 0.0);
}

}  // namespace
}  // namespace testing
}  // namespace dreamer

namespace dreamer {
namespace testing {
namespace {

/// A continuous env that ends after 4 steps and rewards the first action value (must lie in [low, high]).
class BoxEnv final : public Env {
 public:
  BoxEnv() {
    act_.discrete = false;
    act_.n = 2;
    act_.low = -2.0f;
    act_.high = 3.0f;
  }
  const ObsSpace& obs_space() const override { return obs_; }
  const ActSpace& act_space() const override { return act_; }
  TimeStep reset(uint8_t* obs) override {
    t_ = 0;
    obs[0] = 0;
    return TimeStep{0.0f, true, false, false};
  }
  TimeStep step(const Action& action, uint8_t* obs) override {
    EXPECT_EQ(action.values.size(), 2u);
    for (float v : action.values) EXPECT_TRUE(v >= -2.0f && v <= 3.0f) << v;
    obs[0] = uint8_t(++t_);
    return TimeStep{action.values[0], false, t_ == 4, t_ == 4};
  }
  Image render() const override { return Image(); }

 private:
  ObsSpace obs_{1, 1, 1, 255};
  ActSpace act_;
  int t_ = 0;
};

TEST(RandomPolicy, ContinuousActionsAreUniformInTheBox) {
  std::vector<EnvPtr> one;
  one.push_back(std::make_unique<BoxEnv>());
  BatchEnv envs(std::move(one), /*threads=*/0);
  Driver driver(envs);
  const ReturnStats s = play_episodes(driver, random_policy(envs.act_space(), 3), 5000);
  EXPECT_DOUBLE_EQ(s.mean_length, 4.0);
  // The return sums 4 values uniform in [-2, 3]: mean 4 * 0.5 = 2, variance 4 * 25 / 12.
  EXPECT_NEAR(s.mean_return, 2.0, 4 * std::sqrt(4 * 25.0 / 12 / 5000));
  EXPECT_NEAR(s.stderr_return, std::sqrt(4 * 25.0 / 12 / 5000), 0.002);
}

}  // namespace
}  // namespace testing
}  // namespace dreamer
