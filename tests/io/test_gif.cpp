// Tests for encode_gif / write_gif: decoded back with giflib (frame count, size, pixels, timing, loop).
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "dreamer/core/error.h"
#include "dreamer/io/gif.h"
#include "io_test_util.h"

namespace dreamer {
namespace {

using io_testing::decode_gif;
using io_testing::ScratchDir;

std::vector<uint8_t> gray_video(int T, int H, int W) {
  std::vector<uint8_t> frames(std::size_t(T) * H * W);
  for (int t = 0; t < T; ++t)
    for (int y = 0; y < H; ++y)
      for (int x = 0; x < W; ++x) frames[(std::size_t(t) * H + y) * W + x] = static_cast<uint8_t>((t * 37 + y * 11 + x * 5) % 256);
  return frames;
}

TEST(Gif, HeaderAndGrayRoundTripIsExact) {
  const int T = 4, H = 7, W = 9;  // not square, to catch swapped dimensions
  const std::vector<uint8_t> frames = gray_video(T, H, W);
  const std::vector<uint8_t> gif = encode_gif(frames, T, H, W, 1);
  ASSERT_GE(gif.size(), 6u);
  EXPECT_EQ(std::string(gif.begin(), gif.begin() + 6), "GIF89a");
  const auto decoded = decode_gif(gif);
  EXPECT_EQ(decoded.frames, T);
  EXPECT_EQ(decoded.width, W);
  EXPECT_EQ(decoded.height, H);
  EXPECT_TRUE(decoded.loops);
  ASSERT_EQ(decoded.rgb.size(), frames.size() * 3);
  for (std::size_t p = 0; p < frames.size(); ++p)
    for (int c = 0; c < 3; ++c) ASSERT_EQ(decoded.rgb[3 * p + c], frames[p]) << "pixel " << p;
}

TEST(Gif, FrameDelayFollowsFps) {
  const std::vector<uint8_t> frames = gray_video(2, 3, 3);
  EXPECT_EQ(decode_gif(encode_gif(frames, 2, 3, 3, 1, 10)).delays, (std::vector<int>{10, 10}));
  EXPECT_EQ(decode_gif(encode_gif(frames, 2, 3, 3, 1, 4)).delays, (std::vector<int>{25, 25}));
  EXPECT_EQ(decode_gif(encode_gif(frames, 2, 3, 3, 1, 1000)).delays, (std::vector<int>{2, 2}));
}

TEST(Gif, FewColourRgbRoundTripIsExact) {
  const int T = 3, H = 10, W = 12;
  const uint8_t palette[5][3] = {{0, 0, 0}, {255, 255, 255}, {200, 72, 72}, {84, 92, 214}, {1, 2, 3}};
  std::vector<uint8_t> frames(std::size_t(T) * H * W * 3);
  for (std::size_t p = 0; p < frames.size() / 3; ++p)
    for (int c = 0; c < 3; ++c) frames[3 * p + c] = palette[(p * 7 + p / 13) % 5][c];
  const auto decoded = decode_gif(encode_gif(frames, T, H, W, 3));
  EXPECT_EQ(decoded.frames, T);
  EXPECT_EQ(decoded.rgb, frames);
}

TEST(Gif, ManyColourRgbIsQuantisedClosely) {
  const int T = 2, H = 32, W = 32;  // a smooth gradient: 2048 distinct colours
  std::vector<uint8_t> frames(std::size_t(T) * H * W * 3);
  for (int t = 0; t < T; ++t)
    for (int y = 0; y < H; ++y)
      for (int x = 0; x < W; ++x) {
        uint8_t* px = &frames[((std::size_t(t) * H + y) * W + x) * 3];
        px[0] = static_cast<uint8_t>(x * 8);
        px[1] = static_cast<uint8_t>(y * 8);
        px[2] = static_cast<uint8_t>(t * 128 + 40);
      }
  const auto decoded = decode_gif(encode_gif(frames, T, H, W, 3));
  EXPECT_EQ(decoded.frames, T);
  ASSERT_EQ(decoded.rgb.size(), frames.size());
  double total_error = 0;
  for (std::size_t i = 0; i < frames.size(); ++i) total_error += std::abs(int(decoded.rgb[i]) - int(frames[i]));
  EXPECT_LT(total_error / double(frames.size()), 12.0);  // mean absolute error per channel
}

TEST(Gif, RejectsBadShapes) {
  const std::vector<uint8_t> frames(2 * 4 * 4, 0);
  EXPECT_THROW(encode_gif(frames, 2, 4, 4, 2), Error);    // channels
  EXPECT_THROW(encode_gif(frames, 3, 4, 4, 1), Error);    // size mismatch
  EXPECT_THROW(encode_gif(frames, 0, 4, 4, 1), Error);    // no frames
  EXPECT_THROW(encode_gif(frames, 2, 4, 4, 1, 0), Error); // fps
}

TEST(Gif, WriteGifIsAtomicAndNamesThePathOnFailure) {
  ScratchDir dir;
  const std::string path = dir.path() + "/clip.gif";
  const std::vector<uint8_t> frames = gray_video(3, 5, 5);
  write_gif(path, frames, 3, 5, 5, 1);
  EXPECT_TRUE(std::filesystem::exists(path));
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
  const std::vector<uint8_t> expected = encode_gif(frames, 3, 5, 5, 1);
  EXPECT_EQ(io_testing::read_bytes(path), std::string(expected.begin(), expected.end()));

  const std::string bad = dir.path() + "/missing/dir/clip.gif";
  try {
    write_gif(bad, frames, 3, 5, 5, 1);
    FAIL() << "expected dreamer::Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(bad), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace dreamer
