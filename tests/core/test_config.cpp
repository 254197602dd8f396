// Tests of config resolution: presets (v3 over another), overrides, keys added later, and errors that name the
// bad key or value.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include "dreamer/core/config.h"
#include "dreamer/core/error.h"
#include "dreamer/run/run_dir.h"
#include "helpers.h"

using namespace dreamer;
using dreamer::testing::error_of;
using dreamer::testing::preset;

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

TEST(Config, AtariPresetIsThePapersProtocol) {
  const Config c = resolve({"atari"}).config;
  EXPECT_EQ(c.render_size, (std::vector<int>{64, 64}));
  EXPECT_TRUE(c.atari_grayscale);
  EXPECT_EQ(c.action_repeat, 4);
  EXPECT_TRUE(c.atari.max_pool);
  EXPECT_EQ(c.atari.resize, "area");
  EXPECT_DOUBLE_EQ(c.sticky, 0.25);
  EXPECT_EQ(c.atari.noops, 30);
  EXPECT_FALSE(c.atari.life_loss);
  EXPECT_FALSE(c.minimal_actions);  // all 18 actions
  EXPECT_EQ(c.time_limit, 27000);
  EXPECT_EQ(c.clip_rewards, "tanh");
  expect_error([] { resolve({"atari"}, {{"atari.resize", "nearest"}}); }, "'atari.resize' has value 'nearest'");
  expect_error([] { resolve({"atari"}, {{"atari.noops", "-1"}}); }, "'atari.noops'");
  expect_error([] { resolve({"atari"}, {{"sticky", "1.5"}}); }, "'sticky'");
}

// A preset's pixel_tasks block applies only when the resolved task is a pixel task, wherever the task came from.
TEST(Config, PixelTasksBlockFollowsTheResolvedTask) {
  const Config board = resolve({"debug"}).config;  // debug_catch: stride-1 coders for 10x10 boards
  EXPECT_EQ(board.encoder.cnn_stride, 1);
  EXPECT_EQ(board.decoder.dist, "binary");
  const Config pixels = resolve({"atari", "debug"}, {{"task", "atari_tetris"}}).config;  // debug sets debug_catch
  EXPECT_EQ(pixels.encoder.cnn_stride, 2);
  EXPECT_EQ(pixels.encoder.cnn_kernels, (std::vector<int>{4, 4, 4, 4}));
  EXPECT_EQ(pixels.decoder.cnn_kernels, (std::vector<int>{5, 5, 6, 6}));
  EXPECT_EQ(pixels.decoder.dist, "mse");
  EXPECT_EQ(pixels.encoder.cnn_depth, 16);  // debug's small depth stays
  EXPECT_EQ(resolve({"debug"}, {{"task", "atari_tetris"}}).config.encoder.cnn_stride, 2);
  EXPECT_EQ(resolve({"atari", "debug"}, {{"task", "debug_catch"}}).config.encoder.cnn_stride, 1);
  // An override still beats the pixel block.
  EXPECT_EQ(resolve({"debug", "atari"}).config.encoder.cnn_stride, 2);  // atari's task, atari_pong
  EXPECT_EQ(resolve({"debug", "atari"}, {{"encoder.cnn_stride", "3"}}).config.encoder.cnn_stride, 3);
}

// A run directory written before the `atari` block existed still reads, with configs.yaml's defaults.
TEST(Config, KeysAddedLaterReadTheirDefaultsFromOlderRuns) {
  const ResolvedConfig now = resolve({});
  std::string old = now.yaml;
  const size_t at = old.find("\natari:");
  ASSERT_NE(at, std::string::npos);
  const size_t end = old.find('\n', old.find("resize", at));
  old.erase(at, end - at);
  ASSERT_EQ(old.find("noops"), std::string::npos);
  const Config read = parse_config(old).config;
  const AtariConfig fresh;  // the struct's defaults must be configs.yaml's
  for (const AtariConfig& a : {read.atari, now.config.atari}) {
    EXPECT_EQ(a.rom_dir, fresh.rom_dir);
    EXPECT_EQ(a.noops, fresh.noops);
    EXPECT_EQ(a.life_loss, fresh.life_loss);
    EXPECT_EQ(a.max_pool, fresh.max_pool);
    EXPECT_EQ(a.resize, fresh.resize);
  }
}

