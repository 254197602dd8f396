// The training run behind `dreamer train`: collect with the policy, learn from replay, log, checkpoint.
#include "dreamer/run/train.h"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "dreamer/core/error.h"
#include "dreamer/core/runtime.h"
#include "dreamer/io/checkpoint.h"
#include "dreamer/io/metrics.h"
#include "dreamer/model/world_model.h"
#include "dreamer/replay/replay.h"
#include "dreamer/run/driver.h"

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

bool prepare_logdir(const std::string& logdir, const std::string& yaml) {
  if (logdir.empty()) throw Error("no --logdir given: a run needs a directory for its config, checkpoint and episodes");
  const fs::path config = fs::path(logdir) / "config.yaml";
  if (fs::exists(config)) {
    std::ifstream in(config);
    std::stringstream old;
    old << in.rdbuf();
    if (old.str() != yaml)
      throw Error("logdir '" + logdir + "' holds a run with a different config (" + config.string() +
                  "); resume it with the same flags, or choose another --logdir");
    return true;
  }
  std::error_code ec;
  fs::create_directories(logdir, ec);
  if (ec) throw Error("cannot create logdir '" + logdir + "': " + ec.message());
  const fs::path tmp = config.string() + ".tmp";
  {
    std::ofstream out(tmp);
    out << yaml;
    if (!out) throw Error("cannot write '" + tmp.string() + "'");
  }
  fs::rename(tmp, config);
  return false;
}

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

}  // namespace

void train(const ResolvedConfig& rc, const Reporter& report, const std::atomic<bool>* stop) {
  const Config& cfg = rc.config;
  const bool resuming = prepare_logdir(cfg.logdir, rc.yaml);
  set_threads(cfg.threads);
  seed_everything(uint64_t(cfg.seed));
  const auto device = parse_device(cfg.device);

  std::vector<EnvPtr> env_list;
  for (int i = 0; i < cfg.envs; ++i) env_list.push_back(make_env(cfg.task, env_options(cfg), uint64_t(cfg.seed), i));
  BatchEnv envs(std::move(env_list), cfg.envs_parallel);
  const ObsSpace obs_space = envs.obs_space();
  const ActSpace act_space = envs.act_space();

  Replay replay(cfg.replay, obs_space, action_dim(act_space), uint64_t(cfg.seed),
                (fs::path(cfg.logdir) / "train_episodes").string());
  WorldModel wm(cfg, obs_space, act_space);
  wm->to(device);

  int64_t step = 0, updates = 0, agent_steps = 0;
  const std::string ckpt = (fs::path(cfg.logdir) / "checkpoint.pt").string();
  CheckpointParts parts{{{"world_model", wm.get()}}, {&wm->optimizer()}, {{"step", &step}, {"updates", &updates}, {"agent_steps", &agent_steps}}};
  if (resuming && fs::exists(ckpt)) load_checkpoint(ckpt, parts);
  replay.load_directory();

  MetricsLog log(cfg.logdir);
  Driver driver(envs);
  // Until the actor exists, data comes from the random policy.
  Policy policy = random_policy(act_space, uint64_t(cfg.seed) * 7919 + uint64_t(step));
  std::vector<double> returns(size_t(envs.size()), 0.0);
  std::vector<int64_t> lengths(size_t(envs.size()), 0);
  Progress progress;
  progress.total = cfg.steps;
  auto on_step = [&](int env, const uint8_t* obs, const float* action, const TimeStep& ts) {
    replay.add_step(env, obs, action, ts);
    if (ts.is_first) {
      returns[size_t(env)] = 0;
      lengths[size_t(env)] = 0;
      return;
    }
    returns[size_t(env)] += ts.reward;
    lengths[size_t(env)] += 1;
    if (ts.is_last) {
      log.write(step, {{"train_return", returns[size_t(env)]}, {"train_length", double(lengths[size_t(env)])}});
      progress.last_return = returns[size_t(env)];
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
  auto collect = [&] {
    const int64_t n = driver.step(policy, on_step);
    agent_steps += n;
    step += n * cfg.action_repeat;
    return n;
  };
  auto train_step = [&] {
    auto [post, metrics] = wm->train(replay.sample(cfg.dataset.batch, cfg.dataset.length).to(device));
    log.add(metrics);
    ++updates;
  };

  // Prefill: random episodes until the replay holds `prefill` agent steps.
  while (replay.steps() < cfg.prefill && !stopping()) {
    collect();
    if (step % std::max<int64_t>(1, cfg.log_every) < cfg.action_repeat * envs.size()) emit("prefill", {});
  }
  if (updates == 0 && replay.episodes() > 0)
    for (int i = 0; i < cfg.pretrain && !stopping(); ++i) train_step();

  int64_t since_train = 0;
  int64_t next_log = (step / cfg.log_every + 1) * cfg.log_every;
  auto checkpoint = [&] { save_checkpoint(ckpt, parts); };
  while (step < cfg.steps && !stopping()) {
    since_train += collect();
    if (replay.episodes() > 0)
      for (; since_train >= cfg.train_every; since_train -= cfg.train_every)
        for (int i = 0; i < cfg.train_steps; ++i) train_step();
    if (step >= next_log) {
      next_log += cfg.log_every;
      progress.metrics.clear();
      log.add("fps", double(step - start_step) / std::max(1e-9, seconds_since(start)));
      log.add("train_updates_per_s", double(updates - start_updates) / std::max(1e-9, seconds_since(start)));
      log.add("replay_steps", double(replay.steps()));
      log.add("replay_bytes_per_step", replay.bytes_per_step());
      auto means = log.flush(step);
      checkpoint();
      emit("train", means);
    }
  }
  checkpoint();
  emit(stopping() ? "stopped" : "done", {});
}

}  // namespace dreamer
