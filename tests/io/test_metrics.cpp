// Tests for MetricsLog: metrics.jsonl, the TensorBoard events file beside it, and videos/.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "dreamer/io/metrics.h"
#include "dreamer/io/tensorboard.h"
#include "io_test_util.h"

namespace dreamer {
namespace {

using io_testing::event_files;
using io_testing::read_events;
using io_testing::ScratchDir;

std::vector<nlohmann::json> read_jsonl(const std::string& path) {
  std::ifstream in(path);
  std::vector<nlohmann::json> records;
  for (std::string line; std::getline(in, line);) records.push_back(nlohmann::json::parse(line));
  return records;
}

TEST(MetricsLog, WritesJsonlAndTensorBoardScalars) {
  ScratchDir dir;
  {
    MetricsLog log(dir.path());
    log.add("model_loss", 1.0);
    log.add("model_loss", 3.0);
    log.add({{"fps", 50.0}});
    const auto means = log.flush(100);
    EXPECT_DOUBLE_EQ(means.at("model_loss"), 2.0);
    EXPECT_TRUE(log.flush(150).empty());  // nothing accumulated: nothing written
    log.write(200, {{"eval_return", 7.0}});
  }
  const auto records = read_jsonl(dir.path() + "/metrics.jsonl");
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0]["step"], 100);
  EXPECT_DOUBLE_EQ(records[0]["model_loss"].get<double>(), 2.0);
  EXPECT_DOUBLE_EQ(records[0]["fps"].get<double>(), 50.0);
  EXPECT_EQ(records[1]["step"], 200);
  // Every line carries its wall-clock time (Unix seconds), in order.
  const double now = double(std::time(nullptr));
  EXPECT_NEAR(records[0]["time"].get<double>(), now, 60.0);
  EXPECT_LE(records[0]["time"].get<double>(), records[1]["time"].get<double>());

  const auto files = event_files(dir.path());
  ASSERT_EQ(files.size(), 1u);
  const auto events = read_events(files[0]);
  ASSERT_EQ(events.size(), 4u);  // version + fps, model_loss (map order) + eval_return
  EXPECT_EQ(events[0].file_version(), "brain.Event:2");
  EXPECT_EQ(events[1].summary().value(0).tag(), "fps");
  EXPECT_EQ(events[1].step(), 100);
  EXPECT_EQ(events[2].summary().value(0).tag(), "model_loss");
  EXPECT_FLOAT_EQ(events[2].summary().value(0).simple_value(), 2.0f);
  EXPECT_EQ(events[3].summary().value(0).tag(), "eval_return");
  EXPECT_EQ(events[3].step(), 200);
  EXPECT_FLOAT_EQ(events[3].summary().value(0).simple_value(), 7.0f);
}

TEST(MetricsLog, TensorBoardCanBeTurnedOff) {
  ScratchDir dir;
  {
    MetricsLog log(dir.path(), /*tensorboard=*/false);
    EXPECT_EQ(log.tensorboard(), nullptr);
    log.write(1, {{"x", 1.0}});
    log.video("clip", std::vector<uint8_t>(2 * 3 * 3, 128), 2, 3, 3, 1, 1);
  }
  EXPECT_TRUE(event_files(dir.path()).empty());
  EXPECT_EQ(read_jsonl(dir.path() + "/metrics.jsonl").size(), 1u);
  EXPECT_TRUE(std::filesystem::exists(dir.path() + "/videos/clip_1.gif"));
}

TEST(MetricsLog, VideoGoesToVideosDirAndTensorBoard) {
  ScratchDir dir;
  const int T = 2, H = 4, W = 5, C = 1;
  std::vector<uint8_t> frames(std::size_t(T) * H * W);
  for (std::size_t i = 0; i < frames.size(); ++i) frames[i] = static_cast<uint8_t>(i * 6);
  std::string gif_path;
  {
    MetricsLog log(dir.path());
    gif_path = log.video("eval/policy", frames, T, H, W, C, 5000);
  }
  EXPECT_EQ(gif_path, dir.path() + "/videos/eval_policy_5000.gif");
  const std::string bytes = io_testing::read_bytes(gif_path);
  const auto decoded = io_testing::decode_gif(std::vector<uint8_t>(bytes.begin(), bytes.end()));
  EXPECT_EQ(decoded.frames, T);
  EXPECT_EQ(decoded.width, W);
  EXPECT_EQ(decoded.height, H);

  const auto files = event_files(dir.path());
  ASSERT_EQ(files.size(), 1u);
  const auto events = read_events(files[0]);
  ASSERT_EQ(events.size(), 2u);
  const auto& value = events[1].summary().value(0);
  EXPECT_EQ(value.tag(), "eval/policy");
  EXPECT_EQ(events[1].step(), 5000);
  EXPECT_EQ(value.image().colorspace(), 1);
  EXPECT_EQ(value.image().encoded_image_string(), bytes);
}

