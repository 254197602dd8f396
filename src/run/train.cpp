// The runs behind `dreamer train` and `dreamer eval`: collect, learn from replay, evaluate, log, checkpoint.
#include "dreamer/run/train.h"

#include <yaml-cpp/yaml.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "dreamer/core/error.h"
#include "dreamer/core/runtime.h"
#include "dreamer/io/checkpoint.h"
#include "dreamer/io/metrics.h"
#include "dreamer/model/agent.h"
#include "dreamer/replay/replay.h"
#include "dreamer/run/driver.h"
#include "dreamer/run/openl_video.h"
#include "io/atomic_file.h"

namespace fs = std::filesystem;

namespace dreamer {

EnvOptions env_options(const Config& cfg) {
  EnvOptions o;
  o.action_repeat = cfg.action_repeat;
  o.max_pool = cfg.task.rfind("atari_", 0) == 0;
  o.time_limit = cfg.time_limit;
  o.sticky = cfg.sticky;
  o.minimal_actions = cfg.minimal_actions;
  o.size_h = cfg.render_size[0];
  o.size_w = cfg.render_size[1];
  o.grayscale = cfg.atari_grayscale;
  return o;
}

bool resumable_key(const std::string& key) {
  return key == "steps" || key == "threads" || key == "envs_parallel" || key == "log_every" || key == "eval_every" ||
         key == "eval_eps" || key == "device";
}

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

std::string read_file(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The first key (dotted) whose values differ between two config trees, or "" when none do.
std::string first_difference(const YAML::Node& a, const YAML::Node& b, const std::string& prefix) {
  if (a.IsMap() && b.IsMap()) {
    for (const auto& kv : a) {
      const std::string key = kv.first.as<std::string>();
      const std::string path = prefix.empty() ? key : prefix + "." + key;
      if (!b[key]) return path;
      if (auto d = first_difference(kv.second, b[key], path); !d.empty()) return d;
    }
    for (const auto& kv : b)
      if (!a[kv.first.as<std::string>()]) return prefix.empty() ? kv.first.as<std::string>() : prefix + "." + kv.first.as<std::string>();
    return "";
  }
  if (resumable_key(prefix)) return "";
  YAML::Emitter ea, eb;
  ea << YAML::Flow << a;
  eb << YAML::Flow << b;
  return std::string(ea.c_str()) == eb.c_str() ? "" : prefix;
}

// Episode returns and lengths of finished episodes, per env.
struct EpisodeTracker {
  std::vector<double> returns;
  std::vector<int64_t> lengths;

  explicit EpisodeTracker(int envs) : returns(size_t(envs), 0.0), lengths(size_t(envs), 0) {}
  // Returns true when `ts` ends an episode; then `ret` and `len` hold it.
  bool add(int env, const TimeStep& ts, double& ret, int64_t& len) {
    if (ts.is_first) {
      returns[size_t(env)] = 0;
      lengths[size_t(env)] = 0;
      return false;
    }
    returns[size_t(env)] += ts.reward;
    lengths[size_t(env)] += 1;
    ret = returns[size_t(env)];
    len = lengths[size_t(env)];
    return ts.is_last;
  }
};

// Adapts the agent's batched policy to the driver: observations in, one Action per env out.
Policy agent_policy(Agent& agent, PolicyState& state, PolicyMode mode) {
  return [&agent, &state, mode](const uint8_t* obs, const std::vector<TimeStep>& steps, std::vector<Action>& actions) {
    const auto& s = agent->obs_space;
    const int64_t n = int64_t(steps.size());
    auto obs_t = torch::from_blob(const_cast<uint8_t*>(obs), {n, s.height, s.width, s.channels}, torch::kUInt8);
    auto is_first = torch::empty({n}, torch::kBool);
    for (int64_t i = 0; i < n; ++i) is_first[i] = steps[size_t(i)].is_first;
    auto action = agent->policy(obs_t, is_first, state, mode).to(torch::kCPU).contiguous();
    actions.resize(size_t(n));
    if (agent->act_space.discrete) {
      auto index = action.argmax(-1);
      for (int64_t i = 0; i < n; ++i) actions[size_t(i)].index = int(index[i].item<int64_t>());
    } else {
      const float* v = action.data_ptr<float>();
      for (int64_t i = 0; i < n; ++i) actions[size_t(i)].values.assign(v + i * action.size(1), v + (i + 1) * action.size(1));
    }
  };
}

// Plays until `episodes` episodes have finished; each finished one goes to `on_episode`.
ReturnStats play_episodes(Driver& driver, const Policy& policy, int episodes, const StepFn& on_step) {
  EpisodeTracker tracker(driver.envs().size());
  std::vector<double> returns, lengths;
  auto step = [&](int env, const uint8_t* obs, const float* action, const TimeStep& ts) {
    if (on_step) on_step(env, obs, action, ts);
    double ret = 0;
    int64_t len = 0;
    if (tracker.add(env, ts, ret, len) && int(returns.size()) < episodes) {
      returns.push_back(ret);
      lengths.push_back(double(len));
    }
  };
  while (int(returns.size()) < episodes) driver.step(policy, step);
  return summarize_episodes(returns, lengths);
}

BatchEnv make_batch(const Config& cfg, int count, int first_index, int threads) {
  std::vector<EnvPtr> envs;
  for (int i = 0; i < count; ++i) envs.push_back(make_env(cfg.task, env_options(cfg), uint64_t(cfg.seed), first_index + i));
  return BatchEnv(std::move(envs), threads);
}

// Index offset of evaluation envs, so their generators differ from the training envs'.
constexpr int kEvalEnvIndex = 1 << 20;

}  // namespace

bool prepare_logdir(const std::string& logdir, const std::string& yaml) {
  if (logdir.empty()) throw Error("no --logdir given: a run needs a directory for its config, checkpoint and episodes");
  const fs::path config = fs::path(logdir) / "config.yaml";
  if (fs::exists(config)) {
    const std::string old = read_file(config);
    if (old == yaml) return true;
    YAML::Node old_tree, new_tree;
    try {
      old_tree = YAML::Load(old);
    } catch (const YAML::Exception&) {
      throw Error("logdir '" + logdir + "' holds an unreadable config.yaml; choose another --logdir");
    }
    new_tree = YAML::Load(yaml);
    if (auto key = first_difference(old_tree, new_tree, ""); !key.empty())
      throw Error("logdir '" + logdir + "' holds a run with a different config (key '" + key +
                  "' differs from " + config.string() + "); resume it with the same settings, or choose another --logdir");
    write_file_atomically(config.string(), yaml, "logdir");  // only resumable keys changed
    return true;
  }
  std::error_code ec;
  fs::create_directories(logdir, ec);
  if (ec) throw Error("cannot create logdir '" + logdir + "': " + ec.message());
  write_file_atomically(config.string(), yaml, "logdir");
  return false;
}

void train(const ResolvedConfig& rc, const Reporter& report, const std::atomic<bool>* stop) {
  const Config& cfg = rc.config;
  // Build everything that can fail on bad input before touching the logdir.
  const auto device = parse_device(cfg.device);
  BatchEnv envs = make_batch(cfg, cfg.envs, 0, cfg.envs_parallel);
  BatchEnv eval_envs = make_batch(cfg, 1, kEvalEnvIndex, 0);
  set_threads(cfg.threads);
  seed_everything(uint64_t(cfg.seed));
  Agent agent(cfg, envs.obs_space(), envs.act_space());
  agent->to(device);
  const bool resuming = prepare_logdir(cfg.logdir, rc.yaml);

  const int64_t act_dim = action_dim(envs.act_space());
  Replay replay(cfg.replay, envs.obs_space(), act_dim, uint64_t(cfg.seed), (fs::path(cfg.logdir) / "train_episodes").string());
  Replay eval_store(cfg.replay, envs.obs_space(), act_dim, uint64_t(cfg.seed), (fs::path(cfg.logdir) / "eval_episodes").string());

  int64_t step = 0, updates = 0, agent_steps = 0, next_eval = 0;
  const std::string ckpt = (fs::path(cfg.logdir) / "checkpoint.pt").string();
  CheckpointParts parts{{{"agent", agent.get()}},
                        {&agent->wm->optimizer(), &agent->ac->actor_opt(), &agent->ac->critic_opt()},
                        {{"step", &step}, {"updates", &updates}, {"agent_steps", &agent_steps}, {"next_eval", &next_eval}}};
  if (resuming && fs::exists(ckpt)) load_checkpoint(ckpt, parts);
  replay.load_directory();

  MetricsLog log(cfg.logdir);
  Driver driver(envs), eval_driver(eval_envs);
  PolicyState train_state = agent->initial_policy_state(envs.size());
  PolicyState eval_state = agent->initial_policy_state(eval_envs.size());
  Policy random = random_policy(envs.act_space(), uint64_t(cfg.seed) * 7919 + uint64_t(step));
  Policy act = agent_policy(agent, train_state, PolicyMode::train);
  Policy explore = agent_policy(agent, train_state, PolicyMode::explore);
  // The exploration behaviour acts until expl_until frames (0: always), the actor after.
  const bool explore_behavior = cfg.expl_behavior != "greedy";
  auto exploring = [&] { return explore_behavior && (cfg.expl_until == 0 || step < cfg.expl_until); };
  Policy greedy = agent_policy(agent, eval_state, PolicyMode::eval);

  EpisodeTracker tracker(envs.size());
  Progress progress;
  progress.total = cfg.steps;
  auto on_step = [&](int env, const uint8_t* obs, const float* action, const TimeStep& ts) {
    replay.add_step(env, obs, action, ts);
    double ret = 0;
    int64_t len = 0;
    if (tracker.add(env, ts, ret, len)) {
      log.write(step, {{"train_return", ret}, {"train_length", double(len)}});
      progress.last_return = ret;
      progress.has_return = true;
    }
  };

  const auto start = Clock::now();
  const int64_t start_step = step, start_updates = updates;
  auto emit = [&](const std::string& phase, std::map<std::string, double> metrics) {
    progress.step = step;
    progress.updates = updates;
    progress.elapsed_s = seconds_since(start);
    progress.fps = double(step - start_step) / std::max(1e-9, progress.elapsed_s);
    progress.updates_per_s = double(updates - start_updates) / std::max(1e-9, progress.elapsed_s);
    progress.phase = phase;
    progress.metrics = std::move(metrics);
    if (report) report(progress);
  };
  auto stopping = [&] { return stop && stop->load(); };
  auto collect = [&](const Policy& policy) {
    const int64_t n = driver.step(policy, on_step);
    agent_steps += n;
    step += n * cfg.action_repeat;
    return n;
  };
  auto train_step = [&] {
    log.add(agent->train(replay.sample(cfg.dataset.batch, cfg.dataset.length).to(device)));
    ++updates;
  };
  auto evaluate = [&] {
    emit("eval", {});
    eval_state = agent->initial_policy_state(eval_envs.size());
    auto stats = play_episodes(eval_driver, greedy, cfg.eval_eps,
                               [&](int env, const uint8_t* obs, const float* action, const TimeStep& ts) {
                                 eval_store.add_step(env, obs, action, ts);
                               });
    log.write(step, {{"eval_return", stats.mean_return}, {"eval_return_stderr", stats.stderr_return},
                     {"eval_length", stats.mean_length}});
    progress.eval_return = stats.mean_return;
    progress.has_eval = true;
    // The world model's open-loop predictions (official: 6 sequences, 5 context steps).
    if (replay.episodes() > 0 && cfg.dataset.length > 1) {
      const int64_t context = std::min<int64_t>(5, cfg.dataset.length - 1);
      auto batch = replay.sample(std::min<int64_t>(6, cfg.dataset.batch), cfg.dataset.length, SampleStream::report);
      const Video video = openl_video(*agent->wm, batch.to(device), context, envs.obs_space());
      log.video("openl", video.rgb, int(video.frames), int(video.height), int(video.width), 3, step);
    }
  };

  // Prefill: random episodes until the replay holds `prefill` agent steps (skipped on resume).
  int64_t last_emit = step;
  if (replay.steps() < cfg.prefill) emit("prefill", {});
  while (replay.steps() < cfg.prefill && !stopping()) {
    collect(random);
    if (step - last_emit >= cfg.log_every) {
      last_emit = step;
      emit("prefill", {});
    }
  }
  if (updates == 0 && replay.episodes() > 0)
    for (int i = 0; i < cfg.pretrain && !stopping(); ++i) train_step();

  int64_t since_train = 0;
  int64_t next_log = (step / cfg.log_every + 1) * cfg.log_every;
  auto checkpoint = [&] { save_checkpoint(ckpt, parts); };
  while (step < cfg.steps && !stopping()) {
    if (step >= next_eval && cfg.eval_eps > 0) {
      evaluate();
      next_eval = (step / cfg.eval_every + 1) * cfg.eval_every;
    }
    since_train += collect(exploring() ? explore : act);
    if (replay.episodes() > 0)
      for (; since_train >= cfg.train_every; since_train -= cfg.train_every)
        for (int i = 0; i < cfg.train_steps; ++i) train_step();
    if (step >= next_log) {
      next_log = (step / cfg.log_every + 1) * cfg.log_every;
      log.add("fps", double(step - start_step) / std::max(1e-9, seconds_since(start)));
      log.add("train_updates_per_s", double(updates - start_updates) / std::max(1e-9, seconds_since(start)));
      log.add("replay_steps", double(replay.steps()));
      log.add("replay_bytes_per_step", replay.bytes_per_step());
      auto means = log.flush(step);
      checkpoint();
      emit("train", means);
    }
  }
  if (!stopping() && cfg.eval_eps > 0) evaluate();
  checkpoint();
  emit(stopping() ? "stopped" : "done", {});
}

CheckpointEval evaluate_checkpoint(const std::string& logdir, int episodes, uint64_t seed, int threads,
                                   const FrameFn& on_frame) {
  const fs::path config = fs::path(logdir) / "config.yaml";
  const fs::path ckpt = fs::path(logdir) / "checkpoint.pt";
  if (!fs::exists(config)) throw Error("logdir '" + logdir + "' holds no run (no config.yaml)");
  if (!fs::exists(ckpt)) throw Error("logdir '" + logdir + "' holds no checkpoint.pt yet");
  if (episodes < 1) throw Error("eval: episodes must be at least 1, got " + std::to_string(episodes));
  auto rc = parse_config(read_file(config));
  const Config& cfg = rc.config;
  set_threads(threads);
  seed_everything(seed);
  BatchEnv envs = make_batch(cfg, 1, kEvalEnvIndex + int(seed % 1000), 0);
  Agent agent(cfg, envs.obs_space(), envs.act_space());
  load_checkpoint(ckpt.string(), {{{"agent", agent.get()}}, {}, {}});
  agent->to(parse_device(cfg.device));
  agent->eval();
  Driver driver(envs);
  PolicyState state = agent->initial_policy_state(1);
  StepFn show;
  if (on_frame) show = [&](int env, const uint8_t*, const float*, const TimeStep&) { on_frame(envs.env(env).render()); };
  return {cfg.task, play_episodes(driver, agent_policy(agent, state, PolicyMode::eval), episodes, show)};
}

}  // namespace dreamer
