// TensorBoard event files (events.out.tfevents.*): scalars and GIF videos, without TensorFlow.
#pragma once

#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

namespace dreamer {

/// Writes one TensorBoard events file: TFRecord records (length, masked CRC32C of the length,
/// a serialized Event, masked CRC32C of it), the first an Event with file_version
/// "brain.Event:2". Records are buffered until flush() (or destruction).
class TensorBoardWriter {
 public:
  /// Creates `logdir` if needed and a new `<logdir>/events.out.tfevents.<unix seconds>.<hostname>`
  /// (with a ".1", ".2", ... suffix if that name is taken). Throws dreamer::Error on failure.
  explicit TensorBoardWriter(const std::string& logdir);
  /// Continues `<logdir>/<file>` cut back to its first `bytes` bytes (what a checkpoint recorded),
  /// so that records written after that point are gone; a new file as above when that file is
  /// missing or shorter.
  TensorBoardWriter(const std::string& logdir, const std::string& file, int64_t bytes);
  ~TensorBoardWriter();
  TensorBoardWriter(const TensorBoardWriter&) = delete;
  TensorBoardWriter& operator=(const TensorBoardWriter&) = delete;

  /// A scalar (stored as float, as TensorBoard's simple_value) at `step`.
  void scalar(const std::string& tag, double value, int64_t step);
  /// A video of `T` frames [T, H, W, C] uint8 (C = 1 gray or 3 RGB), stored as an animated GIF
  /// image: TensorBoard's Images tab plays it. Throws dreamer::Error on bad shapes.
  void video(const std::string& tag, const std::vector<uint8_t>& frames, int T, int H, int W, int C,
             int64_t step, int fps = 10);
  /// An already encoded image (PNG, JPEG or GIF bytes) of `H` x `W` pixels; `colorspace` is
  /// 1 gray, 2 gray + alpha, 3 RGB or 4 RGBA.
  void encoded_image(const std::string& tag, const std::vector<uint8_t>& encoded, int H, int W,
                     int colorspace, int64_t step);
  /// Hands the buffered records to the OS. Throws dreamer::Error if writing failed.
  void flush();
  /// The events file's path.
  const std::string& path() const { return path_; }
  /// The file's size: the bytes handed to the OS so far (call after flush()).
  int64_t bytes() const;

 private:
  void create(const std::string& logdir);
  void write_record(const std::string& payload);

  std::string path_;
  std::ofstream out_;
};

}  // namespace dreamer
