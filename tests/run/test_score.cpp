// Tests of the Atari aggregates: hand-computed values, the paper's published aggregates, run scans.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "dreamer/core/error.h"
#include "dreamer/run/score.h"

using namespace dreamer;
namespace fs = std::filesystem;

namespace {
AtariBaselines three_games() {
  AtariBaselines b;
  b["a"] = {0.0, 10.0, 100.0, {}};
  b["b"] = {10.0, 20.0, 1010.0, {}};
  b["c"] = {-5.0, 5.0, 15.0, {}};
  b["no_gamer"] = {0.0, std::nullopt, 10.0, {}};
  return b;
}

void write(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream(path) << text;
}
}  // namespace

TEST(AtariScore, AggregatesByHand) {
  // a = 5 -> gamer 0.5, record 0.05; b = 40 -> gamer 3, record 0.03; c = 25 -> gamer 3, record 1.5.
  auto agg = aggregate_atari({{"a", 5.0}, {"b", 40.0}, {"c", 25.0}, {"no_gamer", 4.0}}, three_games());
  ASSERT_EQ(agg.games.size(), 4u);
  EXPECT_EQ(agg.gamer_games, 3);
  EXPECT_DOUBLE_EQ(agg.gamer_median, 3.0);
  EXPECT_DOUBLE_EQ(agg.gamer_mean, (0.5 + 3.0 + 3.0) / 3);
  EXPECT_DOUBLE_EQ(agg.record_mean, (0.05 + 0.03 + 1.5) / 3);
  EXPECT_DOUBLE_EQ(agg.clipped_record_mean, (0.05 + 0.03 + 1.0) / 3);
  EXPECT_FALSE(agg.games[3].gamer.has_value());  // listed, not aggregated
  EXPECT_DOUBLE_EQ(*agg.games[3].record, 0.4);
  // A game without baselines is listed, not aggregated; with no aggregable game the error names them.
  auto with_tetris = aggregate_atari({{"a", 5.0}, {"tetris", 12.0}}, three_games());
  ASSERT_EQ(with_tetris.games.size(), 2u);
  EXPECT_EQ(with_tetris.gamer_games, 1);
  EXPECT_FALSE(with_tetris.games[1].gamer.has_value() || with_tetris.games[1].record.has_value());
  EXPECT_DOUBLE_EQ(with_tetris.gamer_mean, 0.5);
  try {
    aggregate_atari({{"tetris", 12.0}}, three_games());
    ADD_FAILURE() << "no error for a game without baselines alone";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("none of the games (tetris)"), std::string::npos) << e.what();
  }
  // An even count takes the mean of the middle two.
  EXPECT_DOUBLE_EQ(aggregate_atari({{"a", 5.0}, {"b", 40.0}}, three_games()).gamer_median, 1.75);
}

TEST(AtariScore, ReproducesThePapersPublishedAggregates) {
  const auto baselines = load_atari_baselines(default_atari_baselines_path());
  // DreamerV2 paper, section 4: Rainbow gamer median 1.47, IQN 1.29 (55 games, sticky actions).
  auto rainbow = aggregate_atari(published_atari_scores("rainbow_sticky_2e8", baselines), baselines);
  EXPECT_EQ(rainbow.gamer_games, 55);
  EXPECT_NEAR(rainbow.gamer_median, 1.47, 0.005);
  auto iqn = aggregate_atari(published_atari_scores("iqn_sticky_2e8", baselines), baselines);
  EXPECT_NEAR(iqn.gamer_median, 1.29, 0.005);
  // DreamerV2's own finals: clipped record mean 0.28 in the paper.
  auto dreamer = aggregate_atari(published_atari_scores("dreamerv2", baselines), baselines);
  EXPECT_EQ(dreamer.gamer_games, 55);
  EXPECT_NEAR(dreamer.clipped_record_mean, 0.28, 0.01);
}

TEST(AtariScore, ScansRunsForTheirLastEvaluation) {
  const fs::path root = fs::temp_directory_path() / "dreamer_score_runs";
  fs::remove_all(root);
  write(root / "pong1/config.yaml", "task: atari_pong\nseed: 1\n");
  write(root / "pong1/metrics.jsonl", "{\"step\":1,\"eval_return\":-21}\n{\"step\":2,\"train_return\":3}\n"
                                      "{\"step\":3,\"eval_return\":-5,\"eval_length\":9}\n");
  write(root / "seeds/pong2/config.yaml", "task: atari_pong\n");
  write(root / "seeds/pong2/metrics.jsonl", "{\"step\":3,\"eval_return\":-7}\n");
  write(root / "breakout/config.yaml", "task: atari_breakout\n");
  write(root / "breakout/metrics.jsonl", "{\"step\":1,\"train_return\":3}\n");
  write(root / "minatar/config.yaml", "task: minatar_breakout\n");
  write(root / "minatar/metrics.jsonl", "{\"step\":1,\"eval_return\":3}\n");
  std::vector<std::string> skipped;
  auto scores = collect_atari_scores(root.string(), &skipped);
  ASSERT_EQ(scores.size(), 1u);
  EXPECT_EQ(scores["pong"], (std::vector<double>{-5.0, -7.0}));
  ASSERT_EQ(skipped.size(), 2u);
  EXPECT_NE(skipped[0].find("no evaluation"), std::string::npos) << skipped[0];
  EXPECT_NE(skipped[1].find("minatar_breakout"), std::string::npos) << skipped[1];
  write(root / "bad/config.yaml", "task: atari_pong\n");
  write(root / "bad/metrics.jsonl", "{\"eval_return\": oops\n");
  try {
    collect_atari_scores(root.string());
    FAIL() << "a malformed metrics line was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("line 1"), std::string::npos) << e.what();
  }
  fs::remove_all(root);
}

TEST(AtariScore, ErrorsNameTheBadInput) {
  auto expect = [](auto fn, const std::string& needle) {
    try {
      fn();
      FAIL() << "no error; expected one naming " << needle;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  expect([] { aggregate_atari({{"tetris", 1.0}}, three_games()); }, "(tetris)");
  expect([] { aggregate_atari({{"no_gamer", 1.0}}, three_games()); }, "human gamer and record");
  expect([] { published_atari_scores("alphazero", three_games()); }, "'alphazero'");
  expect([] { collect_atari_scores("/nonexistent/runs"); }, "/nonexistent/runs");
  expect([] { load_atari_baselines("/nonexistent/b.json"); }, "/nonexistent/b.json");
}
