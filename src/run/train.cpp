// The runs behind `dreamer train` and `dreamer eval`: collect, learn from replay, evaluate, log, checkpoint.
#include "dreamer/run/train.h"

#include <unistd.h>

#include <chrono>
#include <filesystem>

#include "dreamer/core/error.h"
#include "dreamer/core/runtime.h"
#include "dreamer/io/checkpoint.h"
#include "dreamer/io/metrics.h"
#include "dreamer/model/agent.h"
#include "dreamer/replay/replay.h"
#include "dreamer/run/acting.h"
#include "dreamer/run/driver.h"
#include "dreamer/run/openl_video.h"

namespace fs = std::filesystem;

namespace dreamer {

EnvOptions env_options(const Config& cfg) {
  EnvOptions o;
  o.action_repeat = cfg.action_repeat;
  o.max_pool = cfg.atari.max_pool && cfg.task.rfind("atari_", 0) == 0;
  o.time_limit = cfg.time_limit;
  o.sticky = cfg.sticky;
  o.minimal_actions = cfg.minimal_actions;
  o.size_h = cfg.render_size[0];
  o.size_w = cfg.render_size[1];
  o.grayscale = cfg.atari_grayscale;
  o.resize = parse_resize_method(cfg.atari.resize);
  o.rom_dir = cfg.atari.rom_dir;
  o.noops = cfg.atari.noops;
  o.life_loss = cfg.atari.life_loss;
  return o;
}

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

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

void train(const ResolvedConfig& rc, const Reporter& report, const std::atomic<bool>* stop) {
  const Config& cfg = rc.config;
  // Build everything that can fail on bad input before touching the logdir.
  const auto device = parse_device(cfg.device);
  BatchEnv envs = make_batch(cfg, cfg.envs, 0, cfg.envs_parallel);
  BatchEnv eval_envs = make_batch(cfg, 1, kEvalEnvIndex, 0);
  int threads = set_threads(cfg.threads);
  seed_everything(uint64_t(cfg.seed));
  Agent agent = make_agent(cfg, envs.obs_space(), envs.act_space());
  agent->to(device);
  const RunLock lock(cfg.logdir);  // held until train returns; a second process is refused
  const bool resuming = prepare_logdir(cfg.logdir, rc.yaml);

  const int64_t act_dim = action_dim(envs.act_space());
  Replay replay(cfg.replay, envs.obs_space(), act_dim, uint64_t(cfg.seed), (fs::path(cfg.logdir) / "train_episodes").string());
  Replay eval_store(cfg.replay, envs.obs_space(), act_dim, uint64_t(cfg.seed), (fs::path(cfg.logdir) / "eval_episodes").string());

  // The checkpoint: weights, optimizers, counters, and where the episode files and logs stood, so
  // that a resumed run drops what was written after it (after a kill) instead of repeating it.
  int64_t step = 0, updates = 0, agent_steps = 0, next_eval = 0;
  int64_t train_files = -1, eval_files = -1, eval_step = -1;
  LogPosition logged;
  const std::string ckpt = (fs::path(cfg.logdir) / "checkpoint.pt").string();
  CheckpointParts parts{{{"agent", agent.get()}},
                        {&agent->wm->optimizer(), &agent->ac->actor_opt(), &agent->ac->critic_opt()},
                        {{"step", &step}, {"updates", &updates}, {"agent_steps", &agent_steps}, {"next_eval", &next_eval}},
                        {{"train_files", &train_files}, {"eval_files", &eval_files}, {"eval_step", &eval_step},
                         {"metrics_bytes", &logged.metrics_bytes}, {"events_bytes", &logged.events_bytes}},
                        {{"events_file", &logged.events_file}}};
  const bool has_checkpoint = resuming && fs::exists(ckpt);
  if (has_checkpoint) load_checkpoint(ckpt, parts);
  replay.load_directory(train_files);
  eval_store.load_directory(eval_files, /*load=*/false);
  MetricsLog log(cfg.logdir, /*tensorboard=*/true, logged);
  update_run_config(cfg.logdir, rc.yaml);  // the resumable keys, once the run has loaded
  int64_t saved_step = step;
  auto checkpoint = [&] {
    logged = log.position();
    train_files = replay.next_file();
    eval_files = eval_store.next_file();
    save_checkpoint(ckpt, parts);
    saved_step = step;
  };
  if (!has_checkpoint) checkpoint();  // a run directory with episodes always has a checkpoint

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
  // threads: 0 follows the load: every core other processes leave free, checked every 2 s.
  ThreadGovernor governor;
  governor.update();
  auto last_governed = Clock::now();
  auto govern = [&] {
    if (cfg.threads != 0 || seconds_since(last_governed) < 2.0) return;
    last_governed = Clock::now();
    if (const int want = governor.update(); want != threads) threads = set_threads(want);
  };
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
    eval_step = step;  // one evaluation per step, also across a resume
    next_eval = (step / cfg.eval_every + 1) * cfg.eval_every;
  };

