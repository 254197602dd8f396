// The `dreamer` command line: parses, calls the library, prints, and returns the exit status.
#include <CLI/CLI.hpp>
#include <c10/util/Exception.h>
#ifdef DREAMER_TCMALLOC
#include <gperftools/malloc_extension.h>
#endif
#include <fmt/core.h>
#include <nlohmann/json.hpp>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <vector>

#include "dreamer/core/config.h"
#include "dreamer/core/error.h"
#include "dreamer/core/runtime.h"
#include "dreamer/dist/learner_group.h"
#include "dreamer/envs/atari.h"
#include "dreamer/envs/evaluate.h"
#include "dreamer/io/gif.h"
#include "dreamer/run/score.h"
#include "dreamer/run/train.h"
#include "dist/allreduce_bench.h"
#include "envs/atari_bench.h"
#include "envs/env_bench.h"
#include "envs/mujoco_bench.h"
#include "model/synthetic.h"
#include "model/update_bench.h"

namespace {

constexpr int kBadInput = 2;
constexpr int kDiverged = 3;
constexpr int kGroupLost = 4;  // a data-parallel run lost a rank (docs/distributed.md)
std::atomic<bool> g_stop{false};
std::atomic<int> g_signal{0};

// SIGINT / SIGTERM: the run checkpoints and stops; the exit status is then 128 + the signal's
// number (130, 143), as a shell reports a process the signal ended, so scripts can tell it from a
// finished run.
void on_signal(int signal) {
  g_signal = signal;
  g_stop = true;
}

// Options every run command shares: presets and `--key.sub value` overrides of any config key.
struct RunOptions {
  std::vector<std::string> presets;
  std::vector<std::pair<std::string, std::string>> overrides;

