// The runs behind `dreamer train`, `eval` and `play`: the Trainer of the paper's Algorithm 1, and a checkpoint played.
#include "dreamer/run/train.h"

#include <chrono>
#include <filesystem>
#include <optional>

#include "dreamer/core/error.h"
#include "dreamer/core/runtime.h"
#include "dreamer/dist/learner_group.h"
#include "dreamer/dist/replicas.h"
#include "dreamer/io/checkpoint.h"
#include "dreamer/io/metrics.h"
#include "dreamer/model/agent.h"
#include "dreamer/replay/replay.h"
#include "dreamer/run/acting.h"
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

BatchEnv make_batch(const Config& cfg, int count, int first_index, int threads) {
  std::vector<EnvPtr> envs;
  for (int i = 0; i < count; ++i) envs.push_back(make_env(cfg.task, env_options(cfg), uint64_t(cfg.seed), first_index + i));
  return BatchEnv(std::move(envs), threads);
}

// Index offset of evaluation envs, so their generators differ from the training envs'.
constexpr int kEvalEnvIndex = 1 << 20;

// The group of a data-parallel run (none for one process), joined once every rank's config agrees with rank 0's
// on every key but the per-rank ones (where and how each process runs).
std::unique_ptr<LearnerGroup> join_group(const ResolvedConfig& rc) {
  if (rc.config.dist.world_size == 1) return nullptr;
  auto group = std::make_unique<LearnerGroup>(rc.config.dist);
  const std::string leader = group->broadcast(rc.yaml);
  const std::string key = first_config_difference(leader, rc.yaml, per_rank_key);
  group->check(key.empty() ? "" : "dist: rank " + std::to_string(group->rank()) + "'s config differs from rank 0's "
                                  "at key '" + key + "'; every rank must train with the same settings");
  return group;
}

// Where rank `rank` keeps its episodes and lock: the logdir for rank 0, <logdir>/rank<r> for the others.
std::string rank_dir(const Config& cfg) {
  if (cfg.dist.rank == 0) return cfg.logdir;
  return (fs::path(cfg.logdir) / ("rank" + std::to_string(cfg.dist.rank))).string();
}

// One training run, as the paper's Algorithm 1: the dataset D seeded with random episodes, then in turn
// environment interaction with the policy (into D) and updates from sequences drawn from D: the world
// model, then the actor and critic in imagination from its posterior states. Around it: evaluation,
// logs and checkpoints, each on its own schedule of environment frames.
class Trainer {
 public:
  Trainer(const ResolvedConfig& rc, const TrainHooks& hooks);
  void run();

 private:
  // Algorithm 1.
  void prefill();                      // random episodes into D until it holds cfg.prefill agent steps
  int64_t collect(const Policy& policy);  // one step of every env with `policy`, into D; returns agent steps
  void update();                       // one update from B sequences of T steps drawn from D
  // Around it.
  void evaluate();                     // cfg.eval_eps greedy episodes and the open-loop predictions
  void log();                          // the means since the last log, then a checkpoint
  void checkpoint();
  void report(const std::string& phase, Metrics means = {});
  bool exploring() const;
  void add_step(int env, const uint8_t* obs, const float* action, const TimeStep& ts);
  // Data-parallel runs: the points where the ranks must agree.
  bool open_run_dir(const ResolvedConfig& rc);  // lock and prepare the run directory; true when resuming
  void load();                                  // the checkpoint and the episodes, when resuming
  void on_every_rank(const std::function<void()>& step);  // `step`; if it fails on any rank, every rank throws
  bool agree(bool ready);  // whether every rank is `ready`; also agrees on stopping
  bool stopping() const;
  bool leader() const { return rank_ == 0; }  // writes the checkpoint, config and logs

