// Tests of the training loop (dreamer::train): what a run writes, its phases and hooks, resume, a stop, the
// program's threads left alone, and the same metrics under the same seed.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "dreamer/core/runtime.h"
#include "dreamer/run/train.h"
#include "helpers.h"

using namespace dreamer;
using namespace dreamer::testing;

namespace {

// The debug preset on debug_catch, a few hundred frames: random prefill of 200 steps, then an update every
// 5 steps, a log every 100 frames and one evaluation episode every 300.
ResolvedConfig short_run(const std::string& logdir, const std::string& steps, const std::string& threads = "1") {
  return load_config(default_configs_path(), {"debug"},
                     {{"task", "debug_catch"}, {"logdir", logdir}, {"steps", steps}, {"prefill", "200"},
                      {"eval_every", "300"}, {"eval_eps", "1"}, {"log_every", "100"}, {"threads", threads},
                      {"seed", "3"}});
}

std::vector<nlohmann::json> metrics(const std::string& logdir) {
  std::ifstream in(logdir + "/metrics.jsonl");
  std::vector<nlohmann::json> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(nlohmann::json::parse(line));
  return lines;
}

// The records without the wall-clock fields.
std::string timeless(std::vector<nlohmann::json> lines) {
  std::ostringstream out;
  for (auto& j : lines) {
    for (const char* key : {"time", "fps", "train_updates_per_s"}) j.erase(key);
    out << j.dump() << "\n";
  }
  return out.str();
}

}  // namespace

TEST(Train, WritesARunReportsItsPhasesAndResumesWhereItStopped) {
  TempDir dir("train_run");
  const std::string logdir = dir / "run";
  std::vector<std::string> phases;
  int ticks = 0;
  TrainHooks hooks;
  hooks.report = [&](const Progress& p) {
    if (phases.empty() || phases.back() != p.phase) phases.push_back(p.phase);
  };
  hooks.tick = [&] { ++ticks; };
  train(short_run(logdir, "400"), hooks);
  // Prefill (200 steps), an evaluation at the first step after it, logs at 300 and 400, evaluations at 300 and at
  // the end.
  EXPECT_EQ(phases, (std::vector<std::string>{"prefill", "eval", "train", "eval", "train", "eval", "done"}));
  EXPECT_GT(ticks, 400);  // one per collection step: 400 steps, and the resets between episodes
  for (const char* file : {"config.yaml", "checkpoint.pt", "metrics.jsonl"})
    EXPECT_TRUE(std::filesystem::exists(dir / ("run/" + std::string(file)))) << file;
  const auto first = metrics(logdir);
  int evals = 0, returns = 0;
  for (const auto& j : first) {
    evals += j.contains("eval_return");
    returns += j.contains("train_return");
    EXPECT_LE(j["step"].get<int64_t>(), 400);
  }
  EXPECT_EQ(evals, 3);
  EXPECT_GT(returns, 0);

  // Resumed with more frames: the records go on after step 400, and the replay is not prefilled again.
  phases.clear();
  train(short_run(logdir, "600"), hooks);
  // No prefill and no evaluation on resuming (the next is due at 600): logs at 500 and 600, the last evaluation.
  EXPECT_EQ(phases, (std::vector<std::string>{"train", "eval", "done"}));
  const auto second = metrics(logdir);
  ASSERT_GT(second.size(), first.size());
  for (size_t i = first.size(); i < second.size(); ++i) EXPECT_GT(second[i]["step"].get<int64_t>(), 400);
}

TEST(Train, AStopEndsTheRunWithACheckpointThatResumes) {
  TempDir dir("train_stop");
  const std::string logdir = dir / "run";
  std::atomic<bool> stop{false};
  TrainHooks hooks;
  std::string last;
  int64_t stopped_at = 0;
  hooks.report = [&](const Progress& p) {
    last = p.phase;
    if (p.phase == "train") {
      stop = true;
      stopped_at = p.step;
    }
  };
  hooks.stop = &stop;
  train(short_run(logdir, "2000"), hooks);
  EXPECT_EQ(last, "stopped");
  EXPECT_LT(stopped_at, 2000);
  stop = false;
  // Resumed: no second prefill; the first report is the next log, log_every (100) frames after the stop.
  std::vector<std::string> phases;
  int64_t first_step = -1;
  hooks.report = [&](const Progress& p) {
    if (first_step < 0) first_step = p.step;
    phases.push_back(p.phase);
  };
  train(short_run(logdir, "600"), hooks);
  EXPECT_EQ(std::count(phases.begin(), phases.end(), "prefill"), 0);
  EXPECT_EQ(first_step, stopped_at + 100);
  EXPECT_EQ(phases.back(), "done");
}

TEST(Train, LeavesThreadsToTheProgramAndRepeatsUnderASeed) {
  TempDir dir("train_seed");
  set_threads(1);
  std::string runs[2];
  for (int i = 0; i < 2; ++i) {
    seed_everything(11);
    const std::string logdir = dir / ("run" + std::to_string(i));
    train(short_run(logdir, "300", /*threads=*/"0"));  // threads 0 is the CLI's to apply, not the library's
    EXPECT_EQ(torch::get_num_threads(), 1);
    runs[i] = timeless(metrics(logdir));
  }
  EXPECT_NE(runs[0].find("model_loss"), std::string::npos);
  EXPECT_EQ(runs[0], runs[1]);
}