  void add_to(CLI::App* cmd) {
    cmd->add_option("--configs", presets, "Presets from configs/configs.yaml, applied in order over defaults");
    cmd->allow_extras();
    cmd->footer("Any config key can be set as --key.sub value, e.g. --rssm.deter 200 (see docs/config.md).");
  }
  // Turns the extras (--key value pairs) into overrides; `named` are the command's own shortcuts.
  void collect(CLI::App* cmd, const std::vector<std::pair<std::string, std::string>>& named) {
    overrides = named;
    auto extras = cmd->remaining();
    for (size_t i = 0; i < extras.size(); ++i) {
      const std::string& arg = extras[i];
      if (arg.rfind("--", 0) != 0 || arg.size() < 3)
        throw dreamer::Error("unexpected argument '" + arg + "'; config overrides are written --key.sub value");
      std::string key = arg.substr(2), value;
      if (auto eq = key.find('='); eq != std::string::npos) {
        value = key.substr(eq + 1);
        key = key.substr(0, eq);
      } else {
        if (i + 1 >= extras.size()) throw dreamer::Error("option '" + arg + "' needs a value");
        value = extras[++i];
      }
      overrides.emplace_back(key, value);
    }
  }
  // torchrun's rendezvous variables, when WORLD_SIZE is set, as dist.* overrides (a --dist.* option wins).
  void add_rendezvous_from_environment() {
    if (!std::getenv("WORLD_SIZE")) return;
    const std::pair<const char*, const char*> variables[] = {
        {"WORLD_SIZE", "dist.world_size"}, {"RANK", "dist.rank"}, {"MASTER_ADDR", "dist.master_addr"},
        {"MASTER_PORT", "dist.master_port"}};
    for (const auto& [variable, key] : variables) {
      const char* value = std::getenv(variable);
      if (!value) continue;
      bool given = false;
      for (const auto& kv : overrides) given = given || kv.first == key;
      if (!given) overrides.insert(overrides.begin(), {key, value});
    }
  }
  dreamer::ResolvedConfig resolve() const {
    return dreamer::load_config(dreamer::default_configs_path(), presets, overrides);
  }
  // For train: without --configs, a logdir that holds a run resumes from its stored config.
  dreamer::ResolvedConfig resolve_run() const {
    std::string logdir;
    for (const auto& [key, value] : overrides)
      if (key == "logdir") logdir = value;
    const std::string stored = logdir + "/config.yaml";
    if (presets.empty() && !logdir.empty() && std::filesystem::exists(stored))
      return dreamer::load_stored_config(stored, dreamer::default_configs_path(), overrides);
    return resolve();
  }
};

// One line per report; on a terminal, a bar redrawn in place between logs. `who` starts the line (a rank's name).
void print_progress(const dreamer::Progress& p, bool tty, const std::string& who) {
  const double frac = p.total > 0 ? std::min(1.0, double(p.step) / double(p.total)) : 0.0;
  const double eta = p.fps > 0 ? double(p.total - p.step) / p.fps : 0.0;
  std::string line = who + fmt::format("[{:<8}] {:>10}/{} frames {:5.1f}% | {:7.0f} fps | {:6.2f} upd/s | ETA {:02d}:{:02d}:{:02d}",
                                 p.phase, p.step, p.total, 100 * frac, p.fps, p.updates_per_s, int(eta / 3600),
                                 int(eta / 60) % 60, int(eta) % 60);
  if (p.has_return) line += fmt::format(" | return {:.2f}", p.last_return);
  for (const char* key : {"model_loss", "image_loss", "reward_loss", "kl_loss"})
    if (auto it = p.metrics.find(key); it != p.metrics.end()) line += fmt::format(" | {} {:.4g}", key, it->second);
  if (tty && p.metrics.empty() && p.phase != "done" && p.phase != "stopped") {
    std::cerr << "\r" << line << "\x1b[K" << std::flush;
  } else {
    std::cerr << (tty ? "\r" : "") << line << (tty ? "\x1b[K" : "") << "\n";
  }
}

// The environment's OpenBLAS setting, when it holds the matrix products back (runtime.h).
void print_blas_advice() {
  if (auto advice = dreamer::blas_advice(); !advice.empty()) fmt::print(stderr, "note: {}\n", advice);
}

int run_train(RunOptions& run) {
  run.add_rendezvous_from_environment();
  auto rc = run.resolve_run();
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  const bool tty = isatty(STDERR_FILENO);
  const auto& dist = rc.config.dist;
  if (dist.world_size > 1)
    fmt::print(stderr, "dreamer train: task {} in {}, rank {} of {} (group at {}:{})\n", rc.config.task,
               rc.config.logdir, dist.rank, dist.world_size, dist.master_addr, dist.master_port);
  else
    fmt::print(stderr, "dreamer train: task {} in {}\n", rc.config.task, rc.config.logdir);
  print_blas_advice();
  if (rc.config.precision == 16)
    fmt::print(stderr, "note: precision 16 (bfloat16) is experimental: its learning was compared with float32 on "
                       "minatar_breakout only, with a few seeds (docs/PERFORMANCE.md)\n");
  // Threads and seeds are the program's: `threads: 0` follows the load, taking every core other processes leave
  // free, looked at every 2 s between collection steps.
  int threads = dreamer::set_threads(rc.config.threads);
  dreamer::seed_everything(dreamer::rank_seed(uint64_t(rc.config.seed), dist.rank));
  dreamer::ThreadGovernor governor;
  governor.update();
  auto last_governed = std::chrono::steady_clock::now();
  dreamer::TrainHooks hooks;
  const std::string who = dist.world_size > 1 ? fmt::format("rank {} ", dist.rank) : "";
  hooks.report = [tty, who](const dreamer::Progress& p) { print_progress(p, tty, who); };
  hooks.stop = &g_stop;
  if (rc.config.threads == 0)
    hooks.tick = [&] {
      if (std::chrono::steady_clock::now() - last_governed < std::chrono::seconds(2)) return;
      last_governed = std::chrono::steady_clock::now();
      if (const int want = governor.update(); want != threads) threads = dreamer::set_threads(want);
    };
  dreamer::train(rc, hooks);
  if (g_stop) {
    fmt::print(stderr, "stopped: checkpoint saved in {}; run the same command to resume\n", rc.config.logdir);
    return 128 + g_signal.load();
  }
  return 0;
}

void print_stats(const std::string& task, const std::string& policy, const dreamer::ReturnStats& stats, bool json) {
  if (json) {
    nlohmann::json j{{"task", task},
                     {"policy", policy},
                     {"episodes", stats.episodes},
                     {"mean_return", stats.mean_return},
                     {"stderr_return", stats.stderr_return},
                     {"mean_length", stats.mean_length},
                     {"stderr_length", stats.stderr_length}};
    std::cout << j.dump() << "\n";
  } else {
    fmt::print("{} ({} policy, {} episodes): return {:.3f} +- {:.3f}, length {:.1f} +- {:.1f}\n", task, policy,
               stats.episodes, stats.mean_return, stats.stderr_return, stats.mean_length, stats.stderr_length);
  }
}

int run_eval(RunOptions& run, const std::string& logdir, const std::string& policy, int episodes, bool json) {
  if (episodes < 1) throw dreamer::Error("eval: --episodes must be at least 1, got " + std::to_string(episodes));
  if (policy == "random") {
    auto rc = run.resolve();
    const auto& cfg = rc.config;
    print_stats(cfg.task, policy, dreamer::evaluate_random(cfg.task, dreamer::env_options(cfg), episodes, uint64_t(cfg.seed)), json);
    return 0;
  }
  if (policy != "agent") throw dreamer::Error("eval: --policy must be agent or random, got '" + policy + "'");
  if (logdir.empty()) throw dreamer::Error("eval: --logdir is needed to evaluate a trained agent");
  uint64_t seed = 0, threads = 0;
  for (const auto& [key, value] : run.overrides) {
    if (key != "seed" && key != "threads")
      throw dreamer::Error("eval: option '--" + key + "' does not apply to a trained agent (its config is the run's)");
    try {
      (key == "seed" ? seed : threads) = std::stoull(value);
    } catch (const std::exception&) {
      throw dreamer::Error("eval: --" + key + " has value '" + value + "', expected a non-negative integer");
    }
  }
  dreamer::set_threads(int(threads));
  dreamer::seed_everything(seed);
  auto result = dreamer::evaluate_checkpoint(logdir, episodes, seed);
  print_stats(result.task, policy, result.stats, json);
  return 0;
}

// `dreamer play`: the greedy policy of a run for N episodes, rendered into one GIF.
int run_play(const std::string& logdir, const std::string& out, int episodes, uint64_t seed, int threads, int fps,
             int max_frames, bool json) {
  if (episodes < 1) throw dreamer::Error("play: --episodes must be at least 1, got " + std::to_string(episodes));
  if (fps < 1 || fps > 100) throw dreamer::Error("play: --fps must be in [1, 100], got " + std::to_string(fps));
  if (max_frames < 1) throw dreamer::Error("play: --max-frames must be at least 1, got " + std::to_string(max_frames));
  const auto dir = std::filesystem::absolute(out).parent_path();
  if (!std::filesystem::is_directory(dir))
    throw dreamer::Error("play: the directory of --out '" + out + "' does not exist");
  std::vector<uint8_t> frames;
  int count = 0, height = 0, width = 0;
  auto on_frame = [&](const dreamer::Image& image) {
    if (count == 0) {
      height = image.height;
      width = image.width;
    }
    if (count >= max_frames || image.height != height || image.width != width) return;
    frames.insert(frames.end(), image.rgb.begin(), image.rgb.end());
    ++count;
  };
  dreamer::set_threads(threads);
  dreamer::seed_everything(seed);
  auto result = dreamer::evaluate_checkpoint(logdir, episodes, seed, on_frame);
  dreamer::write_gif(out, frames, count, height, width, 3, fps);
  if (json) {
    std::cout << nlohmann::json{{"task", result.task}, {"episodes", result.stats.episodes},
                                {"mean_return", result.stats.mean_return}, {"mean_length", result.stats.mean_length},
                                {"frames", count}, {"out", out}}
                     .dump()
              << "\n";
  } else {
    fmt::print("{}: {} episode(s), return {:.3f}, length {:.1f}; wrote {} frames of {}x{} to {}\n", result.task,
               result.stats.episodes, result.stats.mean_return, result.stats.mean_length, count, width, height, out);
  }
  return 0;
}

// `dreamer score`: Atari aggregates of the runs under a directory, or of a published agent.
int run_score(const std::string& runs_dir, const std::string& published, std::string baselines_path, bool json) {
  if (runs_dir.empty() == published.empty()) throw dreamer::Error("score: give exactly one of --runs and --published");
  if (baselines_path.empty()) baselines_path = dreamer::default_atari_baselines_path();
  const auto baselines = dreamer::load_atari_baselines(baselines_path);
  std::map<std::string, double> scores;
  std::map<std::string, int> runs;
  std::vector<std::string> skipped;
  if (!published.empty()) {
    scores = dreamer::published_atari_scores(published, baselines);
  } else {
    for (const auto& [game, finals] : dreamer::collect_atari_scores(runs_dir, &skipped)) {
      double sum = 0;
      for (double s : finals) sum += s;
      scores[game] = sum / double(finals.size());
      runs[game] = int(finals.size());
    }
    if (scores.empty())
      throw dreamer::Error("score: no Atari run with an evaluation under '" + runs_dir + "'" +
                           (skipped.empty() ? std::string() : " (skipped: " + skipped.front() + ", ...)"));
  }
  const auto agg = dreamer::aggregate_atari(scores, baselines, runs);
  if (json) {
    nlohmann::json games = nlohmann::json::array();
    for (const auto& g : agg.games)
      games.push_back({{"game", g.game}, {"score", g.score}, {"runs", g.runs},
                       {"gamer", g.gamer ? nlohmann::json(*g.gamer) : nlohmann::json(nullptr)},
                       {"record", g.record ? nlohmann::json(*g.record) : nlohmann::json(nullptr)}});
    std::cout << nlohmann::json{{"games", games}, {"aggregated_games", agg.gamer_games},
                                {"gamer_median", agg.gamer_median}, {"gamer_mean", agg.gamer_mean},
                                {"record_mean", agg.record_mean}, {"clipped_record_mean", agg.clipped_record_mean},
                                {"skipped", skipped}}
                     .dump()
              << "\n";
    return 0;
  }
  auto cell = [](const std::optional<double>& v) { return v ? fmt::format("{:.3f}", *v) : std::string("-"); };
  fmt::print("{:<20} {:>12} {:>5} {:>10} {:>10}\n", "game", "score", "runs", "gamer", "record");
  for (const auto& g : agg.games)
    fmt::print("{:<20} {:>12.1f} {:>5} {:>10} {:>10}\n", g.game, g.score, g.runs, cell(g.gamer), cell(g.record));
  fmt::print("over {} games: gamer median {:.2f}, gamer mean {:.2f}, record mean {:.3f}, clipped record mean {:.3f}\n",
             agg.gamer_games, agg.gamer_median, agg.gamer_mean, agg.record_mean, agg.clipped_record_mean);
  for (const auto& s : skipped) fmt::print("skipped {}\n", s);
  return 0;
}

void print_update_bench(const dreamer::UpdateBenchResult& r, bool json) {
  const double speedup = r.baseline_ms_per_update > 0 ? r.baseline_ms_per_update / r.ms_per_update : 0;
  const double scaling = r.ms_per_update_1thread > 0 ? r.ms_per_update_1thread / r.ms_per_update : 0;
  if (json) {
    nlohmann::json j{{"bench", "update"},
                     {"preset", r.preset},
                     {"threads", r.threads},
                     {"precision", r.precision},
                     {"allocator", r.allocator},
                     {"blas", r.blas},
                     {"batch", r.batch},
                     {"length", r.length},
                     {"horizon", r.horizon},
                     {"ms_per_update", r.ms_per_update},
                     {"updates_per_s", 1e3 / r.ms_per_update},
                     {"baseline_ms_per_update", r.baseline_ms_per_update},
                     {"speedup_vs_baseline", speedup},
                     {"ms_per_update_1thread", r.ms_per_update_1thread},
                     {"thread_scaling", scaling},
                     {"phases_ms", r.phases_ms},
                     {"baseline_phases_ms", r.baseline_phases_ms},
                     {"gflops_per_update", r.gflops_per_update},
                     {"wm_gflops", r.wm_gflops},
                     {"ac_gflops", r.ac_gflops},
                     {"achieved_gflops", r.achieved_gflops},
                     {"peak_gflops", r.peak_gflops},
                     {"peak_share", r.achieved_gflops / r.peak_gflops},
                     {"peak_rss_mb", r.peak_rss_mb},
                     {"peak_rss_reset", r.peak_rss_reset},
                     {"act_ms_p50", r.act_ms_p50},
                     {"act_ms_p99", r.act_ms_p99},
                     {"baseline_act_ms_p50", r.baseline_act_ms_p50}};
    std::cout << j.dump() << std::endl;
    return;
  }
  fmt::print("{:<14} {:>9.1f} ms/update ({:.2f}/s)  plain {:>9.1f} ms (x{:.2f})  1 thread {:>9.1f} ms (x{:.2f})\n",
             r.preset, r.ms_per_update, 1e3 / r.ms_per_update, r.baseline_ms_per_update, speedup,
             r.ms_per_update_1thread, scaling);
  std::string split;
  for (const auto& [name, ms] : r.phases_ms) {
    split += fmt::format(" {} {:.1f}", name, ms);
    if (auto it = r.baseline_phases_ms.find(name); it != r.baseline_phases_ms.end())
      split += fmt::format(" (plain {:.1f})", it->second);
  }
  fmt::print("{:<14} split (ms):{}\n", "", split);
  fmt::print("{:<14} {:.1f} GFLOP/update ({:.1f} world model, {:.1f} actor-critic), {:.1f} GFLOP/s = {:.0f}% of "
             "{:.0f} peak; peak RSS {:.0f} MB; act {:.3f} ms p50, {:.3f} ms p99, plain {:.3f} ms p50 ({} threads, precision {}, {} malloc, {})\n",
             "", r.gflops_per_update, r.wm_gflops, r.ac_gflops, r.achieved_gflops,
             100 * r.achieved_gflops / r.peak_gflops, r.peak_gflops, r.peak_rss_mb, r.act_ms_p50, r.act_ms_p99,
             r.baseline_act_ms_p50, r.threads, r.precision, r.allocator, r.blas);
}

int run_bench(bool envs, bool model, double seconds, dreamer::UpdateBenchOptions update_opts, bool json) {
  if (!envs && !model) envs = model = true;
  if (seconds <= 0) throw dreamer::Error("bench: --seconds must be positive, got " + std::to_string(seconds));
  if (update_opts.repeats < 1) throw dreamer::Error("bench: --repeats must be at least 1, got " +
                                                    std::to_string(update_opts.repeats));
  if (model) {
    print_blas_advice();
    dreamer::bench_updates(update_opts, [json](const auto& r) { print_update_bench(r, json); });
  }
  if (!envs) return 0;
  auto results = dreamer::bench_envs(seconds);
  for (const auto& r : results) {
    if (json) {
      std::cout << nlohmann::json{{"bench", "env"}, {"task", r.task}, {"steps_per_s", r.steps_per_second},
                                  {"steps", r.steps}, {"episodes", r.episodes}, {"seconds", r.seconds}}
                       .dump()
                << "\n";
    } else {
      fmt::print("{:<26} {:>8.2f} M steps/s on one core ({} steps, {} episodes)\n", r.task, r.steps_per_second / 1e6,
                 r.steps, r.episodes);
    }
  }
  // MuJoCo: physics and rendering apart (the rows above time both together, one frame per control step).
  for (const auto& m : dreamer::bench_mujoco(seconds)) {
    if (json)
      std::cout << nlohmann::json{{"bench", "mujoco"}, {"task", m.task}, {"physics_steps_per_s", m.physics_steps_per_second},
                                  {"frames_per_s", m.frames_per_second}, {"steps", m.steps}}
                       .dump()
                << "\n";
    else
      fmt::print("{:<26} {:>8.0f} control steps/s of physics, {:.0f} rendered 64x64 frames/s, one core\n", m.task,
                 m.physics_steps_per_second, m.frames_per_second);
  }
  // Atari: the wrappers against the bare emulator, where this build and the machine have them.
  std::string why_not;
  if (!dreamer::atari_available()) {
    why_not = "this build has no ALE";
  } else {
    try {
      dreamer::find_atari_rom("tetris", "");
    } catch (const dreamer::Error& e) {
      why_not = e.what();
    }
  }
  if (!why_not.empty()) {
    if (json)
      std::cout << nlohmann::json{{"bench", "atari"}, {"skipped", why_not}}.dump() << "\n";
    else
      fmt::print("{:<26} skipped: {}\n", "atari_tetris", why_not);
    return 0;
  }
  const auto a = dreamer::bench_atari(seconds, /*rounds=*/5, "");
  if (json) {
    std::cout << nlohmann::json{{"bench", "atari"}, {"task", "atari_tetris"},
                                {"wrapped_steps_per_s", a.wrapped_steps_per_second},
                                {"bare_steps_per_s", a.bare_steps_per_second}, {"overhead", a.overhead},
                                {"rounds", a.rounds}}
                     .dump()
              << "\n";
  } else {
    fmt::print("{:<26} {:>8.0f} agent steps/s wrapped, {:.0f} bare ALE (4 frames each): wrappers cost {:+.1f}% "
               "(median of {} interleaved rounds, one core)\n",
               "atari_tetris", a.wrapped_steps_per_second, a.bare_steps_per_second, 100 * a.overhead, a.rounds);
  }
  return 0;
}

// `dreamer bench --allreduce`: in a group torchrun's variables describe (WORLD_SIZE set), this process is one rank;
// otherwise it starts ranks 1..ranks-1 on this machine (this program again, same options) and is rank 0.
int run_bench_allreduce(dreamer::AllreduceBenchOptions opts, int ranks, const std::vector<std::string>& args, bool json) {
  if (opts.repeats < 1) throw dreamer::Error("bench: --repeats must be at least 1, got " + std::to_string(opts.repeats));
  for (const auto& preset : opts.presets) dreamer::preset_spaces(preset);  // a bad name before any rank starts
  opts.dist.timeout = 120;
  std::vector<pid_t> children;
  if (const char* world = std::getenv("WORLD_SIZE")) {
    opts.dist.world_size = std::atoi(world);
    opts.dist.rank = std::getenv("RANK") ? std::atoi(std::getenv("RANK")) : 0;
    if (const char* addr = std::getenv("MASTER_ADDR")) opts.dist.master_addr = addr;
    if (const char* port = std::getenv("MASTER_PORT")) opts.dist.master_port = std::atoi(port);
  } else {
    if (ranks < 2) throw dreamer::Error("bench: --ranks must be at least 2, got " + std::to_string(ranks));
    opts.dist.world_size = ranks;
    opts.dist.master_port = dreamer::free_loopback_port();
    for (int r = 1; r < ranks; ++r) {
      std::vector<std::string> env{"WORLD_SIZE=" + std::to_string(ranks), "RANK=" + std::to_string(r),
                                   "MASTER_ADDR=127.0.0.1", "MASTER_PORT=" + std::to_string(opts.dist.master_port)};
      for (char** e = environ; *e; ++e) env.emplace_back(*e);
      std::vector<char*> envp, argv;
      for (auto& e : env) envp.push_back(e.data());
      envp.push_back(nullptr);
      std::vector<std::string> arguments = args;
      for (auto& a : arguments) argv.push_back(a.data());
      argv.push_back(nullptr);
      pid_t pid = 0;
      if (posix_spawn(&pid, "/proc/self/exe", nullptr, nullptr, argv.data(), envp.data()) != 0)
        throw dreamer::Error("bench: cannot start rank " + std::to_string(r) + " (/proc/self/exe)");
      children.push_back(pid);
    }
  }
  dreamer::bench_allreduce(opts, [json](const dreamer::AllreduceBenchResult& r) {
    if (json) {
      std::cout << nlohmann::json{{"bench", "allreduce"}, {"preset", r.preset}, {"ranks", r.ranks},
                                  {"threads", r.threads}, {"gradient_bytes", r.gradient_bytes},
                                  {"allreduce_ms", r.allreduce_ms}, {"wait_ms", r.wait_ms}, {"update_ms", r.update_ms},
                                  {"synced_update_ms", r.synced_update_ms}, {"share", r.share},
                                  {"gbytes_per_s", r.gbytes_per_s}}
                       .dump()
                << std::endl;
    } else {
      fmt::print("{:<14} {} ranks x {} thread(s): {:.1f} MB of gradients per update, all-reduce {:.1f} ms "
                 "({:.2f} GB/s) = {:.1f}% of the {:.0f} ms synchronised update (unsynchronised {:.0f} ms; "
                 "{:.1f} ms waiting for the slower rank)\n",
                 r.preset, r.ranks, r.threads, r.gradient_bytes / 1e6, r.allreduce_ms, r.gbytes_per_s, 100 * r.share,
                 r.synced_update_ms, r.update_ms, r.wait_ms);
    }
  });
  for (pid_t pid : children) {
    int status = 0;
    if (::waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
      throw dreamer::Error("bench: a rank of the all-reduce benchmark failed");
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
#ifdef DREAMER_TCMALLOC
  // Keep freed pages instead of handing them back to the kernel: an update frees and allocates
  // again the same large tensors, and at tcmalloc's default rate a policy step now and then faulted
  // a few MB back in (atari: 1512 page faults, 28 ms instead of 3, docs/PERFORMANCE.md). The
  // resident size stays at the peak the run reaches anyway.
  MallocExtension::instance()->SetMemoryReleaseRate(0);
#endif
  CLI::App app{"dreamer.cpp: DreamerV2 (Hafner et al. 2021) on LibTorch, for the CPU."};
  app.require_subcommand(1);

  RunOptions train_opts, eval_opts;
  std::string task, logdir, policy = "agent";
  std::string steps, seed, threads;
  int episodes = 10;
  bool json = false;

  auto* train = app.add_subcommand("train", "Train an agent; re-running on the same --logdir resumes it");
  train_opts.add_to(train);
  train->add_option("--task", task, "suite_task, e.g. minatar_breakout, debug_catch");
  train->add_option("--logdir", logdir, "Run directory (config, checkpoint, episodes, metrics)");
  train->add_option("--steps", steps, "Environment frames to train for");
  train->add_option("--seed", seed, "Random seed");
  train->add_option("--threads", threads, "LibTorch intra-op threads (0 = all cores)");

  auto* eval = app.add_subcommand("eval", "Evaluate a policy for N episodes");
  eval_opts.add_to(eval);
  eval->add_option("--task", task, "suite_task to evaluate on");
  eval->add_option("--logdir", logdir, "Run directory whose checkpoint to evaluate (greedy policy)");
  eval->add_option("--policy", policy, "agent (the checkpoint's greedy policy) or random");
  eval->add_option("--episodes", episodes, "Number of episodes");
  eval->add_option("--seed", seed, "Random seed");
  eval->add_option("--threads", threads, "LibTorch intra-op threads (0 = all cores)");
  eval->add_flag("--json", json, "Print one JSON object");

  std::string play_out;
  int play_episodes = 1, play_fps = 10, play_max_frames = 2000;
  uint64_t play_seed = 0;
  int play_threads = 0;
  auto* play = app.add_subcommand("play", "Render episodes of a trained agent's greedy policy into a GIF");
  play->add_option("--logdir", logdir, "Run directory whose checkpoint plays")->required();
  play->add_option("--out", play_out, "GIF file to write")->required();
  play->add_option("--episodes", play_episodes, "Episodes to play (one after another in the GIF)");
  play->add_option("--seed", play_seed, "Seed of the env and the policy");
  play->add_option("--threads", play_threads, "LibTorch intra-op threads (0 = all cores)");
  play->add_option("--fps", play_fps, "Frames per second of the GIF");
  play->add_option("--max-frames", play_max_frames, "Frames kept at most (the episodes still finish)");
  play->add_flag("--json", json, "Print one JSON object");

  std::string score_runs, score_published, score_baselines;
  auto* score = app.add_subcommand("score", "Atari aggregate scores (gamer median/mean, record mean, clipped record mean)");
  score->add_option("--runs", score_runs, "Directory whose Atari runs (and their subdirectories') are scored");
  score->add_option("--published", score_published, "A published agent instead: dreamerv2, rainbow_sticky_2e8, ...");
  score->add_option("--baselines", score_baselines, "Baseline scores JSON (default: data/atari_baselines.json)");
  score->add_flag("--json", json, "Print one JSON object");

  bool bench_envs = false;
  double bench_seconds = 1.0;
  auto* bench = app.add_subcommand("bench", "Throughput benchmarks (see docs/PERFORMANCE.md)");
  bool bench_model = false;
  dreamer::UpdateBenchOptions update_opts;
  bench->add_flag("--envs", bench_envs, "Environment steps per second per core, random policy");
  bench->add_flag("--model", bench_model, "Milliseconds per training update and per policy step, per preset");
  bench->add_option("--configs,--presets", update_opts.presets, "Presets for --model (configs.yaml names)")->delimiter(',');
  bench->add_option("--repeats", update_opts.repeats, "Timed updates per variant (medians reported)");
  bench->add_option("--threads", update_opts.threads, "Intra-op threads for the updates (0 = all cores)");
  bench->add_option("--precision", update_opts.precision, "Override the presets' precision: 32 or 16");
  bench->add_flag("!--no-baseline", update_opts.baseline, "Skip the plain-kernel baseline");
  bench->add_flag("!--no-scaling", update_opts.scaling, "Skip the 1-thread measurement");
  bench->add_option("--seconds", bench_seconds, "Seconds measured per task");
  bench->add_flag("--json", json, "One JSON object per line");
  bool bench_allreduce = false;
  int bench_ranks = 2;
  bench->add_flag("--allreduce", bench_allreduce,
                  "Gradient all-reduce time per update over Gloo on loopback, against the update (--configs, "
                  "default minatar,atari)");
  bench->add_option("--ranks", bench_ranks, "Processes for --allreduce (started on this machine unless WORLD_SIZE is set)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return kBadInput;
  }

  // The shortcut options given on the command line (an empty value given is passed on, to be refused).
  auto named = [&](CLI::App* cmd, std::vector<std::pair<std::string, std::string>> pairs) {
    std::vector<std::pair<std::string, std::string>> out;
    for (auto& [k, v] : pairs)
      if (cmd->get_option("--" + k)->count() > 0) out.emplace_back(k, v);
    return out;
  };
  try {
    if (train->parsed()) {
      train_opts.collect(train, named(train, {{"task", task}, {"logdir", logdir}, {"steps", steps}, {"seed", seed},
                                       {"threads", threads}}));
      return run_train(train_opts);
    }
    if (eval->parsed()) {
      eval_opts.collect(eval, named(eval, {{"task", task}, {"seed", seed}, {"threads", threads}}));
      return run_eval(eval_opts, logdir, policy, episodes, json);
    }
    if (score->parsed()) return run_score(score_runs, score_published, score_baselines, json);
    if (play->parsed())
      return run_play(logdir, play_out, play_episodes, play_seed, play_threads, play_fps, play_max_frames, json);
    if (bench->parsed() && bench_allreduce) {
      dreamer::AllreduceBenchOptions opts;
      if (bench->get_option("--configs")->count() > 0) opts.presets = update_opts.presets;
      if (bench->get_option("--repeats")->count() > 0) opts.repeats = update_opts.repeats;
      if (bench->get_option("--threads")->count() > 0) opts.threads = update_opts.threads;
      std::vector<std::string> args{"dreamer", "bench", "--allreduce", "--repeats", std::to_string(opts.repeats),
                                    "--threads", std::to_string(opts.threads), "--configs"};
      std::string presets;
      for (const auto& p : opts.presets) presets += (presets.empty() ? "" : ",") + p;
      args.push_back(presets);
      return run_bench_allreduce(opts, bench_ranks, args, json);
    }
    if (bench->parsed()) return run_bench(bench_envs, bench_model, bench_seconds, update_opts, json);
  } catch (const dreamer::Divergence& e) {
    fmt::print(stderr, "error: {}\n", e.what());
    return kDiverged;
  } catch (const dreamer::GroupError& e) {
    fmt::print(stderr, "error: {}\n", e.what());
    return kGroupLost;
  } catch (const dreamer::Error& e) {
    fmt::print(stderr, "error: {}\n", e.what());
    return kBadInput;
  } catch (const c10::Error& e) {
    fmt::print(stderr, "internal error: {}\n", e.what_without_backtrace());
    return 1;
  } catch (const std::exception& e) {
    fmt::print(stderr, "internal error: {}\n", e.what());
    return 1;
  }
  return 0;
}