// A run directory written before data-parallel training existed reads the dist block at configs.yaml's defaults.
TEST(Config, TheDistKeysReadTheirDefaultsFromOlderRuns) {
  const ResolvedConfig now = resolve({});
  YAML::Node tree = YAML::Load(now.yaml);
  tree.remove("dist");
  YAML::Emitter out;
  out << tree;
  ASSERT_EQ(std::string(out.c_str()).find("world_size"), std::string::npos);
  const ResolvedConfig read = parse_config(out.c_str());
  const DistConfig fresh;
  for (const Config* c : {&read.config, &now.config}) {
    EXPECT_EQ(c->dist.world_size, fresh.world_size);
    EXPECT_EQ(c->dist.rank, fresh.rank);
    EXPECT_EQ(c->dist.master_addr, fresh.master_addr);
    EXPECT_EQ(c->dist.master_port, fresh.master_port);
    EXPECT_EQ(c->dist.timeout, fresh.timeout);
  }
  // The resolved config holds the block again (at the end): a resume compares equal, key by key.
  EXPECT_EQ(first_config_difference(read.yaml, now.yaml, [](const std::string&) { return false; }), "");
}

// Run directories written before the DreamerV3 and fidelity keys existed read them at configs.yaml's defaults,
// which are the structs' (so a resumed run compares equal).
TEST(Config, TheDreamerV3KeysReadTheirDefaultsFromOlderRuns) {
  const ResolvedConfig now = resolve({});
  YAML::Node tree = YAML::Load(now.yaml);
  for (const char* block : {"rssm", "actor"}) tree[block].remove("unimix");
  tree["rssm"].remove("gru_norm");
  for (const char* key : {"split", "dyn", "rep"}) tree["kl"].remove(key);
  for (const char* opt : {"model_opt", "actor_opt", "critic_opt"}) tree[opt].remove("tf_eps");
  tree.remove("slow_reg");
  tree.remove("return_norm");
  YAML::Emitter out;
  out << tree;
  ASSERT_EQ(std::string(out.c_str()).find("unimix"), std::string::npos);
  const Config read = parse_config(out.c_str()).config;
  const RSSMConfig rssm;
  const KLConfig kl;
  const ActorConfig actor;
  const OptConfig opt;
  const ReturnNormConfig rn;
  for (const Config* c : {&read, &now.config}) {
    EXPECT_EQ(c->rssm.unimix, rssm.unimix);
    EXPECT_EQ(c->rssm.gru_norm, rssm.gru_norm);
    EXPECT_EQ(c->kl.split, kl.split);
    EXPECT_EQ(c->kl.dyn, kl.dyn);
    EXPECT_EQ(c->kl.rep, kl.rep);
    EXPECT_EQ(c->actor.unimix, actor.unimix);
    for (const OptConfig* o : {&c->model_opt, &c->actor_opt, &c->critic_opt}) EXPECT_EQ(o->tf_eps, opt.tf_eps);
    EXPECT_EQ(c->slow_reg, 0.0);
    EXPECT_EQ(c->return_norm.enabled, rn.enabled);
    EXPECT_EQ(c->return_norm.decay, rn.decay);
    EXPECT_EQ(c->return_norm.limit, rn.limit);
    EXPECT_EQ(c->return_norm.low, rn.low);
    EXPECT_EQ(c->return_norm.high, rn.high);
  }
}