TEST(MetricsLog, IsMovable) {
  ScratchDir dir;
  MetricsLog first(dir.path());
  MetricsLog moved(std::move(first));
  moved.write(3, {{"a", 1.0}});
  ASSERT_NE(moved.tensorboard(), nullptr);
  EXPECT_EQ(read_events(moved.tensorboard()->path()).size(), 2u);
}

TEST(MetricsLog, AppendsToAnExistingJsonl) {
  ScratchDir dir;
  { MetricsLog(dir.path()).write(1, {{"a", 1.0}}); }
  { MetricsLog(dir.path()).write(2, {{"a", 2.0}}); }
  EXPECT_EQ(read_jsonl(dir.path() + "/metrics.jsonl").size(), 2u);
  EXPECT_EQ(event_files(dir.path()).size(), 2u);  // one events file per run, as TensorBoard expects
}

// A crash mid-write leaves a torn last line: the next run drops it instead of appending to it.
TEST(MetricsLog, DropsATornLastLine) {
  ScratchDir dir;
  { MetricsLog(dir.path(), false).write(1, {{"a", 1.0}}); }
  { std::ofstream(dir.path() + "/metrics.jsonl", std::ios::app) << "{\"step\": 2, \"a\": 1"; }
  { MetricsLog(dir.path(), false).write(3, {{"a", 3.0}}); }
  const auto records = read_jsonl(dir.path() + "/metrics.jsonl");
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0]["step"], 1);
  EXPECT_EQ(records[1]["step"], 3);
  // A file that is one torn line becomes empty.
  { std::ofstream(dir.path() + "/metrics.jsonl", std::ios::trunc) << "{\"st"; }
  { MetricsLog log(dir.path(), false); }
  EXPECT_EQ(io_testing::read_bytes(dir.path() + "/metrics.jsonl"), "");
}

// Resuming at a recorded position cuts both files back to it and continues the same events file.
TEST(MetricsLog, ResumesAtAPositionDroppingWhatCameAfter) {
  ScratchDir dir;
  LogPosition at;
  {
    MetricsLog log(dir.path());
    log.write(10, {{"a", 1.0}});
    at = log.position();
    log.write(20, {{"a", 2.0}});  // after the checkpoint: lost with the crash
    log.write(30, {{"a", 3.0}});
  }
  ASSERT_EQ(event_files(dir.path()).size(), 1u);
  EXPECT_EQ(at.events_file, std::filesystem::path(event_files(dir.path())[0]).filename().string());
  {
    MetricsLog log(dir.path(), true, at);
    log.write(20, {{"a", 5.0}});
  }
  const auto records = read_jsonl(dir.path() + "/metrics.jsonl");
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[1]["step"], 20);
  EXPECT_EQ(records[1]["a"], 5.0);
  const auto files = event_files(dir.path());
  ASSERT_EQ(files.size(), 1u);
  std::vector<std::pair<int64_t, float>> scalars;
  for (const auto& e : read_events(files[0]))
    if (e.has_summary()) scalars.emplace_back(e.step(), e.summary().value(0).simple_value());
  EXPECT_EQ(scalars, (std::vector<std::pair<int64_t, float>>{{10, 1.0f}, {20, 5.0f}}));
}

// A position past the end (a file cut by a power loss) or naming a missing events file: keep what
// is there, start a new events file.
TEST(MetricsLog, PositionBeyondTheFilesKeepsThem) {
  ScratchDir dir;
  { MetricsLog(dir.path(), false).write(1, {{"a", 1.0}}); }
  LogPosition far;
  far.metrics_bytes = 1 << 20;
  far.events_file = "events.out.tfevents.0.gone";
  far.events_bytes = 100;
  { MetricsLog(dir.path(), true, far).write(2, {{"a", 2.0}}); }
  EXPECT_EQ(read_jsonl(dir.path() + "/metrics.jsonl").size(), 2u);
  EXPECT_EQ(event_files(dir.path()).size(), 1u);
}

}  // namespace
}  // namespace dreamer