  const Config& cfg_;
  const TrainHooks& hooks_;
  // With dist.world_size > 1: this learner's group; each rank has its own envs, seeds and replay shard.
  const std::unique_ptr<LearnerGroup> group_;
  const int rank_, ranks_;
  const uint64_t seed_;   // this rank's seed (rank_seed)
  const std::string dir_;  // this rank's directory for its lock and episodes (rank_dir)
  // Everything that can fail on bad input is built before the run directory is touched.
  const torch::Device device_;
  BatchEnv envs_, eval_envs_;
  Agent agent_;
  std::optional<RunLock> lock_;  // held while the run lives: a second process is refused
  bool has_checkpoint_ = false;
  const bool resuming_;
  Replay replay_, eval_store_;  // D, and the evaluation episodes (written, never sampled)
  // The checkpoint: weights, optimizers, counters, and where the episode files and logs stood, so that a
  // resumed run drops what was written after it (after a kill) instead of repeating it.
  int64_t step_ = 0, updates_ = 0, agent_steps_ = 0, next_eval_ = 0;
  int64_t train_files_ = -1, eval_files_ = -1, eval_step_ = -1;
  LogPosition logged_;
  std::vector<int64_t> shard_files_;  // rank 0: the other ranks' train_files and eval_files, in pairs
  const std::string ckpt_;
  CheckpointParts parts_;
  int64_t saved_step_ = 0;
  std::optional<MetricsLog> log_;  // rank 0's
  std::vector<torch::Tensor> statistics_;  // with a group: the agent's running statistics, averaged every update
  bool stop_ = false;  // with a group: the stop the ranks agreed on

  Driver driver_, eval_driver_;
  PolicyState train_state_, eval_state_;
  Policy random_, act_, explore_, greedy_;
  EpisodeTracker tracker_;
  Progress progress_;
  Clock::time_point start_;
  int64_t start_step_ = 0, start_updates_ = 0;
};

Trainer::Trainer(const ResolvedConfig& rc, const TrainHooks& hooks)
    : cfg_(rc.config),
      hooks_(hooks),
      group_(join_group(rc)),
      rank_(cfg_.dist.rank),
      ranks_(cfg_.dist.world_size),
      seed_(rank_seed(uint64_t(cfg_.seed), rank_)),
      dir_(rank_dir(cfg_)),
      device_(parse_device(cfg_.device)),
      envs_(make_batch(cfg_, cfg_.envs, rank_ * cfg_.envs, cfg_.envs_parallel)),
      eval_envs_(make_batch(cfg_, 1, kEvalEnvIndex + rank_, 0)),
      agent_(make_agent(cfg_, envs_.obs_space(), envs_.act_space())),
      resuming_(open_run_dir(rc)),
      replay_(cfg_.replay, envs_.obs_space(), action_dim(envs_.act_space()), seed_,
              (fs::path(dir_) / "train_episodes").string()),
      eval_store_(cfg_.replay, envs_.obs_space(), action_dim(envs_.act_space()), seed_,
                  (fs::path(dir_) / "eval_episodes").string()),
      ckpt_((fs::path(cfg_.logdir) / "checkpoint.pt").string()),
      driver_(envs_),
      eval_driver_(eval_envs_),
      tracker_(envs_.size()) {
  parts_.modules = {{"agent", agent_.get()}};
  parts_.optimizers = {&agent_->wm->optimizer(), &agent_->ac->actor_opt(), &agent_->ac->critic_opt()};
  parts_.counters = {{"step", &step_}, {"updates", &updates_}, {"agent_steps", &agent_steps_}, {"next_eval", &next_eval_}};
  parts_.marks = {{"eval_step", &eval_step_}};
  if (leader()) {  // where rank 0's episodes and logs stood; the other ranks' episodes under rank<r>.*
    parts_.marks.insert({{"train_files", &train_files_}, {"eval_files", &eval_files_},
                         {"metrics_bytes", &logged_.metrics_bytes}, {"events_bytes", &logged_.events_bytes}});
    parts_.texts = {{"events_file", &logged_.events_file}};
    shard_files_.assign(size_t(2 * (ranks_ - 1)), -1);
    for (int r = 1; r < ranks_; ++r) {
      parts_.marks["rank" + std::to_string(r) + ".train_files"] = &shard_files_[size_t(2 * (r - 1))];
      parts_.marks["rank" + std::to_string(r) + ".eval_files"] = &shard_files_[size_t(2 * (r - 1) + 1)];
    }
  } else {
    parts_.marks["rank" + std::to_string(rank_) + ".train_files"] = &train_files_;
    parts_.marks["rank" + std::to_string(rank_) + ".eval_files"] = &eval_files_;
  }
  agent_->to(device_);
  load();
  // Every rank starts from rank 0's weights (DDP's broadcast), then averages its gradients every update.
  if (group_) statistics_ = replicate(agent_, *group_);
  if (leader()) {
    log_.emplace(cfg_.logdir, /*tensorboard=*/true, logged_);
    update_run_config(cfg_.logdir, rc.yaml);  // the resumable keys, once the run has loaded
  }
  saved_step_ = step_;
  if (!has_checkpoint_) checkpoint();  // a run directory with episodes always has a checkpoint

  train_state_ = agent_->initial_policy_state(envs_.size());
  eval_state_ = agent_->initial_policy_state(eval_envs_.size());
  random_ = random_policy(envs_.act_space(), seed_ * 7919 + uint64_t(step_));
  act_ = agent_policy(agent_, train_state_, PolicyMode::train);
  explore_ = agent_policy(agent_, train_state_, PolicyMode::explore);
  greedy_ = agent_policy(agent_, eval_state_, PolicyMode::eval);
  progress_.total = cfg_.steps;
  start_ = Clock::now();
  start_step_ = step_;
  start_updates_ = updates_;
}

