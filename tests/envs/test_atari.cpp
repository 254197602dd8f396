// The Atari backend on Tetris (the ROM ALE ships): shapes, max pooling, the time limit, no-op starts,
// sticky actions, seeding, ROM errors. Skipped, not passed, without ALE or without $ALE_ROM_DIR/tetris.bin.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "dreamer/envs/atari.h"
#include "dreamer/envs/registry.h"
#include "dreamer/envs/wrappers.h"
#include "error_text.h"

namespace fs = std::filesystem;

namespace dreamer {
namespace testing {
namespace {

// The folder holding tetris.bin, or "" (the test then skips).
std::string rom_dir() {
  const char* dir = std::getenv("ALE_ROM_DIR");
  if (!dir || !fs::is_regular_file(fs::path(dir) / "tetris.bin")) return "";
  return dir;
}

#define REQUIRE_TETRIS()                                                                      \
  do {                                                                                        \
    if (!atari_available()) GTEST_SKIP() << "built without ALE (README, section Atari)";       \
    if (rom_dir().empty()) GTEST_SKIP() << "ALE_ROM_DIR does not name a folder with tetris.bin"; \
  } while (0)

// The paper's protocol, as the atari preset configures it.
EnvOptions protocol() {
  EnvOptions o;
  o.action_repeat = 4;
  o.max_pool = true;
  o.time_limit = 27000;
  o.sticky = 0.25;
  o.rom_dir = rom_dir();
  return o;
}

AtariOptions raw(double sticky, int noops) {
  AtariOptions o;
  o.rom_dir = rom_dir();
  o.sticky = sticky;
  o.noops = noops;
  return o;
}

TEST(Atari, ObservationShapeAndActions) {
  REQUIRE_TETRIS();
  EnvPtr env = make_env("atari_tetris", protocol(), 0, 0);
  EXPECT_EQ(env->obs_space().height, 64);
  EXPECT_EQ(env->obs_space().width, 64);
  EXPECT_EQ(env->obs_space().channels, 1);
  EXPECT_EQ(env->obs_space().high, 255);
  EXPECT_TRUE(env->act_space().discrete);
  EXPECT_EQ(env->act_space().n, 18);  // the full action set, as the paper
  std::vector<uint8_t> obs(size_t(env->obs_space().size()), 0);
  TimeStep ts = env->reset(obs.data());
  EXPECT_TRUE(ts.is_first);
  EXPECT_GT(*std::max_element(obs.begin(), obs.end()), 0);  // a screen, not a blank buffer

  EnvOptions minimal = protocol();
  minimal.minimal_actions = true;
  const int n_minimal = make_env("atari_tetris", minimal, 0, 0)->act_space().n;
  EXPECT_GT(n_minimal, 1);
  EXPECT_LT(n_minimal, 18);
  EnvOptions rgb = protocol();
  rgb.grayscale = false;
  EXPECT_EQ(make_env("atari_tetris", rgb, 0, 0)->obs_space().channels, 3);

  AtariEnv screen("tetris", raw(0.25, 30), 0);
  EXPECT_EQ(screen.obs_space().height, 210);
  EXPECT_EQ(screen.obs_space().width, 160);
  const Image image = screen.render();
  EXPECT_EQ(image.height, 210);
  EXPECT_EQ(image.width, 160);
  EXPECT_EQ(image.rgb.size(), size_t(210 * 160 * 3));
}

// Two emulators on one seed run the same frames: the wrapped one's observation must be the area resize
// of the element-wise max of the bare one's last two frames of each repeat.
TEST(Atari, MaxPoolsTheLastTwoRawFramesThenResizes) {
  REQUIRE_TETRIS();
  auto bare = std::make_unique<AtariEnv>("tetris", raw(0.25, 30), 5);
  EnvPtr pooled = std::make_unique<ResizeImage>(
      std::make_unique<ActionRepeat>(std::make_unique<AtariEnv>("tetris", raw(0.25, 30), 5), 4, true), 64, 64,
      ResizeMethod::area);
  const size_t n = size_t(bare->obs_space().size());
  std::vector<uint8_t> frame(n), previous(n), expected_raw(n), expected(64 * 64), obs(64 * 64);
  const ImageResizer resize(210, 160, 64, 64, 1, ResizeMethod::area);
  bare->reset(frame.data());
  pooled->reset(obs.data());
  int differing_pairs = 0;
  for (int step = 0; step < 150; ++step) {
    const Action a{(step * 5) % 18, {}};
    for (int k = 0; k < 4; ++k) {
      std::swap(previous, frame);  // bare->step rewrites every byte of frame
      bare->step(a, frame.data());
    }
    for (size_t i = 0; i < n; ++i) expected_raw[i] = std::max(previous[i], frame[i]);
    resize(expected_raw.data(), expected.data());
    pooled->step(a, obs.data());
    ASSERT_EQ(obs, expected) << "agent step " << step;
    differing_pairs += previous != frame;
  }
  EXPECT_GT(differing_pairs, 10);  // the max mattered: the two frames differed
}

TEST(Atari, TimeLimitIsACutNotATerminal) {
  REQUIRE_TETRIS();
  EnvOptions o = protocol();
  o.time_limit = 12;
  EnvPtr env = make_env("atari_tetris", o, 0, 0);
  std::vector<uint8_t> obs(size_t(env->obs_space().size()));
  env->reset(obs.data());
  std::vector<float> noop(18, 0.0f);
  noop[0] = 1.0f;
  for (int t = 1; t <= 12; ++t) {
    const TimeStep ts = env->step(Action{0, noop}, obs.data());
    EXPECT_EQ(ts.is_last, t == 12) << t;
    EXPECT_FALSE(ts.is_terminal) << t;
  }
}

TEST(Atari, NoopStartsAreBoundedAndVary) {
  REQUIRE_TETRIS();
  AtariEnv none("tetris", raw(0.25, 0), 1);
  std::vector<uint8_t> obs(size_t(none.obs_space().size()));
  none.reset(obs.data());
  EXPECT_EQ(none.last_noops(), 0);
  const int base_frame = none.episode_frame();

  AtariEnv env("tetris", raw(0.25, 30), 1);
  int lowest = 1000, highest = -1;
  for (int i = 0; i < 200; ++i) {
    env.reset(obs.data());
    const int k = env.last_noops();
    ASSERT_GE(k, 1);
    ASSERT_LE(k, 30);
    ASSERT_EQ(env.episode_frame(), base_frame + k) << "the no-ops are emulator frames";
    lowest = std::min(lowest, k);
    highest = std::max(highest, k);
  }
  EXPECT_LE(lowest, 3);  // 200 uniform draws on 1..30 cover the range
  EXPECT_GE(highest, 28);
}

// Tetris reads the joystick every fourth frame; frame 3 after a reset without no-ops is one it reads.
// A one-frame press there is lost exactly when ALE keeps the previous action (noop) at that frame, so
// the share of presses that change the screen four frames later is 1 - sticky.
double share_of_presses_that_register(double sticky, int trials) {
  AtariEnv env("tetris", raw(sticky, 0), 11);
  std::vector<uint8_t> obs(size_t(env.obs_space().size()));
  auto play = [&](bool press) {
    env.reset(obs.data());
    for (int t = 0; t <= 7; ++t) env.step(Action{press && t == 3 ? 3 : 0, {}}, obs.data());
    return obs;
  };
  AtariEnv reference_env("tetris", raw(0.0, 0), 0);
  std::vector<uint8_t> without(obs.size());
  reference_env.reset(without.data());
  for (int t = 0; t <= 7; ++t) reference_env.step(Action{0, {}}, without.data());
  int registered = 0;
  for (int i = 0; i < trials; ++i) registered += play(true) != without;
  EXPECT_EQ(play(false), without);  // without a press, nothing sticky can change the screen
  return double(registered) / trials;
}

TEST(Atari, StickyActionsApplyPerFrameAtTheConfiguredRate) {
  REQUIRE_TETRIS();
  EXPECT_EQ(share_of_presses_that_register(0.0, 20), 1.0);
  EXPECT_EQ(share_of_presses_that_register(1.0, 20), 0.0);
  // 400 draws of Bernoulli(0.75): standard deviation 0.022.
  EXPECT_NEAR(share_of_presses_that_register(0.25, 400), 0.75, 0.07);
  EXPECT_NEAR(share_of_presses_that_register(0.5, 400), 0.5, 0.08);
}

// Observations, rewards and flags of `steps` agent steps under a fixed action sequence.
std::vector<uint8_t> episode_bytes(const EnvOptions& o, uint64_t seed, int steps) {
  EnvPtr env = make_env("atari_tetris", o, seed, 0);
  std::vector<uint8_t> obs(size_t(env->obs_space().size())), out;
  env->reset(obs.data());
  out.insert(out.end(), obs.begin(), obs.end());
  for (int t = 0; t < steps; ++t) {
    std::vector<float> onehot(18, 0.0f);
    onehot[size_t((t * 7) % 18)] = 1.0f;
    const TimeStep ts = env->step(Action{0, onehot}, obs.data());
    out.insert(out.end(), obs.begin(), obs.end());
    out.push_back(uint8_t(ts.reward));
    out.push_back(uint8_t(ts.is_last));
  }
  return out;
}

TEST(Atari, SameSeedSameEpisode) {
  REQUIRE_TETRIS();
  const auto a = episode_bytes(protocol(), 3, 200);
  EXPECT_EQ(a, episode_bytes(protocol(), 3, 200));
  EXPECT_NE(a, episode_bytes(protocol(), 4, 200));  // other no-op starts and sticky draws
}

TEST(Atari, RomErrorsNameTheFiles) {
  REQUIRE_TETRIS();
  EnvOptions o = protocol();
  const std::string missing = error_of([&] { make_env("atari_pong", o, 0, 0); });
  EXPECT_TRUE(contains(missing, (fs::path(rom_dir()) / "pong.bin").string())) << missing;
  EXPECT_TRUE(contains(error_of([&] { make_env("atari_", o, 0, 0); }), "name a game"));

  const fs::path dir = fs::temp_directory_path() / ("dreamer_roms_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  fs::copy_file(fs::path(rom_dir()) / "tetris.bin", dir / "pong.bin", fs::copy_options::overwrite_existing);
  std::ofstream(dir / "breakout.bin") << "not a cartridge";
  o.rom_dir = dir.string();
  const std::string renamed = error_of([&] { make_env("atari_pong", o, 0, 0); });
  EXPECT_TRUE(contains(renamed, "pong.bin") && contains(renamed, "not a ROM of 'pong'")) << renamed;
  const std::string foreign = error_of([&] { make_env("atari_breakout", o, 0, 0); });
  EXPECT_TRUE(contains(foreign, "breakout.bin") && contains(foreign, "not a ROM")) << foreign;
  fs::remove_all(dir);
}

// Built with or without ALE: where the ROM folder comes from.
TEST(AtariRoms, LookupNamesTheFolderAndTheFile) {
  const char* saved = std::getenv("ALE_ROM_DIR");
  const std::string keep = saved ? saved : "";
  ::unsetenv("ALE_ROM_DIR");
  const std::string unset = error_of([] { find_atari_rom("pong", ""); });
  EXPECT_TRUE(contains(unset, "--atari.rom_dir") && contains(unset, "ALE_ROM_DIR")) << unset;
  const std::string missing = error_of([] { find_atari_rom("space_invaders", "/nonexistent/roms"); });
  EXPECT_TRUE(contains(missing, "/nonexistent/roms/space_invaders.bin")) << missing;
  ::setenv("ALE_ROM_DIR", "/elsewhere", 1);
  const std::string from_env = error_of([] { find_atari_rom("pong", ""); });
  EXPECT_TRUE(contains(from_env, "/elsewhere/pong.bin") && contains(from_env, "ALE_ROM_DIR")) << from_env;
  if (saved)
    ::setenv("ALE_ROM_DIR", keep.c_str(), 1);
  else
    ::unsetenv("ALE_ROM_DIR");
}

}  // namespace
}  // namespace testing
}  // namespace dreamer
