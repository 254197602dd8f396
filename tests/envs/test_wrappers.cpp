// Wrapper tests against hand-computed expectations, on a scripted FakeEnv.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "dreamer/envs/random.h"
#include "dreamer/envs/wrappers.h"
#include "fake_env.h"

namespace dreamer {
namespace testing {
namespace {

std::unique_ptr<FakeEnv> fake(int end, ObsSpace space = ObsSpace{1, 2, 1, 255}, int n_actions = 4) {
  return std::make_unique<FakeEnv>(space, n_actions, end);
}

Action act(int index) { return Action{index, {}}; }

TEST(ActionRepeat, SumsRewardsAndStopsAtLast) {
  auto inner = fake(/*end=*/5);
  FakeEnv* raw = inner.get();
  ActionRepeat env(std::move(inner), 3);
  uint8_t obs[2];
  env.reset(obs);
  TimeStep ts = env.step(act(2), obs);
  EXPECT_FLOAT_EQ(ts.reward, 1 + 2 + 3);
  EXPECT_FALSE(ts.is_last);
  EXPECT_EQ(obs[0], 3);
  ts = env.step(act(1), obs);
  EXPECT_FLOAT_EQ(ts.reward, 4 + 5);  // stopped after inner step 5
  EXPECT_TRUE(ts.is_last && ts.is_terminal);
  EXPECT_EQ(raw->actions, (std::vector<int>{2, 2, 2, 1, 1}));
}

TEST(ActionRepeat, MaxPoolsTheLastTwoFrames) {
  auto inner = fake(0);
  inner->frame = [](int t, uint8_t* obs) {
    obs[0] = uint8_t(t == 2 ? 50 : t);
    obs[1] = uint8_t(t == 3 ? 60 : 0);
  };
  ActionRepeat env(std::move(inner), 3, /*max_pool=*/true);
  uint8_t obs[2];
  env.reset(obs);
  env.step(act(0), obs);  // frames 2 = (50, 0), 3 = (3, 60)
  EXPECT_EQ(obs[0], 50);
  EXPECT_EQ(obs[1], 60);
  env.step(act(0), obs);  // frames 5 = (5, 0), 6 = (6, 0)
  EXPECT_EQ(obs[0], 6);
  EXPECT_EQ(obs[1], 0);
}

// An env that can skip its observation is asked for it only on the frames ActionRepeat reads, and for the
// frame that ends an episode early; the results equal those of an env that cannot skip. Frames fall (100 - t)
// so that a max over a stale or wrong frame would show.
TEST(ActionRepeat, ReadsOnlyTheFramesItObserves) {
  for (bool max_pool : {false, true})
    for (int end : {5, 6, 7}) {  // the second repeat ends at its frame 1, 2 or 3
      auto skipping = fake(end), plain = fake(end);
      for (FakeEnv* e : {skipping.get(), plain.get()}) e->frame = [](int t, uint8_t* o) { o[0] = o[1] = uint8_t(100 - t); };
      skipping->skips = true;
      FakeEnv* counts = skipping.get();
      ActionRepeat a(std::move(skipping), 4, max_pool), b(std::move(plain), 4, max_pool);
      uint8_t obs_a[2], obs_b[2];
      a.reset(obs_a);
      b.reset(obs_b);
      const TimeStep first_a = a.step(act(1), obs_a), first_b = b.step(act(1), obs_b);
      EXPECT_EQ(counts->unobserved, max_pool ? 2 : 3);
      EXPECT_EQ(counts->observed, max_pool ? 2 : 1);
      EXPECT_FLOAT_EQ(first_a.reward, first_b.reward);
      EXPECT_EQ(obs_a[0], max_pool ? 100 - 3 : 100 - 4);  // max(frame 3, frame 4) = frame 3
      EXPECT_EQ(obs_a[0], obs_b[0]);
      const TimeStep last_a = a.step(act(2), obs_a), last_b = b.step(act(2), obs_b);
      EXPECT_TRUE(last_a.is_last && last_b.is_last);
      float rewards = 0;
      for (int t = 5; t <= end; ++t) rewards += float(t);
      EXPECT_FLOAT_EQ(last_a.reward, rewards);
      // Ended early: the final frame alone, never a max with the other buffer's frame of step one.
      EXPECT_EQ(obs_a[0], 100 - end) << "max_pool " << max_pool << " end " << end;
      EXPECT_EQ(obs_a[0], obs_b[0]) << "max_pool " << max_pool << " end " << end;
    }
}

// A terminal on a middle frame (an Atari life loss) survives the later frames of the repeat.
TEST(ActionRepeat, KeepsATerminalOfAnyFrame) {
  class LosesALife final : public Wrapper {
   public:
    using Wrapper::Wrapper;
    TimeStep step(const Action& action, uint8_t* obs) override {
      TimeStep ts = env_->step(action, obs);
      ts.is_terminal = ++t_ == 2;
      return ts;
    }

   private:
    int t_ = 0;
  };
  ActionRepeat env(std::make_unique<LosesALife>(fake(0)), 4);
  uint8_t obs[2];
  env.reset(obs);
  const TimeStep ts = env.step(act(0), obs);
  EXPECT_TRUE(ts.is_terminal);
  EXPECT_FALSE(ts.is_last);
  EXPECT_FALSE(env.step(act(0), obs).is_terminal);
}

TEST(ActionRepeat, RejectsZero) { EXPECT_THROW(ActionRepeat(fake(0), 0), Error); }

TEST(TimeLimit, CutsWithoutTerminal) {
  TimeLimit env(fake(/*end=*/10), 4);
  uint8_t obs[2];
  env.reset(obs);
  for (int t = 1; t <= 3; ++t) EXPECT_FALSE(env.step(act(0), obs).is_last);
  TimeStep ts = env.step(act(0), obs);
  EXPECT_TRUE(ts.is_last);
  EXPECT_FALSE(ts.is_terminal);
  env.reset(obs);
  EXPECT_EQ(env.elapsed(), 0);
  EXPECT_FALSE(env.step(act(0), obs).is_last);
}

TEST(TimeLimit, KeepsATerminalOnTheLimitStep) {
  TimeLimit env(fake(/*end=*/3), 3);
  uint8_t obs[2];
  env.reset(obs);
  env.step(act(0), obs);
  env.step(act(0), obs);
  TimeStep ts = env.step(act(0), obs);
  EXPECT_TRUE(ts.is_last && ts.is_terminal);
}

TEST(StickyActions, ProbabilityZeroAndOne) {
  auto a = fake(0);
  FakeEnv* raw_a = a.get();
  StickyActions never(std::move(a), 0.0, 1);
  auto b = fake(0);
  FakeEnv* raw_b = b.get();
  StickyActions always(std::move(b), 1.0, 1);
  uint8_t obs[2];
  never.reset(obs);
  always.reset(obs);
  for (int i : {3, 1, 2}) {
    never.step(act(i), obs);
    always.step(act(i), obs);
  }
  EXPECT_EQ(raw_a->actions, (std::vector<int>{3, 1, 2}));
  EXPECT_EQ(raw_b->actions, (std::vector<int>{0, 0, 0}));  // the memory starts at action 0
}

TEST(StickyActions, FollowsItsOwnGeneratorAndSurvivesReset) {
  const double p = 0.5;
  const uint64_t seed = 42;
  auto inner = fake(0);
  FakeEnv* raw = inner.get();
  StickyActions env(std::move(inner), p, seed);
  Xoshiro256 draws(seed);  // the same stream, replayed by hand
  std::vector<int> expected;
  int previous = 0;
  uint8_t obs[2];
  env.reset(obs);
  for (int t = 0; t < 200; ++t) {
    if (t == 100) env.reset(obs);  // must not clear the memory
    const int requested = t % 4;
    previous = draws.uniform() < p ? previous : requested;
    expected.push_back(previous);
    env.step(act(requested), obs);
  }
  EXPECT_EQ(raw->actions, expected);
  int repeats = 0;
  for (int t = 0; t < 200; ++t) repeats += expected[size_t(t)] != t % 4;
  EXPECT_GT(repeats, 50);  // stickiness actually happened
}

TEST(OneHotAction, ForwardsTheIndexAndValidates) {
  auto inner = fake(0);
  FakeEnv* raw = inner.get();
  OneHotAction env(std::move(inner));
  uint8_t obs[2];
  env.reset(obs);
  env.step(Action{0, {0, 0, 1, 0}}, obs);
  env.step(act(3), obs);  // no values: the index passes through
  EXPECT_EQ(raw->actions, (std::vector<int>{2, 3}));
  EXPECT_THROW(env.step(Action{0, {0, 1, 0}}, obs), Error);        // wrong size
  EXPECT_THROW(env.step(Action{0, {0, 1, 1, 0}}, obs), Error);     // two ones
  EXPECT_THROW(env.step(Action{0, {0, 0.5f, 0, 0}}, obs), Error);  // not 0/1
  EXPECT_THROW(env.step(Action{0, {0, 0, 0, 0}}, obs), Error);     // no one
  try {
    env.step(Action{0, {0, 1, 0}}, obs);
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("3 entries, expected 4"), std::string::npos) << e.what();
  }
}

TEST(RewardTransform, TanhSignIdentity) {
  auto rewards = [](int t) { return t == 1 ? 2.0f : t == 2 ? -3.0f : 0.0f; };
  for (RewardKind kind : {RewardKind::identity, RewardKind::tanh, RewardKind::sign}) {
    auto inner = fake(0);
    inner->reward = rewards;
    RewardTransform env(std::move(inner), kind);
    uint8_t obs[2];
    env.reset(obs);
    const float r1 = env.step(act(0), obs).reward, r2 = env.step(act(0), obs).reward,
                r3 = env.step(act(0), obs).reward;
    if (kind == RewardKind::identity) {
      EXPECT_FLOAT_EQ(r1, 2.0f);
      EXPECT_FLOAT_EQ(r2, -3.0f);
    } else if (kind == RewardKind::tanh) {
      EXPECT_NEAR(r1, 0.9640276f, 1e-6);
      EXPECT_NEAR(r2, -0.9950548f, 1e-6);
    } else {
      EXPECT_FLOAT_EQ(r1, 1.0f);
      EXPECT_FLOAT_EQ(r2, -1.0f);
    }
    EXPECT_FLOAT_EQ(r3, 0.0f);
  }
  EXPECT_EQ(parse_reward_kind("tanh"), RewardKind::tanh);
  EXPECT_THROW(parse_reward_kind("clip"), Error);
}

TEST(ImageResizer, AreaDownscaleIsTheBlockMean) {
  // 4x4x1 -> 2x2x1: each output is the mean of a 2x2 block.
  const uint8_t in[16] = {0, 10, 20, 30,  //
                          40, 50, 60, 70,   //
                          80, 90, 100, 110,  //
                          120, 130, 140, 255};
  uint8_t out[4];
  ImageResizer(4, 4, 2, 2, 1, ResizeMethod::area)(in, out);
  EXPECT_EQ(out[0], 25);   // (0+10+40+50)/4
  EXPECT_EQ(out[1], 45);   // (20+30+60+70)/4
  EXPECT_EQ(out[2], 105);  // (80+90+120+130)/4
  EXPECT_EQ(out[3], 151);  // (100+110+140+255)/4 = 151.25
}

TEST(ImageResizer, BilinearUpscaleUsesHalfPixelCentres) {
  // 1x2x1 [0, 100] -> 1x4x1: sources -0.25 (clamped 0), 0.25, 0.75, 1.25 (clamped 1).
  const uint8_t in[2] = {0, 100};
  uint8_t out[4];
  ImageResizer(1, 2, 1, 4, 1, ResizeMethod::bilinear)(in, out);
  EXPECT_EQ(out[0], 0);
  EXPECT_EQ(out[1], 25);
  EXPECT_EQ(out[2], 75);
  EXPECT_EQ(out[3], 100);
}

TEST(ImageResizer, KeepsChannelsApart) {
  // 1x2x2 -> 1x1x2 area: per-channel means.
  const uint8_t in[4] = {10, 200, 30, 100};
  uint8_t out[2];
  ImageResizer(1, 2, 1, 1, 2, ResizeMethod::area)(in, out);
  EXPECT_EQ(out[0], 20);
  EXPECT_EQ(out[1], 150);
}

// The Atari case, 210x160 -> 64x64, in RGB: every output against a direct evaluation of the area mean (each
// source pixel weighted by the overlap of its cell with the output's footprint, in doubles).
TEST(ImageResizer, AreaMatchesADirectMeanOnAtariSizedRgb) {
  const int H = 210, W = 160, h = 64, w = 64, C = 3;
  std::vector<uint8_t> in(size_t(H) * W * C), out(size_t(h) * w * C);
  uint64_t state = 9;
  for (auto& v : in) v = uint8_t(splitmix64(state) >> 56);
  ImageResizer(H, W, h, w, C, ResizeMethod::area)(in.data(), out.data());
  auto overlap = [](double lo, double hi, int i) { return std::max(0.0, std::min(hi, i + 1.0) - std::max(lo, double(i))); };
  const double sy = double(H) / h, sx = double(W) / w;
  int off_by_one = 0;
  for (int oy = 0; oy < h; ++oy)
    for (int ox = 0; ox < w; ++ox)
      for (int c = 0; c < C; ++c) {
        double sum = 0;
        for (int y = int(oy * sy); y < std::min(H, int(std::ceil((oy + 1) * sy))); ++y)
          for (int x = int(ox * sx); x < std::min(W, int(std::ceil((ox + 1) * sx))); ++x)
            sum += overlap(oy * sy, (oy + 1) * sy, y) * overlap(ox * sx, (ox + 1) * sx, x) * in[(size_t(y) * W + x) * C + c];
        const double expected = sum / (sy * sx);
        const int got = out[(size_t(oy) * w + ox) * C + c];
        ASSERT_LE(std::fabs(got - expected), 0.5 + 1e-3) << oy << "," << ox << "," << c;
        off_by_one += got != int(std::lround(expected));  // float sums may round a .5 the other way
      }
  EXPECT_LE(off_by_one, 10);
}

TEST(ResizeImage, ChangesTheSpaceAndResizesEveryFrame) {
  auto inner = fake(0, ObsSpace{2, 2, 1, 255});
  inner->frame = [](int t, uint8_t* obs) {
    const uint8_t v[4] = {0, 40, 80, uint8_t(120 + t)};
    std::memcpy(obs, v, 4);
  };
  ResizeImage env(std::move(inner), 1, 1, ResizeMethod::area);
  EXPECT_EQ(env.obs_space().height, 1);
  EXPECT_EQ(env.obs_space().width, 1);
  uint8_t obs[1];
  env.reset(obs);
  EXPECT_EQ(obs[0], 60);
  env.step(act(0), obs);
  EXPECT_EQ(obs[0], 60);  // 241 / 4 = 60.25
  env.step(act(0), obs);
  EXPECT_EQ(obs[0], 61);  // 242 / 4 = 60.5 rounds up
}

TEST(Grayscale, Luminance) {
  auto inner = fake(0, ObsSpace{1, 4, 3, 255});
  inner->frame = [](int, uint8_t* obs) {
    const uint8_t px[12] = {255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255};
    std::memcpy(obs, px, 12);
  };
  Grayscale env(std::move(inner));
  EXPECT_EQ(env.obs_space().channels, 1);
  uint8_t obs[4];
  env.reset(obs);
  EXPECT_EQ(obs[0], 76);   // 0.299 * 255 = 76.2
  EXPECT_EQ(obs[1], 150);  // 0.587 * 255 = 149.7
  EXPECT_EQ(obs[2], 29);   // 0.114 * 255 = 29.1
  EXPECT_EQ(obs[3], 255);
  EXPECT_THROW(Grayscale(fake(0, ObsSpace{1, 1, 1, 255})), Error);
}

TEST(Wrapper, FindEnvWalksTheChain) {
  EnvPtr env = std::make_unique<TimeLimit>(std::make_unique<OneHotAction>(fake(0)), 5);
  EXPECT_NE(find_env<OneHotAction>(*env), nullptr);
  EXPECT_NE(find_env<FakeEnv>(*env), nullptr);
  EXPECT_EQ(find_env<Grayscale>(*env), nullptr);
  EXPECT_THROW(TimeLimit(nullptr, 3), Error);
}

}  // namespace
}  // namespace testing
}  // namespace dreamer
