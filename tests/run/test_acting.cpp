// The embedding API end to end: a program's own env suite trained through dreamer::train, then its agent loaded
// with load_agent and acting one observation or a batch at a time.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "dreamer/envs/random.h"
#include "dreamer/envs/registry.h"
#include "dreamer/run/acting.h"
#include "dreamer/run/train.h"
#include "envs/error_text.h"
#include "helpers.h"

namespace dreamer {
namespace testing {
namespace {

namespace fs = std::filesystem;

// A program's own task: a marker on row 9 of a 10x10 board, three actions (stay, left, right); reward +1 for each
// step on column 9, the episode terminal after 12 steps. Its generator draws the start column.
class Corridor final : public Env {
 public:
  Corridor(int length, uint64_t seed) : length_(length), rng_(seed) {}
  const ObsSpace& obs_space() const override { return obs_space_; }
  const ActSpace& act_space() const override { return act_space_; }
  TimeStep reset(uint8_t* obs) override {
    column_ = int(rng_.uniform() * 9);
    t_ = 0;
    draw(obs);
    return TimeStep{0.0f, true, false, false};
  }
  TimeStep step(const Action& action, uint8_t* obs) override {
    if (action.index < 0 || action.index > 2) throw Error("corridor: action " + std::to_string(action.index));
    column_ = std::clamp(column_ + (action.index == 2) - (action.index == 1), 0, 9);
    draw(obs);
    const bool end = ++t_ >= length_;
    return TimeStep{column_ == 9 ? 1.0f : 0.0f, false, end, end};
  }
  Image render() const override { return Image{10, 10, std::vector<uint8_t>(300, 0)}; }

