// The data-parallel benchmark: the gradient all-reduce's time per update against the update's, per preset.
#include "dist/allreduce_bench.h"

#include <torch/torch.h>

#include <chrono>

#include "dreamer/core/runtime.h"
#include "dreamer/dist/learner_group.h"
#include "dreamer/model/agent.h"
#include "median.h"
#include "model/synthetic.h"

namespace dreamer {
namespace {

double ms_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t).count();
}

}  // namespace

std::vector<AllreduceBenchResult> bench_allreduce(const AllreduceBenchOptions& opts,
                                                  const std::function<void(const AllreduceBenchResult&)>& on_result) {
  for (const auto& preset : opts.presets) preset_spaces(preset);  // reject a bad name before any work
  LearnerGroup group(opts.dist);
  const int threads = set_threads(opts.threads);
  std::vector<AllreduceBenchResult> results;
  for (const auto& preset : opts.presets) {
    const Config cfg = load_config(default_configs_path(), {preset}, {}).config;
    const auto [obs, act] = preset_spaces(preset);
    seed_everything(rank_seed(0, group.rank()));
    Agent agent(cfg, obs, act);
    const Batch batch = synthetic_batch(cfg, obs, act);
    bool synced = true;
    double sync_ms = 0, wait_ms = 0;
    const std::vector<Optimizer*> optimizers{&agent->wm->optimizer(), &agent->ac->actor_opt(), &agent->ac->critic_opt()};
    AllreduceBenchResult r;
    r.preset = preset;
    r.ranks = group.size();
    r.threads = threads;
    for (auto* opt : optimizers) {
      r.gradient_bytes += opt->parameter_count() * int64_t(sizeof(float));
      opt->set_gradient_sync([&](const std::vector<torch::Tensor>& params) {
        if (!synced) return;
        // First the wait for the slower rank (a barrier), then the all-reduce itself, timed apart.
        const auto arrive = std::chrono::steady_clock::now();
        group.sum({0});
        wait_ms += ms_since(arrive);
        const auto start = std::chrono::steady_clock::now();
        group.average_gradients(params);
        sync_ms += ms_since(start);
      });
    }
    agent->train(batch);  // warm-up, synchronised
    std::vector<double> solo, with_sync, allreduce, waits;
    for (int i = 0; i < opts.repeats; ++i) {
      for (bool s : {false, true}) {
        group.sum({0});  // the ranks start each timed update together
        synced = s;
        sync_ms = 0;
        wait_ms = 0;
        const auto start = std::chrono::steady_clock::now();
        agent->train(batch);
        (s ? with_sync : solo).push_back(ms_since(start));
        if (s) {
          allreduce.push_back(sync_ms);
          waits.push_back(wait_ms);
        }
      }
    }
    r.allreduce_ms = median(allreduce);
    r.wait_ms = median(waits);
    r.update_ms = median(solo);
    r.synced_update_ms = median(with_sync);
    r.share = r.allreduce_ms / std::max(1e-9, r.synced_update_ms);
    r.gbytes_per_s = double(r.gradient_bytes) / 1e9 / std::max(1e-12, r.allreduce_ms / 1e3);
    if (group.rank() == 0) {
      if (on_result) on_result(r);
      results.push_back(r);
    }
  }
  return results;
}

}  // namespace dreamer
