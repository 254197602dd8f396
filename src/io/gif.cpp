// Animated GIF encoding of video frames with giflib (global palette, looping, fixed frame delay).
#include "dreamer/io/gif.h"

#include <gif_lib.h>

#include <algorithm>
#include <cmath>
#include <unordered_map>

#include "dreamer/core/error.h"
#include "io/atomic_file.h"

namespace dreamer {
namespace {

constexpr int kPaletteSize = 256;

void check_video_shape(const std::vector<uint8_t>& frames, int T, int H, int W, int C, int fps) {
  if (T < 1 || H < 1 || W < 1 || H > 65535 || W > 65535)
    throw Error("gif: bad video shape T=" + std::to_string(T) + " H=" + std::to_string(H) +
                " W=" + std::to_string(W) + " (need T >= 1 and 1 <= H, W <= 65535)");
  if (C != 1 && C != 3)
    throw Error("gif: frames need 1 (gray) or 3 (RGB) channels, got C=" + std::to_string(C));
  const std::size_t expected = std::size_t(T) * std::size_t(H) * std::size_t(W) * std::size_t(C);
  if (frames.size() != expected)
    throw Error("gif: frames hold " + std::to_string(frames.size()) + " bytes, but [T=" +
                std::to_string(T) + ", H=" + std::to_string(H) + ", W=" + std::to_string(W) +
                ", C=" + std::to_string(C) + "] needs " + std::to_string(expected));
  if (fps < 1) throw Error("gif: fps must be at least 1, got " + std::to_string(fps));
}

/// A palette and one palette index per pixel, for all frames.
struct Indexed {
  std::vector<GifColorType> palette = std::vector<GifColorType>(kPaletteSize, GifColorType{0, 0, 0});
  std::vector<GifByteType> indices;
};

Indexed index_gray(const std::vector<uint8_t>& frames) {
  Indexed out;
  for (int i = 0; i < kPaletteSize; ++i) {
    const auto level = static_cast<GifByteType>(i);
    out.palette[i] = GifColorType{level, level, level};
  }
  out.indices.assign(frames.begin(), frames.end());
  return out;
}

Indexed index_rgb(const std::vector<uint8_t>& frames, std::size_t pixels, int W) {
  Indexed out;
  out.indices.resize(pixels);
  // Exact palette when the video has few colours (games usually do).
  std::unordered_map<uint32_t, GifByteType> colour_index;
  bool exact = true;
  for (std::size_t p = 0; p < pixels && exact; ++p) {
    const uint8_t* rgb = &frames[3 * p];
    const uint32_t key = (uint32_t(rgb[0]) << 16) | (uint32_t(rgb[1]) << 8) | uint32_t(rgb[2]);
    auto it = colour_index.find(key);
    if (it == colour_index.end()) {
      if (colour_index.size() == kPaletteSize) {
        exact = false;
        break;
      }
      const auto index = static_cast<GifByteType>(colour_index.size());
      out.palette[index] = GifColorType{rgb[0], rgb[1], rgb[2]};
      it = colour_index.emplace(key, index).first;
    }
    out.indices[p] = it->second;
  }
  if (exact) return out;

  // Otherwise one median-cut palette for all frames (treated as one tall image).
  std::vector<GifByteType> red(pixels), green(pixels), blue(pixels);
  for (std::size_t p = 0; p < pixels; ++p) {
    red[p] = frames[3 * p];
    green[p] = frames[3 * p + 1];
    blue[p] = frames[3 * p + 2];
  }
  out.palette.assign(kPaletteSize, GifColorType{0, 0, 0});
  int palette_size = kPaletteSize;
  const auto rows = static_cast<unsigned>(pixels / std::size_t(W));
  if (GifQuantizeBuffer(static_cast<unsigned>(W), rows, &palette_size, red.data(), green.data(),
                        blue.data(), out.indices.data(), out.palette.data()) != GIF_OK)
    throw Error("gif: colour quantisation failed (out of memory?)");
  return out;
}

int write_to_vector(GifFileType* gif, const GifByteType* data, int size) {
  auto* out = static_cast<std::vector<uint8_t>*>(gif->UserData);
  out->insert(out->end(), data, data + size);
  return size;
}

/// Closes (and frees) a giflib encoder on every path out of encode_gif.
struct GifCloser {
  GifFileType* gif;
  ~GifCloser() {
    if (gif) EGifCloseFile(gif, nullptr);
  }
  void close() {
    int error = 0;
    GifFileType* g = gif;
    gif = nullptr;
    if (EGifCloseFile(g, &error) != GIF_OK)
      throw Error(std::string("gif: encoding failed: ") + GifErrorString(error));
  }
};

void check(GifFileType* gif, int status, const char* what) {
  if (status != GIF_OK)
    throw Error(std::string("gif: ") + what + " failed: " + GifErrorString(gif->Error));
}

}  // namespace

std::vector<uint8_t> encode_gif(const std::vector<uint8_t>& frames, int T, int H, int W, int C,
                                int fps) {
  check_video_shape(frames, T, H, W, C, fps);
  const std::size_t frame_pixels = std::size_t(H) * std::size_t(W);
  const Indexed indexed = C == 1 ? index_gray(frames) : index_rgb(frames, frame_pixels * T, W);

  std::vector<uint8_t> bytes;
  int error = 0;
  GifFileType* gif = EGifOpen(&bytes, write_to_vector, &error);
  if (!gif) throw Error(std::string("gif: cannot start encoder: ") + GifErrorString(error));
  GifCloser closer{gif};
  EGifSetGifVersion(gif, true);

  ColorMapObject* palette = GifMakeMapObject(kPaletteSize, indexed.palette.data());
  if (!palette) throw Error("gif: out of memory");
  const int screen = EGifPutScreenDesc(gif, W, H, 8, 0, palette);  // copies the palette
  GifFreeMapObject(palette);
  check(gif, screen, "writing the screen descriptor");

  // NETSCAPE2.0 application extension: loop forever.
  static const char kNetscape[] = "NETSCAPE2.0";
  const GifByteType loop_forever[3] = {1, 0, 0};
  check(gif, EGifPutExtensionLeader(gif, APPLICATION_EXT_FUNC_CODE), "writing the loop block");
  check(gif, EGifPutExtensionBlock(gif, 11, kNetscape), "writing the loop block");
  check(gif, EGifPutExtensionBlock(gif, 3, loop_forever), "writing the loop block");
  check(gif, EGifPutExtensionTrailer(gif), "writing the loop block");

  GraphicsControlBlock timing{};
  timing.DisposalMode = DISPOSE_DO_NOT;
  timing.UserInputFlag = false;
  timing.DelayTime = std::clamp(static_cast<int>(std::lround(100.0 / fps)), 2, 65535);
  timing.TransparentColor = NO_TRANSPARENT_COLOR;
  GifByteType timing_bytes[4];
  EGifGCBToExtension(&timing, timing_bytes);

  std::vector<GifPixelType> row(static_cast<std::size_t>(W));
  for (int t = 0; t < T; ++t) {
    check(gif, EGifPutExtension(gif, GRAPHICS_EXT_FUNC_CODE, 4, timing_bytes), "writing a frame delay");
    check(gif, EGifPutImageDesc(gif, 0, 0, W, H, false, nullptr), "writing a frame header");
    for (int y = 0; y < H; ++y) {
      const GifByteType* src = &indexed.indices[std::size_t(t) * frame_pixels + std::size_t(y) * W];
      std::copy(src, src + W, row.begin());
      check(gif, EGifPutLine(gif, row.data(), W), "writing frame pixels");
    }
  }
  closer.close();
  return bytes;
}

void write_gif(const std::string& path, const std::vector<uint8_t>& frames, int T, int H, int W,
               int C, int fps) {
  write_file_atomically(path, encode_gif(frames, T, H, W, C, fps), "gif");
}

}  // namespace dreamer