 private:
  void draw(uint8_t* obs) const {
    std::fill(obs, obs + 100, uint8_t(0));
    obs[90 + column_] = 1;
  }
  ObsSpace obs_space_{10, 10, 1, 1};
  ActSpace act_space_{true, 3, -1.0f, 1.0f};
  int length_, column_ = 0, t_ = 0;
  Xoshiro256 rng_;
};

void register_corridor() {
  register_suite("corridor", [](const std::string& name, const EnvOptions&, uint64_t seed) -> EnvPtr {
    if (name != "short") throw Error("unknown corridor '" + name + "'");
    return std::make_unique<Corridor>(12, seed);
  }, {"short"});
}

TEST(Suites, AProgramsSuiteIsMadeAndWrappedLikeABuiltInOne) {
  register_corridor();
  EnvOptions opts;
  opts.action_repeat = 2;
  opts.time_limit = 4;
  EnvPtr env = make_env("corridor_short", opts, 3, 0);
  std::vector<uint8_t> obs(100);
  TimeStep ts = env->reset(obs.data());
  int steps = 0;
  const Action right{0, {0.0f, 0.0f, 1.0f}};  // one-hot: OneHotAction wraps a discrete suite too
  while (!ts.is_last) ts = env->step(right, obs.data()), ++steps;
  EXPECT_EQ(steps, 4);     // the time limit counts agent steps
  EXPECT_EQ(obs[99], 1);   // 8 frames to the right from any start column <= 8
  const auto tasks = available_tasks();
  EXPECT_NE(std::find(tasks.begin(), tasks.end(), "corridor_short"), tasks.end());
  EXPECT_TRUE(contains(error_of([&] { make_env("corridor_long", opts, 0, 0); }), "unknown corridor 'long'"));
  EXPECT_TRUE(contains(error_of([] { register_suite("mujoco", [](auto&, auto&, auto) { return EnvPtr(); }); }),
                       "'mujoco' is a built-in suite"));
  EXPECT_TRUE(contains(error_of([] { register_suite("my_suite", [](auto&, auto&, auto) { return EnvPtr(); }); }),
                       "without '_', got 'my_suite'"));
  register_suite("empty", [](auto&, auto&, auto) { return EnvPtr(); });
  EXPECT_TRUE(contains(error_of([&] { make_env("empty_x", opts, 0, 0); }), "the suite 'empty' made no env"));
}

// Trains the debug preset on the corridor in `dir` for a few hundred frames. With eval_state_mean the greedy policy
// takes the posterior's mean instead of a sample, so it acts deterministically and copies can be compared.
void train_corridor(const std::string& dir) {
  register_corridor();
  ResolvedConfig rc = load_config(default_configs_path(), {"debug"},
                                  {{"task", "corridor_short"}, {"logdir", dir}, {"steps", "600"}, {"prefill", "200"},
                                   {"eval_every", "600"}, {"eval_eps", "1"}, {"log_every", "300"}, {"threads", "1"},
                                   {"eval_state_mean", "true"}});
  train(rc);
}

TEST(LoadedAgent, ActsForOneEnvOrABatchFromARunOfAProgramsSuite) {
  const fs::path dir = fs::temp_directory_path() / "dreamer_acting_corridor";
  fs::remove_all(dir);
  train_corridor(dir.string());
  LoadedAgent agent = load_agent(dir.string());
  EXPECT_EQ(agent.config().task, "corridor_short");
  EXPECT_EQ(agent.obs_space().height, 10);
  EXPECT_TRUE(agent.act_space().discrete);
  EXPECT_EQ(agent.act_space().n, 3);

  // A greedy episode in the program's loop, one observation at a time; a second loaded copy acts alike.
  LoadedAgent twin = load_agent(dir.string(), "cpu");
  EnvPtr env = make_env("corridor_short", env_options(agent.config()), 5, 0);
  std::vector<uint8_t> obs(100);
  TimeStep ts = env->reset(obs.data());
  agent.reset();
  std::vector<int> taken;
  while (!ts.is_last) {
    const Action a = agent.act(obs.data());
    ASSERT_GE(a.index, 0);
    ASSERT_LT(a.index, 3);
    ASSERT_EQ(twin.act(obs.data()).index, a.index);
    taken.push_back(a.index);
    ts = env->step(Action{0, std::vector<float>{float(a.index == 0), float(a.index == 1), float(a.index == 2)}},
                   obs.data());
  }
  EXPECT_EQ(taken.size(), 12u);

  // Batched: two envs, their states kept apart; env 1 restarting gives env 0's first action again.
  LoadedAgent batch = load_agent(dir.string());
  std::vector<uint8_t> first(200, 0);
  first[90 + 4] = 1, first[100 + 90 + 4] = 1;
  const auto a0 = batch.act(first.data(), {true, true});
  ASSERT_EQ(a0.size(), 2u);
  EXPECT_EQ(a0[0].index, a0[1].index);
  LoadedAgent single = load_agent(dir.string());
  EXPECT_EQ(single.act(first.data()).index, a0[0].index);
  batch.act(first.data(), {false, false});
  const auto restarted = batch.act(first.data(), {false, true});
  EXPECT_EQ(restarted[1].index, a0[0].index);
  EXPECT_TRUE(contains(error_of([&] { batch.act(first.data(), std::vector<bool>{false}); }), "1 envs, but the state holds 2"));
  batch.reset();
  EXPECT_EQ(batch.act(first.data(), std::vector<bool>{false}).size(), 1u);  // after reset any number of envs starts over

  // The CLI's evaluation path plays through the same agent.
  const CheckpointEval eval = evaluate_checkpoint(dir.string(), 2, 7);
  EXPECT_EQ(eval.task, "corridor_short");
  EXPECT_EQ(eval.stats.episodes, 2);
  EXPECT_DOUBLE_EQ(eval.stats.mean_length, 12.0);
  fs::remove_all(dir);
}

TEST(LoadedAgent, AMissingRunIsNamed) {
  EXPECT_TRUE(contains(error_of([] { load_agent("/nonexistent/run"); }), "'/nonexistent/run' holds no run"));
}

}  // namespace
}  // namespace testing
}  // namespace dreamer
