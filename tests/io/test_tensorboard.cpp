// Tests for TensorBoardWriter: TFRecord framing, file_version first, scalar and GIF video events.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "dreamer/core/error.h"
#include "dreamer/io/tensorboard.h"
#include "io_test_util.h"

namespace dreamer {
namespace {

using io_testing::read_events;
using io_testing::ScratchDir;

TEST(TensorBoardWriter, FileNameAndVersionRecord) {
  ScratchDir dir;
  std::string path;
  {
    TensorBoardWriter writer(dir.path());
    path = writer.path();
  }
  const std::string name = std::filesystem::path(path).filename().string();
  EXPECT_EQ(std::filesystem::path(path).parent_path(), std::filesystem::path(dir.path()));
  EXPECT_EQ(name.rfind("events.out.tfevents.", 0), 0u) << name;
  const auto events = read_events(path);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].file_version(), "brain.Event:2");
  EXPECT_GT(events[0].wall_time(), 1.5e9);
}

TEST(TensorBoardWriter, ScalarsReadBack) {
  ScratchDir dir;
  TensorBoardWriter writer(dir.path());
  writer.scalar("train_return", 12.5, 1000);
  writer.scalar("model_loss", 0.0, 1000);  // a zero must still be written
  writer.scalar("loss/kl", -3.25, 1LL << 40);
  writer.flush();
  const auto events = read_events(writer.path());
  ASSERT_EQ(events.size(), 4u);
  EXPECT_EQ(events[0].file_version(), "brain.Event:2");
  struct Expected {
    const char* tag;
    float value;
    int64_t step;
  };
  const Expected expected[] = {{"train_return", 12.5f, 1000}, {"model_loss", 0.0f, 1000}, {"loss/kl", -3.25f, 1LL << 40}};
  for (int i = 0; i < 3; ++i) {
    const auto& event = events[i + 1];
    SCOPED_TRACE(expected[i].tag);
    ASSERT_TRUE(event.has_summary());
    EXPECT_EQ(event.step(), expected[i].step);
    ASSERT_EQ(event.summary().value_size(), 1);
    const auto& value = event.summary().value(0);
    EXPECT_EQ(value.tag(), expected[i].tag);
    ASSERT_EQ(value.value_case(), tensorboard::Summary::Value::kSimpleValue);
    EXPECT_EQ(value.simple_value(), expected[i].value);
  }
}

TEST(TensorBoardWriter, VideoIsAGifImage) {
  ScratchDir dir;
  TensorBoardWriter writer(dir.path());
  const int T = 3, H = 6, W = 8, C = 3;
  std::vector<uint8_t> frames(std::size_t(T) * H * W * C);
  for (std::size_t i = 0; i < frames.size(); ++i) frames[i] = static_cast<uint8_t>(i % 3 == 0 ? 255 : i % 64);
  writer.video("policy", frames, T, H, W, C, 42);
  writer.flush();
  const auto events = read_events(writer.path());
  ASSERT_EQ(events.size(), 2u);
  const auto& event = events[1];
  EXPECT_EQ(event.step(), 42);
  ASSERT_EQ(event.summary().value_size(), 1);
  const auto& value = event.summary().value(0);
  EXPECT_EQ(value.tag(), "policy");
  ASSERT_TRUE(value.has_image());
  EXPECT_EQ(value.image().height(), H);
  EXPECT_EQ(value.image().width(), W);
  EXPECT_EQ(value.image().colorspace(), 3);
  const std::string& gif = value.image().encoded_image_string();
  ASSERT_GE(gif.size(), 10u);
  EXPECT_EQ(gif.substr(0, 6), "GIF89a");
  // Logical screen width and height, little-endian, right after the signature.
  EXPECT_EQ(io_testing::get_le(gif, 6, 2), uint64_t(W));
  EXPECT_EQ(io_testing::get_le(gif, 8, 2), uint64_t(H));
  const auto decoded = io_testing::decode_gif(std::vector<uint8_t>(gif.begin(), gif.end()));
  EXPECT_EQ(decoded.frames, T);
  EXPECT_EQ(decoded.rgb, frames);
}

TEST(TensorBoardWriter, TwoWritersInOneDirectoryGetDistinctFiles) {
  ScratchDir dir;
  TensorBoardWriter first(dir.path());
  TensorBoardWriter second(dir.path());
  EXPECT_NE(first.path(), second.path());
  EXPECT_EQ(io_testing::event_files(dir.path()).size(), 2u);
}

TEST(TensorBoardWriter, CreatesTheLogdirAndNamesItOnFailure) {
  ScratchDir dir;
  TensorBoardWriter nested(dir.path() + "/a/b");
  EXPECT_TRUE(std::filesystem::exists(nested.path()));

  const std::string file = dir.path() + "/plain_file";
  { std::ofstream(file) << "x"; }
  try {
    TensorBoardWriter bad(file + "/sub");
    FAIL() << "expected dreamer::Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(file), std::string::npos) << e.what();
  }
}

TEST(TensorBoardWriter, RejectsBadVideos) {
  ScratchDir dir;
  TensorBoardWriter writer(dir.path());
  EXPECT_THROW(writer.video("v", std::vector<uint8_t>(10), 1, 2, 2, 3, 0), Error);
  EXPECT_THROW(writer.video("v", std::vector<uint8_t>(16), 1, 2, 2, 4, 0), Error);
}

}  // namespace
}  // namespace dreamer
