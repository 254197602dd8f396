// Helpers for the dreamer_io tests: scratch directories, a TFRecord reader, an in-memory GIF decoder.
#pragma once

#include <gif_lib.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "dreamer/io/crc32c.h"
#include "tensorboard_event.pb.h"

namespace dreamer::io_testing {

/// A fresh directory under the system temp dir, removed with everything in it at scope exit.
class ScratchDir {
 public:
  ScratchDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "dreamer_io_test_XXXXXX").string();
    if (!mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~ScratchDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

inline std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

inline uint64_t get_le(const std::string& bytes, std::size_t at, int count) {
  uint64_t value = 0;
  for (int i = 0; i < count; ++i) value |= uint64_t(static_cast<unsigned char>(bytes[at + i])) << (8 * i);
  return value;
}

/// The payloads of a TFRecord file; every length and payload CRC is checked (gtest failures).
inline std::vector<std::string> read_tfrecords(const std::string& path) {
  const std::string bytes = read_bytes(path);
  std::vector<std::string> records;
  std::size_t at = 0;
  while (at < bytes.size()) {
    if (bytes.size() - at < 12) {
      ADD_FAILURE() << "truncated record header at byte " << at;
      break;
    }
    const uint64_t length = get_le(bytes, at, 8);
    const auto length_crc = static_cast<uint32_t>(get_le(bytes, at + 8, 4));
    EXPECT_EQ(length_crc, mask_crc32c(crc32c(bytes.data() + at, 8))) << "length CRC at byte " << at;
    if (bytes.size() - at - 12 < length + 4) {
      ADD_FAILURE() << "truncated record at byte " << at;
      break;
    }
    std::string payload = bytes.substr(at + 12, length);
    const auto payload_crc = static_cast<uint32_t>(get_le(bytes, at + 12 + length, 4));
    EXPECT_EQ(payload_crc, mask_crc32c(crc32c(payload))) << "payload CRC at byte " << at;
    records.push_back(std::move(payload));
    at += 12 + length + 4;
  }
  return records;
}

/// The Events of an events file, parsed with the generated classes.
inline std::vector<tensorboard::Event> read_events(const std::string& path) {
  std::vector<tensorboard::Event> events;
  for (const std::string& record : read_tfrecords(path)) {
    tensorboard::Event event;
    EXPECT_TRUE(event.ParseFromString(record));
    events.push_back(event);
  }
  return events;
}

/// The paths of `dir`'s events.out.tfevents.* files.
inline std::vector<std::string> event_files(const std::string& dir) {
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir))
    if (entry.path().filename().string().rfind("events.out.tfevents.", 0) == 0) files.push_back(entry.path().string());
  return files;
}

/// A GIF decoded with giflib's DGifSlurp; frames as RGB [T, H, W, 3] through the palettes.
struct DecodedGif {
  int width = 0, height = 0, frames = 0;
  std::vector<int> delays;  // 1/100 s, per frame
  bool loops = false;       // has a NETSCAPE2.0 block
  std::vector<uint8_t> rgb;
};

inline DecodedGif decode_gif(const std::vector<uint8_t>& bytes) {
  struct Reader {
    const std::vector<uint8_t>* bytes;
    std::size_t at;
  } reader{&bytes, 0};
  auto read = [](GifFileType* gif, GifByteType* out, int size) -> int {
    auto* r = static_cast<Reader*>(gif->UserData);
    const std::size_t n = std::min<std::size_t>(std::size_t(size), r->bytes->size() - r->at);
    std::memcpy(out, r->bytes->data() + r->at, n);
    r->at += n;
    return int(n);
  };
  int error = 0;
  GifFileType* gif = DGifOpen(&reader, read, &error);
  DecodedGif out;
  if (!gif) {
    ADD_FAILURE() << "DGifOpen: " << GifErrorString(error);
    return out;
  }
  if (DGifSlurp(gif) != GIF_OK) {
    ADD_FAILURE() << "DGifSlurp: " << GifErrorString(gif->Error);
    DGifCloseFile(gif, &error);
    return out;
  }
  out.width = gif->SWidth;
  out.height = gif->SHeight;
  out.frames = gif->ImageCount;
  for (int i = 0; i < gif->ImageCount; ++i) {
    const SavedImage& image = gif->SavedImages[i];
    GraphicsControlBlock gcb{};
    DGifSavedExtensionToGCB(gif, i, &gcb);
    out.delays.push_back(gcb.DelayTime);
    for (int e = 0; e < image.ExtensionBlockCount; ++e) {
      const ExtensionBlock& block = image.ExtensionBlocks[e];
      if (block.Function == APPLICATION_EXT_FUNC_CODE && block.ByteCount == 11 &&
          std::memcmp(block.Bytes, "NETSCAPE2.0", 11) == 0)
        out.loops = true;
    }
    const ColorMapObject* map = image.ImageDesc.ColorMap ? image.ImageDesc.ColorMap : gif->SColorMap;
    const int pixels = image.ImageDesc.Width * image.ImageDesc.Height;
    for (int p = 0; p < pixels; ++p) {
      const GifColorType& c = map->Colors[image.RasterBits[p]];
      out.rgb.insert(out.rgb.end(), {c.Red, c.Green, c.Blue});
    }
  }
  DGifCloseFile(gif, &error);
  return out;
}

}  // namespace dreamer::io_testing
