// The update benchmark: milliseconds per DreamerV2 update per preset (fast vs plain kernels), split
// by phase, FLOPs and share of the measured peak, peak memory and acting latency.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace dreamer {

struct UpdateBenchOptions {
  std::vector<std::string> presets{"debug", "minatar", "atari", "mujoco_vision", "mujoco"};
  int threads = 0;          // intra-op threads for the updates, 0 = every core
  int repeats = 5;          // timed updates per variant, after one warm-up; medians are reported
  bool baseline = true;     // also time the plain kernels
  bool scaling = true;      // also time the fast kernels at 1 thread (when threads > 1)
  int act_steps = 200;      // timed policy steps, on one thread
  std::string precision;    // override of the preset's precision ("32" or "16"); empty keeps it
};

struct UpdateBenchResult {
  std::string preset;
  int threads = 0;
  int precision = 32;
  std::string allocator;    // allocator_name() of the process that measured
  std::string blas;         // blas_name(): the BLAS and its kernel set
  double ms_per_update = 0;           // median, fast kernels
  double baseline_ms_per_update = 0;  // median, plain kernels (0 when not measured)
  double ms_per_update_1thread = 0;   // median, fast kernels on one thread (0 when not measured)
  std::map<std::string, double> phases_ms;  // medians of wm_forward, wm_backward, imagination, ac_backward, optimizer
  std::map<std::string, double> baseline_phases_ms;  // the same for the plain kernels
  double gflops_per_update = 0;       // model FLOPs counted from layer shapes
  double wm_gflops = 0, ac_gflops = 0;
  double achieved_gflops = 0;         // gflops_per_update / seconds per update
  double peak_gflops = 0;             // measured at `threads`
  double peak_rss_mb = 0;             // the process's resident peak while this preset ran (counting what an
                                      // earlier preset left allocated; the process's whole peak when
                                      // peak_rss_reset is false: /proc/self/clear_refs not writable)
  bool peak_rss_reset = false;
  double act_ms_p50 = 0, act_ms_p99 = 0;  // one policy step for one env, one thread
  double baseline_act_ms_p50 = 0;         // the same with the plain kernels (0 when not measured)
  int64_t batch = 0, length = 0, horizon = 0;
};

/// Runs the benchmark for each preset of configs/configs.yaml on synthetic batches (no env needed:
/// atari and mujoco_vision use their observation and action shapes). Throws dreamer::Error for
/// an unknown preset. The machine's peak is measured once, first; `on_result`, when given, sees
/// each preset's result as it finishes (the atari preset takes minutes).
std::vector<UpdateBenchResult> bench_updates(const UpdateBenchOptions& opts,
                                             const std::function<void(const UpdateBenchResult&)>& on_result = {});

}  // namespace dreamer
