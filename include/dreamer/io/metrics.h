// Metrics output: one JSON object per line in metrics.jsonl (always with "step"), averaged scalars.
#pragma once

#include <cstdint>
#include <fstream>
#include <map>
#include <string>

namespace dreamer {

/// Accumulates scalars between log events and writes their means as one JSONL record.
class MetricsLog {
 public:
  /// Appends to `<logdir>/metrics.jsonl` (created when missing).
  explicit MetricsLog(const std::string& logdir);

  /// Adds one value of `name` to the current means.
  void add(const std::string& name, double value);
  void add(const std::map<std::string, double>& values);
  /// Writes {"step": step, name: value ...} at once, without averaging.
  void write(int64_t step, const std::map<std::string, double>& values);
  /// Writes the means accumulated since the last flush (if any) and clears them. Returns them.
  std::map<std::string, double> flush(int64_t step);

 private:
  std::ofstream out_;
  std::string path_;
  std::map<std::string, std::pair<double, int64_t>> sums_;
};

}  // namespace dreamer