bool Trainer::open_run_dir(const ResolvedConfig& rc) {
  const fs::path checkpoint = fs::path(cfg_.logdir) / "checkpoint.pt";
  if (!group_) {
    lock_.emplace(cfg_.logdir);
    const bool resuming = prepare_logdir(cfg_.logdir, rc.yaml);
    has_checkpoint_ = resuming && fs::exists(checkpoint);
    return resuming;
  }
  bool resuming = false;
  on_every_rank([&] {
    lock_.emplace(dir_);
    if (leader()) resuming = prepare_logdir(cfg_.logdir, rc.yaml);
  });
  has_checkpoint_ = group_->sum({leader() && resuming && fs::exists(checkpoint) ? 1 : 0})[0] > 0;
  on_every_rank([&] {
    const int64_t shard = count_episode_files((fs::path(dir_) / "train_episodes").string());
    if (!leader() && !has_checkpoint_ && shard > 0)
      throw Error("'" + dir_ + "' holds " + std::to_string(shard) + " episode files, but rank 0's logdir '" +
                  cfg_.logdir + "' has no checkpoint to resume them with; move them away or choose another "
                  "--logdir (nothing was changed)");
  });
  return resuming;
}

void Trainer::load() {
  if (has_checkpoint_) {
    if (!group_) {
      load_checkpoint(ckpt_, parts_);
    } else {  // rank 0's checkpoint, which only rank 0 needs to see on its disk
      std::string bytes;
      on_every_rank([&] {
        if (leader()) bytes = read_checkpoint_bytes(ckpt_);
      });
      bytes = group_->broadcast(bytes);
      on_every_rank([&] { load_checkpoint_bytes(bytes, ckpt_, parts_); });
    }
  }
  on_every_rank([&] {
    replay_.load_directory(train_files_);
    eval_store_.load_directory(eval_files_, /*load=*/false);
  });
}

void Trainer::on_every_rank(const std::function<void()>& step) {
  if (!group_) return step();
  std::string problem;
  try {
    step();
  } catch (const GroupError&) {
    throw;
  } catch (const Error& e) {
    problem = e.what();
  }
  group_->check(problem);
}

bool Trainer::agree(bool ready) {
  if (!group_) return ready;
  const auto votes = group_->sum({ready ? 0 : 1, hooks_.stop && hooks_.stop->load() ? 1 : 0});
  stop_ = votes[1] > 0;
  return votes[0] == 0;
}

bool Trainer::stopping() const {
  if (group_) return stop_;  // the ranks stop together, at the step where they agreed to
  return hooks_.stop && hooks_.stop->load();
}

