// Metrics output: one JSON object per line in metrics.jsonl (always with "step"), averaged scalars.
#pragma once

#include <cstdint>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace dreamer {

class TensorBoardWriter;

/// Where a run's logs stood: metrics.jsonl's size and the events file's name (in the logdir) and
/// size. A checkpoint records it, so that a resumed run cuts away what was logged after it.
struct LogPosition {
  int64_t metrics_bytes = -1;  // -1: unknown
  std::string events_file;     // "" : unknown
  int64_t events_bytes = -1;
};

/// Accumulates scalars between log events and writes their means as one JSONL record, and
/// (unless disabled) the same scalars to a TensorBoard events file in the same directory.
class MetricsLog {
 public:
  /// Appends to `<logdir>/metrics.jsonl` (created when missing). With `tensorboard`, also
  /// starts a new `<logdir>/events.out.tfevents.*` file that receives every scalar written.
  /// With a known `resume` position, both files are first cut back to it (what was logged after
  /// the checkpoint that recorded it is dropped) and the events file is continued. Otherwise a
  /// torn last line of metrics.jsonl (a crash mid-write) is dropped before appending.
  explicit MetricsLog(const std::string& logdir, bool tensorboard = true, const LogPosition& resume = {});
  ~MetricsLog();
  MetricsLog(MetricsLog&&) noexcept;
  MetricsLog& operator=(MetricsLog&&) noexcept;

  /// Adds one value of `name` to the current means.
  void add(const std::string& name, double value);
  void add(const std::map<std::string, double>& values);
  /// Writes {"step": step, "time": unix seconds, name: value ...} at once, without averaging.
  void write(int64_t step, const std::map<std::string, double>& values);
  /// Writes the means accumulated since the last flush (if any) and clears them. Returns them.
  std::map<std::string, double> flush(int64_t step);
  /// Writes a video [T, H, W, C] uint8 (C = 1 or 3) as `<logdir>/videos/<tag>_<step>.gif`
  /// (characters other than letters, digits, '-', '_' and '.' in `tag` become '_') and, with
  /// TensorBoard on, as an image event tagged `tag`. Returns the GIF's path.
  std::string video(const std::string& tag, const std::vector<uint8_t>& frames, int T, int H, int W,
                    int C, int64_t step, int fps = 10);
  /// Flushes both files and returns where they stand.
  LogPosition position();
  /// The TensorBoard writer, or nullptr when disabled.
  TensorBoardWriter* tensorboard() { return tensorboard_.get(); }

 private:
  std::string logdir_;
  std::ofstream out_;
  std::string path_;
  std::map<std::string, std::pair<double, int64_t>> sums_;
  std::unique_ptr<TensorBoardWriter> tensorboard_;
};

}  // namespace dreamer
