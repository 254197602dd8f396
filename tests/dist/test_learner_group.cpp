// Data-parallel training: two learner processes (dist_worker) on 127.0.0.1 against one process on their data.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "dreamer/run/run_dir.h"
#include "scenarios.h"

namespace dreamer {
namespace {

using testing::TempDir;

// Runs `scenario` in two learner processes, one thread each; returns each rank's result.
std::vector<torch::Tensor> run_two_ranks(const std::string& scenario, const TempDir& dir) {
  const std::string port = std::to_string(free_loopback_port());
  std::string command;
  for (int r = 0; r < 2; ++r)
    command += "WORLD_SIZE=2 RANK=" + std::to_string(r) + " MASTER_PORT=" + port + " OMP_NUM_THREADS=1 '" +
               DREAMER_DIST_WORKER + "' " + scenario + " '" + dir / ("rank" + std::to_string(r) + ".pt") + "' & p" +
               std::to_string(r) + "=$!; ";
  command += "wait $p0 && wait $p1";  // sh: fails unless both exit 0
  EXPECT_EQ(std::system(command.c_str()), 0) << command;
  std::vector<torch::Tensor> results;
  for (int r = 0; r < 2; ++r) {
    torch::Tensor t;
    torch::load(t, dir / ("rank" + std::to_string(r) + ".pt"));
    results.push_back(t);
  }
  return results;
}

TEST(DataParallel, TwoRanksEqualOneProcessOnTheConcatenatedBatch) {
  TempDir dir("dist_mlp");
  const auto ranks = run_two_ranks("mlp", dir);
  auto [x, y] = testing::mlp_data();
  const torch::Tensor one = testing::train_mlp(nullptr, 0, x, y);  // rank 0's initial weights, all 8 rows
  EXPECT_TRUE(torch::equal(ranks[0], ranks[1])) << "the replicas differ";
  EXPECT_TRUE(torch::allclose(ranks[0], one, /*rtol=*/1e-5, /*atol=*/1e-6))
      << "max difference " << (ranks[0] - one).abs().max().item<float>();
  // Without the all-reduce, each rank would have followed its own half: that differs.
  const torch::Tensor half = testing::train_mlp(nullptr, 0, x.narrow(0, 0, 4), y.narrow(0, 0, 4));
  EXPECT_GT((half - one).abs().max().item<float>(), 1e-3);
}

TEST(DataParallel, AgentReplicasStayIdenticalOnDifferentBatches) {
  TempDir dir("dist_agent");
  const auto ranks = run_two_ranks("agent", dir);
  EXPECT_TRUE(torch::equal(ranks[0], ranks[1]))
      << "max difference " << (ranks[0] - ranks[1]).abs().max().item<double>();
  // Rank 0 alone on its batch ends elsewhere: the group's update used rank 1's batch too.
  const torch::Tensor solo = testing::train_agent(nullptr, 0);
  EXPECT_GT((solo - ranks[0]).abs().max().item<double>(), 1e-4);
  // The group repeats itself under the same seeds.
  TempDir again("dist_agent_again");
  EXPECT_TRUE(torch::equal(run_two_ranks("agent", again)[0], ranks[0]));
}

TEST(DataParallel, RanksMayDifferOnlyInWhereAndHowTheyRun) {
  const std::string a = load_config(default_configs_path(), {"debug"}, {{"logdir", "/a"}}).yaml;
  const std::string b = load_config(default_configs_path(), {"debug"},
                                    {{"logdir", "/b"}, {"dist.rank", "0"}, {"threads", "3"}, {"device", "cpu"}})
                            .yaml;
  EXPECT_EQ(first_config_difference(a, b, per_rank_key), "");
  const std::string c = load_config(default_configs_path(), {"debug"}, {{"model_opt.lr", "0.001"}}).yaml;
  EXPECT_EQ(first_config_difference(a, c, per_rank_key), "model_opt.lr");
  const std::string d = load_config(default_configs_path(), {"debug"}, {{"steps", "5000"}}).yaml;
  EXPECT_EQ(first_config_difference(a, d, per_rank_key), "steps");  // the ranks step in lockstep
  EXPECT_EQ(first_config_difference(a, d, resumable_key), "");
  EXPECT_FALSE(per_rank_key("dist.world_size"));
  EXPECT_FALSE(resumable_key("dist.world_size"));
  EXPECT_TRUE(resumable_key("dist.master_port"));
}

TEST(DataParallel, ConfigRefusesBadRanksNamingTheKey) {
  auto error = [](const std::vector<std::pair<std::string, std::string>>& overrides) {
    return testing::error_of([&] { load_config(default_configs_path(), {"debug"}, overrides); });
  };
  EXPECT_NE(error({{"dist.world_size", "0"}}).find("dist.world_size"), std::string::npos);
  EXPECT_NE(error({{"dist.world_size", "2"}, {"dist.rank", "2"}}).find("dist.rank"), std::string::npos);
  EXPECT_NE(error({{"dist.master_port", "70000"}}).find("dist.master_port"), std::string::npos);
  EXPECT_NE(error({{"dist.timeout", "0"}}).find("dist.timeout"), std::string::npos);
  const Config cfg = testing::preset({"debug"});
  EXPECT_EQ(cfg.dist.world_size, 1);
  EXPECT_EQ(cfg.dist.master_port, 29500);
}

TEST(DataParallel, RankSeedsKeepRankZeroAsOneProcess) {
  EXPECT_EQ(rank_seed(42, 0), 42u);
  EXPECT_NE(rank_seed(42, 1), rank_seed(42, 2));
  EXPECT_NE(rank_seed(42, 1), 42u);
}

}  // namespace
}  // namespace dreamer
