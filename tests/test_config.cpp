// Tests of config resolution: presets, overrides, and errors that name the bad key or value.
#include <gtest/gtest.h>

#include "dreamer/core/config.h"
#include "dreamer/core/error.h"

using namespace dreamer;

namespace {
ResolvedConfig resolve(const std::vector<std::string>& presets,
                       const std::vector<std::pair<std::string, std::string>>& overrides = {}) {
  return load_config(default_configs_path(), presets, overrides);
}

// Expects `fn` to throw dreamer::Error whose message contains `needle`.
template <typename F>
void expect_error(F fn, const std::string& needle) {
  try {
    fn();
    FAIL() << "no error; expected one mentioning '" << needle << "'";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}
}  // namespace

TEST(Config, DefaultsMatchTheOfficialValues) {
  auto c = resolve({}).config;
  EXPECT_EQ(c.rssm.deter, 1024);
  EXPECT_EQ(c.rssm.stoch, 32);
  EXPECT_EQ(c.rssm.discrete, 32);
  EXPECT_EQ(c.encoder.cnn_kernels, (std::vector<int>{4, 4, 4, 4}));
  EXPECT_EQ(c.decoder.cnn_kernels, (std::vector<int>{5, 5, 6, 6}));
  EXPECT_DOUBLE_EQ(c.kl.balance, 0.8);
  EXPECT_DOUBLE_EQ(c.model_opt.eps, 1e-5);
  EXPECT_EQ(c.steps, 100000000);
  EXPECT_EQ(c.imag_horizon, 15);
  EXPECT_EQ(c.dataset.batch, 16);
}

TEST(Config, PresetsApplyInOrderThenOverrides) {
  auto c = resolve({"atari"}).config;
  EXPECT_EQ(c.rssm.deter, 600);
  EXPECT_EQ(c.rssm.stoch, 32);  // untouched field of the same block
  EXPECT_DOUBLE_EQ(c.model_opt.lr, 2e-4);
  EXPECT_DOUBLE_EQ(c.model_opt.eps, 1e-5);
  EXPECT_DOUBLE_EQ(c.loss_scales.kl, 0.1);
  EXPECT_EQ(c.action_repeat, 4);
  EXPECT_EQ(c.steps, 200000000);  // frames: the official 5e7 agent steps x action repeat 4

  auto d = resolve({"atari", "debug"}, {{"rssm.deter", "77"}, {"encoder.cnn_kernels", "[3, 3]"}}).config;
  EXPECT_EQ(d.rssm.deter, 77);    // override beats both presets
  EXPECT_EQ(d.rssm.hidden, 64);   // debug (later) beats atari
  EXPECT_EQ(d.action_repeat, 4);  // atari's, debug does not set it
  EXPECT_EQ(d.encoder.cnn_kernels, (std::vector<int>{3, 3}));
}

TEST(Config, EveryPresetResolves) {
  for (const std::string p : {"atari", "minatar", "mujoco_vision", "debug"}) EXPECT_NO_THROW(resolve({p})) << p;
}

TEST(Config, WrittenYamlParsesBackToTheSameConfig) {
  auto r = resolve({"minatar"}, {{"seed", "5"}});
  auto back = parse_config(r.yaml);
  EXPECT_EQ(back.yaml, r.yaml);
  EXPECT_EQ(back.config.seed, 5);
  EXPECT_EQ(back.config.rssm.deter, r.config.rssm.deter);
}

TEST(Config, ErrorsNameTheBadInput) {
  expect_error([] { resolve({"nosuch"}); }, "unknown preset 'nosuch'");
  expect_error([] { resolve({}, {{"rssm.hiden", "3"}}); }, "unknown key 'rssm.hiden'");
  expect_error([] { resolve({}, {{"rssm.deter", "big"}}); }, "'rssm.deter' has value 'big'");
  expect_error([] { resolve({}, {{"rssm.deter", "2.5"}}); }, "expected an integer");
  expect_error([] { resolve({}, {{"slow_target", "maybe"}}); }, "'slow_target' has value 'maybe'");
  expect_error([] { resolve({}, {{"rssm", "3"}}); }, "'rssm'");
  expect_error([] { resolve({}, {{"actor_grad", "magic"}}); }, "'actor_grad' has value 'magic'");
  expect_error([] { resolve({}, {{"expl_behavior", "plan2explore"}}); }, "'expl_behavior' has value 'plan2explore'");
  expect_error([] { resolve({}, {{"encoder.cnn_kernels", "4"}}); }, "expected a list");
  expect_error([] { parse_config("seed: 1\n"); }, "missing key");
  expect_error([] { resolve({}, {{"eval_every", "0"}}); }, "'eval_every' has value '0', expected at least 1");
  expect_error([] { resolve({}, {{"prefill", "-5"}}); }, "'prefill' has value '-5'");
}

TEST(Config, StepCountsAcceptScientificNotation) {
  auto c = resolve({}, {{"steps", "2.5e5"}}).config;
  EXPECT_EQ(c.steps, 250000);
}