void Trainer::run() {
  try {
    prefill();
    if (updates_ == 0 && agree(replay_.episodes() > 0))  // pretraining on the prefilled episodes
      for (int i = 0; i < cfg_.pretrain && !stopping(); ++i) update();
    int64_t since_update = 0;
    int64_t next_log = (step_ / cfg_.log_every + 1) * cfg_.log_every;
    while (step_ < cfg_.steps && !stopping()) {
      if (step_ >= next_eval_ && cfg_.eval_eps > 0) evaluate();
      since_update += collect(exploring() ? explore_ : act_);
      if (since_update >= cfg_.train_every && agree(replay_.episodes() > 0))
        for (; since_update >= cfg_.train_every; since_update -= cfg_.train_every)
          for (int i = 0; i < cfg_.train_steps; ++i) update();
      if (step_ >= next_log) {
        next_log = (step_ / cfg_.log_every + 1) * cfg_.log_every;
        log();
      }
    }
    if (!stopping() && cfg_.eval_eps > 0 && eval_step_ != step_) evaluate();
  } catch (const GroupError& e) {
    throw GroupError(std::string(e.what()) + "; the checkpoint of step " + std::to_string(saved_step_) + " in '" +
                     cfg_.logdir + "' is kept: start every rank again with the same command to resume");
  } catch (const Divergence& e) {
    throw Divergence("training diverged at step " + std::to_string(step_) + ", after " + std::to_string(updates_) +
                     " updates: " + e.what() + "; the checkpoint of step " + std::to_string(saved_step_) + " in '" +
                     cfg_.logdir + "' is kept (a diverged model is never saved). Lower the learning rates "
                     "(model_opt.lr, actor_opt.lr, critic_opt.lr) or keep gradient clipping on, and start a new run");
  }
  checkpoint();
  report(stopping() ? "stopped" : "done");
}

void Trainer::prefill() {  // skipped on resume: D holds them already (each rank's shard: cfg.prefill steps)
  if (agree(replay_.steps() >= cfg_.prefill)) return;
  report("prefill");
  int64_t last_report = step_;
  while (!stopping()) {
    collect(random_);
    if (step_ - last_report >= cfg_.log_every) {
      last_report = step_;
      checkpoint();
      report("prefill");
    }
    if (agree(replay_.steps() >= cfg_.prefill)) break;
  }
}

int64_t Trainer::collect(const Policy& policy) {
  if (hooks_.tick) hooks_.tick();
  const int64_t n = driver_.step(policy, [this](int env, const uint8_t* obs, const float* action, const TimeStep& ts) {
    add_step(env, obs, action, ts);
  });
  agent_steps_ += n;
  step_ += n * cfg_.action_repeat * ranks_;  // frames of every rank: the ranks step in lockstep
  return n;
}

void Trainer::add_step(int env, const uint8_t* obs, const float* action, const TimeStep& ts) {
  replay_.add_step(env, obs, action, ts);
  if (auto episode = tracker_.add(env, ts)) {
    if (log_) log_->write(step_, {{"train_return", episode->ret}, {"train_length", double(episode->length)}});
    progress_.last_return = episode->ret;
    progress_.has_return = true;
  }
}

void Trainer::update() {
  // carry_state starts each row from the last state of its row in the previous batch: rows must go on there.
  const auto rows = cfg_.carry_state ? SampleRows::continued : SampleRows::one_stream;
  const Batch batch = replay_.sample(cfg_.dataset.batch, cfg_.dataset.length, SampleStream::train, rows).to(device_);
  agent_->ac->set_frames(step_);  // the clock of the actor's schedules
  auto metrics = agent_->train(batch);  // the world model, then the actor and critic from its posteriors
  if (group_) group_->average(statistics_);  // each rank's running statistics (return range, reward scale)
  if (log_) log_->add(metrics);
  ++updates_;
}

bool Trainer::exploring() const {  // the exploration behaviour acts until expl_until frames (0: always)
  return cfg_.expl_behavior != "greedy" && (cfg_.expl_until == 0 || step_ < cfg_.expl_until);
}

