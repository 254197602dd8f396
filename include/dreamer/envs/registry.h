// The env registry: builds a ready, wrapped env from a "suite_task" string and plain options.
//
//   dreamer::EnvOptions opts;                       // MinAtar defaults: sticky 0.1, ramping, all six actions
//   dreamer::EnvPtr env = dreamer::make_env("minatar_breakout", opts, /*seed=*/0, /*index=*/0);
//   std::vector<uint8_t> obs(env->obs_space().size());
//   dreamer::TimeStep ts = env->reset(obs.data());
//   while (!ts.is_last) ts = env->step(dreamer::Action{/*index=*/1, {}}, obs.data());
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "dreamer/envs/env.h"
#include "dreamer/envs/wrappers.h"

namespace dreamer {

/// How make_env builds and wraps a task. Fields that do not apply to a suite are ignored (noted per field).
struct EnvOptions {
  int action_repeat = 1;       // agent steps repeat each action this many times (rewards summed), >= 1
  bool max_pool = false;       // with action_repeat > 1: observation = max of the last two frames (Atari)
  int time_limit = 0;          // cut episodes after this many agent steps (is_last, not terminal); 0 = none
  double sticky = -1;          // probability of repeating the previous action; -1 = the task's default:
                               // 0.1 for MinAtar (spec §2), 0 for debug tasks
  bool minimal_actions = false;  // MinAtar: expose the game's minimal action set instead of all six
  bool ramping = true;         // MinAtar: difficulty ramping (Asterix, Seaquest, Space Invaders)
  RewardKind reward = RewardKind::identity;  // reward transform applied to every step
  int size_h = 64, size_w = 64;  // pixel suites (atari, mujoco): observation size; boards keep 10x10
  bool grayscale = true;       // pixel suites: one luminance channel instead of RGB
  ResizeMethod resize = ResizeMethod::area;  // Atari: how the 210x160 screen becomes size_h x size_w
  std::string rom_dir;         // Atari: folder of <game>.bin ROMs; empty = $ALE_ROM_DIR
  int noops = 30;              // Atari: reset plays a uniform number in [1, noops] of no-op frames
  bool life_loss = false;      // Atari: a lost life reports is_terminal while the episode goes on
};

/// Builds the task `suite_task` with the wrappers `opts` asks for. The env's generators are seeded from
/// (seed, index) through env_seed(): equal pairs give equal trajectories, different pairs differ.
/// Suites: minatar_{breakout,asterix,freeway,seaquest,space_invaders}, debug_{catch,goal}, mujoco_<task> in builds
/// with MuJoCo (mujoco.h; rendered at size_h x size_w), and atari_<game> in builds with ALE (atari.h; the paper's protocol: sticky 0.25 by default, ActionRepeat over raw frames with
/// `max_pool`, then a resize to size_h x size_w). Throws dreamer::Error naming the bad task or option.
EnvPtr make_env(const std::string& task, const EnvOptions& opts, uint64_t seed, int index);

/// `count` envs of one task with indices 0..count-1, e.g. for a BatchEnv. Throws like make_env, or for count < 1.
std::vector<EnvPtr> make_envs(const std::string& task, const EnvOptions& opts, uint64_t seed, int count);

/// Every task name make_env accepts in this build, without the atari_<game> tasks (they depend on the ROMs), and with
/// the tasks registered suites list.
std::vector<std::string> available_tasks();

/// Makes the task `name` (the part of "suite_name" after the suite) of a suite the program adds, its generators
/// seeded from `seed` (make_env's env_seed of seed and index). make_env applies the generic wrappers (action repeat,
/// reward transform, time limit, one-hot actions) around it; the options it reads itself are its own choice.
using SuiteFactory = std::function<EnvPtr(const std::string& name, const EnvOptions& opts, uint64_t seed)>;

/// Adds the suite `suite` (letters, digits, no '_'): from now on make_env("<suite>_<name>", ...) calls `factory`,
/// and with it `dreamer train`, eval and play of a run whose config.task names it, in this process. `tasks` (the
/// names without the suite) are listed by available_tasks(). Registering a suite again replaces it. Throws
/// dreamer::Error for a bad name or a built-in suite (minatar, debug, atari, mujoco). Thread-safe.
///
///   dreamer::register_suite("grid", [](const std::string& name, const dreamer::EnvOptions&, uint64_t seed) {
///     return std::make_unique<MyGridEnv>(name, seed);
///   }, {"small", "large"});
///   auto env = dreamer::make_env("grid_small", {}, /*seed=*/0, /*index=*/0);
void register_suite(const std::string& suite, SuiteFactory factory, std::vector<std::string> tasks = {});

}  // namespace dreamer
