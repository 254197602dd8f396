// The update benchmark: milliseconds per DreamerV2 update per preset (fast vs plain kernels), split
// by phase, FLOPs and share of the measured peak, peak memory and acting latency.
#include "model/update_bench.h"

#include <torch/csrc/autograd/profiler_legacy.h>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>

#include "dreamer/core/config.h"
#include "dreamer/core/error.h"
#include "dreamer/core/phase_clock.h"
#include "dreamer/core/runtime.h"
#include "dreamer/model/agent.h"
#include "median.h"
#include "model/flops.h"
#include "model/peak.h"
#include "model/synthetic.h"

namespace dreamer {
namespace {

double percentile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, size_t(q * double(v.size())))];
}

// Resets the kernel's record of this process's peak resident memory to the current resident size
// (Linux: clear_refs 5; memory the allocator kept from an earlier preset still counts). Returns
// false where the file cannot be written (peak_rss_mb is then the process's peak so far).
bool reset_peak_rss() {
  std::ofstream out("/proc/self/clear_refs");
  out << "5";
  out.flush();
  return bool(out);
}

double peak_rss_mb() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmHWM:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;  // kB
  return 0;
}

struct Timed {
  double ms = 0;
  std::map<std::string, double> phases;
};

// Times `repeats` updates per variant after one warm-up each. The variants take turns update by
// update, so that a slow spell of this shared machine hits them alike.
std::vector<Timed> time_updates(Agent& agent, const Batch& batch, const std::vector<Kernels>& variants, int repeats) {
  for (Kernels k : variants) {
    set_kernels(k);
    agent->train(batch);
  }
  std::vector<std::vector<double>> totals(variants.size());
  std::vector<std::map<std::string, std::vector<double>>> phases(variants.size());
  for (int i = 0; i < repeats; ++i) {
    for (size_t v = 0; v < variants.size(); ++v) {
      set_kernels(variants[v]);
      PhaseClock clock;
      const auto start = std::chrono::steady_clock::now();
      agent->train(batch, &clock);
      // The whole call: also what follows the last lap (metric reductions, autocast cleanup).
      totals[v].push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
      for (const auto& [name, ms] : clock.ms()) phases[v][name].push_back(ms);
    }
  }
  set_kernels(Kernels::fast);
  std::vector<Timed> out(variants.size());
  for (size_t v = 0; v < variants.size(); ++v) {
    out[v].ms = median(totals[v]);
    for (auto& [name, values] : phases[v]) out[v].phases[name] = median(values);
  }
  return out;
}

// One policy step for one env: encode, RSSM filter step, actor sample.
std::pair<double, double> time_acting(Agent& agent, const ObsSpace& obs, int steps) {
  auto state = agent->initial_policy_state(1);
  auto frame = torch::randint(0, obs.high + 1, {1, obs.height, obs.width, obs.channels}, torch::kUInt8);
  auto first = torch::zeros({1}, torch::kBool);
  for (int i = 0; i < 20; ++i) agent->policy(frame, first, state, PolicyMode::train);
  if (const char* trace = std::getenv("DREAMER_PROFILE")) {
    torch::autograd::profiler::RecordProfile guard(std::string(trace) + ".act.json");
    for (int i = 0; i < 20; ++i) agent->policy(frame, first, state, PolicyMode::train);
  }
  std::vector<double> ms;
  for (int i = 0; i < steps; ++i) {
    const auto start = std::chrono::steady_clock::now();
    agent->policy(frame, first, state, PolicyMode::train);
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
  }
  return {median(ms), percentile(ms, 0.99)};
}

}  // namespace

std::vector<UpdateBenchResult> bench_updates(const UpdateBenchOptions& opts,
                                             const std::function<void(const UpdateBenchResult&)>& on_result) {
  for (const auto& preset : opts.presets) preset_spaces(preset);  // reject a bad name before any work
  const int threads = set_threads(opts.threads);
  const double peak = measure_peak_flops(threads).peak();
  std::vector<UpdateBenchResult> results;
  for (const auto& preset : opts.presets) {
    std::vector<std::pair<std::string, std::string>> overrides;
    if (!opts.precision.empty()) overrides.emplace_back("precision", opts.precision);
    const Config cfg = load_config(default_configs_path(), {preset}, overrides).config;
    const auto [obs, act] = preset_spaces(preset);
    seed_everything(0);
    set_threads(threads);
    Agent agent(cfg, obs, act);
    const Batch batch = synthetic_batch(cfg, obs, act);

    UpdateBenchResult r;
    r.peak_rss_reset = reset_peak_rss();
    r.preset = preset;
    r.threads = threads;
    r.precision = cfg.precision;
    r.allocator = allocator_name();
    r.blas = blas_name();
    r.batch = cfg.dataset.batch;
    r.length = cfg.dataset.length;
    r.horizon = cfg.imag_horizon;
    if (const char* trace = std::getenv("DREAMER_PROFILE")) {
      // A chrome://tracing file of one update per preset, for finding the slow ops, after warm-up
      // updates (the first ones' page faults and one-off allocations would dominate it).
      for (int i = 0; i < 3; ++i) agent->train(batch);
      torch::autograd::profiler::RecordProfile guard(std::string(trace) + "." + preset + ".json");
      agent->train(batch);
    }
    std::vector<Kernels> variants{Kernels::fast};
    if (opts.baseline) variants.push_back(Kernels::plain);
    const auto timed = time_updates(agent, batch, variants, opts.repeats);
    r.ms_per_update = timed[0].ms;
    r.phases_ms = timed[0].phases;
    if (opts.baseline) {
      r.baseline_ms_per_update = timed[1].ms;
      r.baseline_phases_ms = timed[1].phases;
    }
    if (opts.scaling && threads > 1) {
      set_threads(1);
      r.ms_per_update_1thread = time_updates(agent, batch, {Kernels::fast}, opts.repeats)[0].ms;
    }
    set_threads(1);
    std::tie(r.act_ms_p50, r.act_ms_p99) = time_acting(agent, obs, opts.act_steps);
    if (opts.baseline) {
      set_kernels(Kernels::plain);
      r.baseline_act_ms_p50 = time_acting(agent, obs, opts.act_steps).first;
      set_kernels(Kernels::fast);
    }
    set_threads(threads);

    const UpdateFlops flops = update_flops(cfg, obs, act);
    r.wm_gflops = flops.world_model / 1e9;
    r.ac_gflops = flops.actor_critic / 1e9;
    r.gflops_per_update = flops.total() / 1e9;
    r.achieved_gflops = r.gflops_per_update / (r.ms_per_update / 1e3);
    r.peak_gflops = peak;
    r.peak_rss_mb = peak_rss_mb();
    if (on_result) on_result(r);
    results.push_back(r);
  }
  return results;
}

}  // namespace dreamer