void Trainer::evaluate() {
  report("eval");
  eval_state_ = agent_->initial_policy_state(eval_envs_.size());
  // The ranks share the episodes: rank r plays eval_eps / ranks, one more while r < eval_eps % ranks.
  const int episodes = cfg_.eval_eps / ranks_ + (rank_ < cfg_.eval_eps % ranks_ ? 1 : 0);
  ReturnStats stats;
  if (episodes > 0)
    stats = play_episodes(eval_driver_, greedy_, episodes, [&](int env, const uint8_t* obs, const float* action,
                                                               const TimeStep& ts) {
      eval_store_.add_step(env, obs, action, ts);
    });
  if (group_) {
    std::vector<ReturnStats> parts;
    for (const auto& v : group_->all_gather(std::vector<double>{double(stats.episodes), stats.mean_return,
                                                                stats.stderr_return, stats.mean_length,
                                                                stats.stderr_length}))
      parts.push_back({int(v[0]), v[1], v[2], v[3], v[4]});
    stats = merge_stats(parts);
  }
  progress_.eval_return = stats.mean_return;
  progress_.has_eval = true;
  if (log_)
    log_->write(step_, {{"eval_return", stats.mean_return}, {"eval_return_stderr", stats.stderr_return},
                        {"eval_length", stats.mean_length}});
  // The world model's open-loop predictions (official: 6 sequences, 5 context steps).
  if (log_ && replay_.episodes() > 0 && cfg_.dataset.length > 1) {
    const int64_t context = std::min<int64_t>(5, cfg_.dataset.length - 1);
    const auto batch = replay_.sample(std::min<int64_t>(6, cfg_.dataset.batch), cfg_.dataset.length, SampleStream::report);
    const Video video = openl_video(*agent_->wm, batch.to(device_), context, envs_.obs_space());
    log_->video("openl", video.rgb, int(video.frames), int(video.height), int(video.width), 3, step_);
  }
  eval_step_ = step_;  // one evaluation per step, also across a resume
  next_eval_ = (step_ / cfg_.eval_every + 1) * cfg_.eval_every;
}

void Trainer::log() {
  Metrics means;
  if (log_) {
    const double elapsed = std::max(1e-9, seconds_since(start_));
    log_->add("fps", double(step_ - start_step_) / elapsed);
    log_->add("train_updates_per_s", double(updates_ - start_updates_) / elapsed);
    log_->add("replay_steps", double(replay_.steps()));
    log_->add("threads", double(torch::get_num_threads()));
    log_->add("replay_bytes_per_step", replay_.bytes_per_step());
    means = log_->flush(step_);
  }
  checkpoint();
  report("train", std::move(means));
}

void Trainer::checkpoint() {
  train_files_ = replay_.next_file();
  eval_files_ = eval_store_.next_file();
  if (group_) {  // rank 0's checkpoint says where every rank's episodes stood
    const auto files = group_->all_gather(std::vector<double>{double(train_files_), double(eval_files_)});
    if (leader())
      for (int r = 1; r < ranks_; ++r) {
        shard_files_[size_t(2 * (r - 1))] = int64_t(files[size_t(r)][0]);
        shard_files_[size_t(2 * (r - 1) + 1)] = int64_t(files[size_t(r)][1]);
      }
  }
  if (leader()) {
    logged_ = log_->position();
    save_checkpoint(ckpt_, parts_);
  }
  saved_step_ = step_;
}

void Trainer::report(const std::string& phase, Metrics means) {
  progress_.step = step_;
  progress_.updates = updates_;
  progress_.elapsed_s = seconds_since(start_);
  progress_.fps = double(step_ - start_step_) / std::max(1e-9, progress_.elapsed_s);
  progress_.updates_per_s = double(updates_ - start_updates_) / std::max(1e-9, progress_.elapsed_s);
  progress_.phase = phase;
  progress_.metrics = std::move(means);
  if (hooks_.report) hooks_.report(progress_);
}

}  // namespace

void train(const ResolvedConfig& rc, const TrainHooks& hooks) { Trainer(rc, hooks).run(); }

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
