// The env registry: "suite_task" names to wrapped envs.
#include "dreamer/envs/registry.h"

#include <cctype>
#include <map>
#include <mutex>

#include "dreamer/envs/atari.h"
#include "dreamer/envs/debug.h"
#include "dreamer/envs/minatar.h"
#include "dreamer/envs/mujoco.h"
#include "dreamer/envs/random.h"

namespace dreamer {

namespace {

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

// The suites the program registered, by name, with their task lists.
struct UserSuite {
  SuiteFactory factory;
  std::vector<std::string> tasks;
};
std::mutex user_suites_mutex;
std::map<std::string, UserSuite>& user_suites() {
  static std::map<std::string, UserSuite> suites;
  return suites;
}

// The registered suite `suite`, or an empty factory.
SuiteFactory user_suite(const std::string& suite) {
  std::lock_guard<std::mutex> lock(user_suites_mutex);
  const auto it = user_suites().find(suite);
  return it == user_suites().end() ? SuiteFactory() : it->second.factory;
}

void check_options(const EnvOptions& opts) {
  if (opts.action_repeat < 1) throw Error("env option action_repeat must be >= 1, got " + std::to_string(opts.action_repeat));
  if (opts.time_limit < 0) throw Error("env option time_limit must be >= 0, got " + std::to_string(opts.time_limit));
  if (opts.sticky != -1 && !(opts.sticky >= 0.0 && opts.sticky <= 1.0))
    throw Error("env option sticky must be -1 (task default) or in [0, 1], got " + std::to_string(opts.sticky));
  if (opts.size_h < 1 || opts.size_w < 1 || opts.size_h > 4096 || opts.size_w > 4096)
    throw Error("env option size must be in [1, 4096] x [1, 4096], got " + std::to_string(opts.size_h) + " x " +
                std::to_string(opts.size_w));
  if (opts.noops < 0) throw Error("env option noops must be >= 0, got " + std::to_string(opts.noops));
}

const char* const kAtariHelp =
    "atari_<game> tasks need a build with the Arcade Learning Environment (README, section Atari: build ALE, "
    "then configure with CMAKE_PREFIX_PATH=<ALE's install prefix>)";

/// The task itself, before the generic wrappers.
EnvPtr make_base(const std::string& task, const std::string& suite, const std::string& name, const EnvOptions& opts,
                 uint64_t seed) {
  if (SuiteFactory factory = user_suite(suite)) {
    EnvPtr env = factory(name, opts, seed);
    if (!env) throw Error("task '" + task + "': the suite '" + suite + "' made no env");
    return env;
  }
  if (suite == "minatar") {
    for (const auto& game : minatar_games())
      if (game == name) {
        MinAtarOptions m;
        m.sticky = opts.sticky < 0 ? 0.1 : opts.sticky;
        m.ramping = opts.ramping;
        m.minimal_actions = opts.minimal_actions;
        return make_minatar(name, m, seed);
      }
  } else if (suite == "debug") {
    for (const auto& t : debug_tasks())
      if (t == name) {
        EnvPtr env = make_debug(name, seed);
        const double sticky = opts.sticky < 0 ? 0.0 : opts.sticky;
        if (sticky > 0) {
          uint64_t s = seed ^ 0x5851F42D4C957F2Dull;  // a stream apart from the task's own generator
          env = std::make_unique<StickyActions>(std::move(env), sticky, splitmix64(s));
        }
        return env;
      }
  } else if (suite == "atari") {
    if (!atari_available()) throw Error("task '" + task + "': this build has no Atari: " + kAtariHelp);
    if (name.empty()) throw Error("task '" + task + "': name a game, e.g. atari_pong or atari_space_invaders");
    AtariOptions a;
    a.rom_dir = opts.rom_dir;
    a.sticky = opts.sticky < 0 ? 0.25 : opts.sticky;
    a.noops = opts.noops;
    a.life_loss = opts.life_loss;
    a.minimal_actions = opts.minimal_actions;
    a.grayscale = opts.grayscale;
    return make_atari(name, a, seed);
  } else if (suite == "mujoco") {
    MujocoOptions m;
    m.height = opts.size_h;
    m.width = opts.size_w;
    return make_mujoco(name, m, seed);
  }
  throw Error("unknown task '" + task + "'; valid tasks: " + join(available_tasks()) +
              (atari_available() ? ", atari_<game>" : std::string(" (") + kAtariHelp + ")"));
}

}  // namespace

std::vector<std::string> available_tasks() {
  std::vector<std::string> tasks;
  for (const auto& game : minatar_games()) tasks.push_back("minatar_" + game);
  for (const auto& t : debug_tasks()) tasks.push_back("debug_" + t);
  for (const auto& t : mujoco_tasks()) tasks.push_back("mujoco_" + t);
  std::lock_guard<std::mutex> lock(user_suites_mutex);
  for (const auto& [suite, entry] : user_suites())
    for (const auto& t : entry.tasks) tasks.push_back(suite + "_" + t);
  return tasks;
}

void register_suite(const std::string& suite, SuiteFactory factory, std::vector<std::string> tasks) {
  bool valid = !suite.empty();
  for (const char c : suite) valid = valid && std::isalnum(static_cast<unsigned char>(c));
  if (!valid) throw Error("register_suite: a suite name is letters and digits, without '_', got '" + suite + "'");
  for (const char* builtin : {"minatar", "debug", "atari", "mujoco"})
    if (suite == builtin) throw Error("register_suite: '" + suite + "' is a built-in suite");
  if (!factory) throw Error("register_suite: the suite '" + suite + "' has no factory");
  std::lock_guard<std::mutex> lock(user_suites_mutex);
  user_suites()[suite] = UserSuite{std::move(factory), std::move(tasks)};
}

EnvPtr make_env(const std::string& task, const EnvOptions& opts, uint64_t seed, int index) {
  check_options(opts);
  const size_t split = task.find('_');
  const std::string suite = split == std::string::npos ? task : task.substr(0, split);
  const std::string name = split == std::string::npos ? "" : task.substr(split + 1);
  EnvPtr env = make_base(task, suite, name, opts, env_seed(seed, index));
  if (opts.action_repeat > 1) env = std::make_unique<ActionRepeat>(std::move(env), opts.action_repeat, opts.max_pool);
  // Pixel suites: resized after the repeat, so max pooling sees the raw frames.
  const ObsSpace& space = env->obs_space();
  if (suite == "atari" && (space.height != opts.size_h || space.width != opts.size_w))
    env = std::make_unique<ResizeImage>(std::move(env), opts.size_h, opts.size_w, opts.resize);
  if (opts.reward != RewardKind::identity) env = std::make_unique<RewardTransform>(std::move(env), opts.reward);
  if (opts.time_limit > 0) env = std::make_unique<TimeLimit>(std::move(env), opts.time_limit);
  if (env->act_space().discrete) env = std::make_unique<OneHotAction>(std::move(env));
  return env;
}

std::vector<EnvPtr> make_envs(const std::string& task, const EnvOptions& opts, uint64_t seed, int count) {
  if (count < 1) throw Error("make_envs: count must be >= 1, got " + std::to_string(count));
  std::vector<EnvPtr> envs;
  for (int index = 0; index < count; ++index) envs.push_back(make_env(task, opts, seed, index));
  return envs;
}

}  // namespace dreamer