  try {
    // Prefill: random episodes until the replay holds `prefill` agent steps (skipped on resume).
    int64_t last_emit = step;
    if (replay.steps() < cfg.prefill) emit("prefill", {});
    while (replay.steps() < cfg.prefill && !stopping()) {
      govern();
      collect(random);
      if (step - last_emit >= cfg.log_every) {
        last_emit = step;
        checkpoint();
        emit("prefill", {});
      }
    }
    if (updates == 0 && replay.episodes() > 0)
      for (int i = 0; i < cfg.pretrain && !stopping(); ++i) train_step();

    int64_t since_train = 0;
    int64_t next_log = (step / cfg.log_every + 1) * cfg.log_every;
    while (step < cfg.steps && !stopping()) {
      if (step >= next_eval && cfg.eval_eps > 0) evaluate();
      govern();
      since_train += collect(exploring() ? explore : act);
      if (replay.episodes() > 0)
        for (; since_train >= cfg.train_every; since_train -= cfg.train_every)
          for (int i = 0; i < cfg.train_steps; ++i) train_step();
      if (step >= next_log) {
        next_log = (step / cfg.log_every + 1) * cfg.log_every;
        log.add("fps", double(step - start_step) / std::max(1e-9, seconds_since(start)));
        log.add("train_updates_per_s", double(updates - start_updates) / std::max(1e-9, seconds_since(start)));
        log.add("replay_steps", double(replay.steps()));
        log.add("threads", double(threads));
        log.add("replay_bytes_per_step", replay.bytes_per_step());
        auto means = log.flush(step);
        checkpoint();
        emit("train", means);
      }
    }
    if (!stopping() && cfg.eval_eps > 0 && eval_step != step) evaluate();
  } catch (const Divergence& e) {
    throw Divergence("training diverged at step " + std::to_string(step) + ", after " + std::to_string(updates) +
                     " updates: " + e.what() + "; the checkpoint of step " + std::to_string(saved_step) + " in '" +
                     cfg.logdir + "' is kept (a diverged model is never saved). Lower the learning rates "
                     "(model_opt.lr, actor_opt.lr, critic_opt.lr) or keep gradient clipping on, and start a new run");
  }
  checkpoint();
  emit(stopping() ? "stopped" : "done", {});
}

CheckpointEval evaluate_checkpoint(const std::string& logdir, int episodes, uint64_t seed, const FrameFn& on_frame) {
  if (episodes < 1) throw Error("eval: episodes must be at least 1, got " + std::to_string(episodes));
  LoadedAgent agent = load_agent(logdir);
  const Config& cfg = agent.config();
  BatchEnv envs = make_batch(cfg, 1, kEvalEnvIndex + int(seed % 1000), 0);
  Driver driver(envs);
  StepFn show;
  if (on_frame) show = [&](int env, const uint8_t*, const float*, const TimeStep&) { on_frame(envs.env(env).render()); };
  PolicyState state = agent.agent()->initial_policy_state(1);
  const Policy greedy = agent_policy(agent.agent(), state, PolicyMode::eval);
  return {cfg.task, play_episodes(driver, greedy, episodes, show)};
}

}  // namespace dreamer
