// BatchEnv: batched stepping equals stepping each env alone (with auto-reset), for any thread count.
#include <gtest/gtest.h>

#include "dreamer/envs/batch_env.h"
#include "dreamer/envs/registry.h"
#include "dreamer/envs/random.h"
#include "fake_env.h"

namespace dreamer {
namespace testing {
namespace {

std::vector<EnvPtr> make_envs(const std::string& task, int n, uint64_t seed) {
  return dreamer::make_envs(task, EnvOptions(), seed, n);
}

/// The actions of env i at call t: a fixed pseudo-random table.
int action_at(int t, int i, int n) {
  uint64_t s = uint64_t(t) * 1000 + uint64_t(i);
  return int(splitmix64(s) % uint64_t(n));
}

TEST(BatchEnv, EqualsSteppingOneByOne) {
  const int n = 5, calls = 600;
  for (int threads : {1, 2, 3}) {
    for (const std::string task : {"minatar_breakout", "minatar_seaquest", "debug_catch"}) {
      BatchEnv batch(make_envs(task, n, 9), threads);
      std::vector<EnvPtr> solo = make_envs(task, n, 9);
      const int64_t size = batch.obs_size();
      const int n_actions = batch.act_space().n;
      std::vector<uint8_t> batch_obs(size_t(n * size));
      std::vector<uint8_t> solo_obs(static_cast<size_t>(size));
      std::vector<TimeStep> out;
      std::vector<bool> last(n, true);  // solo envs: reset on the first call, as the batch does
      std::vector<Action> actions(n);
      int firsts = 0;
      for (int t = 0; t < calls; ++t) {
        for (int i = 0; i < n; ++i) actions[size_t(i)].index = action_at(t, i, n_actions);
        batch.step(actions, batch_obs.data(), out);
        ASSERT_EQ(out.size(), size_t(n));
        for (int i = 0; i < n; ++i) {
          TimeStep want = last[size_t(i)] ? solo[size_t(i)]->reset(solo_obs.data())
                                          : solo[size_t(i)]->step(actions[size_t(i)], solo_obs.data());
          last[size_t(i)] = want.is_last;
          firsts += want.is_first;
          const TimeStep& got = out[size_t(i)];
          ASSERT_EQ(got.is_first, want.is_first) << task << " t=" << t << " env " << i;
          ASSERT_EQ(got.is_last, want.is_last);
          ASSERT_EQ(got.is_terminal, want.is_terminal);
          ASSERT_EQ(got.reward, want.reward);
          ASSERT_EQ(0, std::memcmp(batch_obs.data() + i * size, solo_obs.data(), size_t(size)))
              << task << " t=" << t << " env " << i << " threads " << threads;
        }
      }
      EXPECT_GT(firsts, n) << task;  // episodes ended and were reset automatically
    }
  }
}

TEST(BatchEnv, ResetAllAndFirstCallResets) {
  std::vector<EnvPtr> envs;
  for (int i = 0; i < 3; ++i) envs.push_back(std::make_unique<FakeEnv>(ObsSpace{1, 1, 1, 255}, 2, 2));
  BatchEnv batch(std::move(envs));
  uint8_t obs[3];
  std::vector<TimeStep> out;
  std::vector<Action> actions(3);
  batch.step(actions, obs, out);  // never reset: resets
  for (const auto& ts : out) EXPECT_TRUE(ts.is_first);
  batch.step(actions, obs, out);  // step 1
  EXPECT_EQ(obs[0], 1);
  batch.step(actions, obs, out);  // step 2: last
  EXPECT_TRUE(out[2].is_last);
  batch.step(actions, obs, out);  // auto-reset, action ignored
  EXPECT_TRUE(out[1].is_first);
  EXPECT_EQ(obs[1], 0);
  batch.step(actions, obs, out);
  batch.reset(obs, out);  // explicit reset of all, mid-episode
  EXPECT_TRUE(out[0].is_first);
  EXPECT_EQ(static_cast<FakeEnv&>(batch.env(0)).resets, 3);
}

TEST(BatchEnv, ErrorsAreReportedFromWorkers) {
  for (int threads : {1, 2}) {
    BatchEnv batch(make_envs("minatar_breakout", 4, 0), threads);
    std::vector<uint8_t> obs(size_t(4 * batch.obs_size()));
    std::vector<TimeStep> out;
    std::vector<Action> actions(4);
    batch.step(actions, obs.data(), out);
    actions[3].index = 17;  // handled by the last worker
    EXPECT_THROW(batch.step(actions, obs.data(), out), Error);
    actions.pop_back();
    EXPECT_THROW(batch.step(actions, obs.data(), out), Error);
  }
  std::vector<EnvPtr> mixed = make_envs("minatar_breakout", 1, 0);
  mixed.push_back(make_env("minatar_seaquest", EnvOptions(), 0, 1));
  EXPECT_THROW(BatchEnv(std::move(mixed)), Error);
  EXPECT_THROW(BatchEnv(std::vector<EnvPtr>()), Error);
  EXPECT_THROW(dreamer::make_envs("minatar_breakout", EnvOptions(), 0, 0), Error);
}

}  // namespace
}  // namespace testing
}  // namespace dreamer