// The v3 preset applies over another preset and leaves its sizes alone; bad values are named.
TEST(Config, TheV3PresetTurnsTheSwitchesOnOverAnotherPreset) {
  const Config base = resolve({"minatar"}).config, v3 = resolve({"minatar", "v3"}).config;
  EXPECT_EQ(v3.rssm.deter, base.rssm.deter);
  EXPECT_EQ(v3.model_opt.lr, base.model_opt.lr);
  EXPECT_EQ(v3.rssm.unimix, 0.01);
  EXPECT_EQ(v3.actor.unimix, 0.01);
  EXPECT_EQ(v3.reward_head.dist, "twohot");
  EXPECT_EQ(v3.critic.dist, "twohot");
  EXPECT_TRUE(v3.return_norm.enabled);
  EXPECT_EQ(v3.actor_ent(0), 3e-4);
  EXPECT_TRUE(v3.kl.split);
  EXPECT_FALSE(v3.kl.free_avg);
  EXPECT_EQ(v3.slow_reg, 1.0);
  EXPECT_FALSE(v3.slow_target);
  EXPECT_EQ(v3.critic.act, "silu");
  EXPECT_EQ(v3.critic.norm, "layer");
  EXPECT_EQ(base.rssm.unimix, 0.0);
  expect_error([] { resolve({"debug"}, {{"rssm.unimix", "1.5"}}); }, "'rssm.unimix' has value '1.500000'");
  expect_error([] { resolve({"debug"}, {{"critic.dist", "normal"}}); }, "expected one of: mse, twohot");
  expect_error([] { resolve({"debug"}, {{"rssm.discrete", "0"}, {"rssm.unimix", "0.01"}}); },
               "0 with Gaussian latents");
  expect_error([] { resolve({"debug"}, {{"return_norm.low", "0.9"}, {"return_norm.high", "0.1"}}); },
               "quantiles with 0 <= low < high <= 1");
}

// actor_ent and actor_grad_mix take the official configs' schedules, counted in frames.
TEST(Config, SchedulesByHand) {
  const Config c = resolve({"debug"}, {{"actor_ent", "linear(1e-2, 1e-3, 1000)"}, {"actor_grad_mix", "warmup(100, 0.5)"}})
                       .config;
  EXPECT_DOUBLE_EQ(c.actor_ent(0), 1e-2);
  EXPECT_DOUBLE_EQ(c.actor_ent(500), 5.5e-3);
  EXPECT_DOUBLE_EQ(c.actor_ent(1000), 1e-3);
  EXPECT_DOUBLE_EQ(c.actor_ent(5000), 1e-3);
  EXPECT_DOUBLE_EQ(c.actor_grad_mix(0), 0.0);
  EXPECT_DOUBLE_EQ(c.actor_grad_mix(25), 0.125);
  EXPECT_DOUBLE_EQ(c.actor_grad_mix(400), 0.5);
  const Schedule halving = Schedule::parse("k", "exp(1, 0.2, 10)");
  EXPECT_DOUBLE_EQ(halving(0), 1.0);
  EXPECT_DOUBLE_EQ(halving(10), 0.6);   // 0.2 + 0.8 x 0.5
  EXPECT_DOUBLE_EQ(halving(20), 0.4);   // 0.2 + 0.8 x 0.25
  EXPECT_TRUE(Schedule::parse("k", "3e-4").constant());
  EXPECT_DOUBLE_EQ(Schedule::parse("k", "3e-4")(123456), 3e-4);
  for (const char* bad : {"linear(1, 2)", "warmup(1, 2, 3)", "cosine(1, 2, 3)", "linear(1, x, 3)", "linear(1, 2, 0)", "fast"})
    expect_error([&] { resolve({"debug"}, {{"actor_ent", bad}}); }, "'actor_ent' has value '" + std::string(bad) + "'");
  // The schedule's text is what config.yaml keeps, so a resumed run compares equal.
  EXPECT_NE(resolve({"debug"}, {{"actor_ent", "linear(1e-2, 1e-3, 1000)"}}).yaml.find("linear(1e-2, 1e-3, 1000)"),
            std::string::npos);
}

TEST(Config, SizesAndStepsAreCheckedUpFront) {
  const std::string deter = error_of([] { preset({"debug"}, {{"rssm.deter", "1e9"}}); });
  EXPECT_NE(deter.find("'rssm.deter' has value '1000000000', expected a size in [1, 65536]"), std::string::npos) << deter;
  EXPECT_NO_THROW(preset({"debug"}, {{"rssm.deter", "65536"}}));
  const std::string steps = error_of([] { preset({"debug"}, {{"steps", "400"}}); });
  EXPECT_NE(steps.find("'steps' has value '400', expected at least prefill x action_repeat = 500"), std::string::npos) << steps;
  EXPECT_NO_THROW(preset({"debug"}, {{"steps", "500"}}));
}
