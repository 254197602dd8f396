// Metrics output: one JSON object per line in metrics.jsonl (always with "step"), averaged scalars.
#include "dreamer/io/metrics.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <system_error>

#include "dreamer/core/error.h"
#include "dreamer/io/gif.h"
#include "dreamer/io/tensorboard.h"
#include "io/atomic_file.h"

namespace dreamer {
namespace {

std::string file_name_safe(const std::string& tag) {
  std::string name = tag.empty() ? std::string("video") : tag;
  for (char& c : name) {
    const auto u = static_cast<unsigned char>(c);
    if (!std::isalnum(u) && c != '-' && c != '_' && c != '.') c = '_';
  }
  return name;
}

// Wall-clock time as TensorBoard's `wall_time`: seconds since the Unix epoch.
double unix_seconds() {
  using namespace std::chrono;
  return duration<double>(system_clock::now().time_since_epoch()).count();
}

// Cuts `path` back to `bytes` when it is longer (what came later is dropped), or to its last
// newline when it is not and its last line is torn.
void cut_jsonl(const std::string& path, int64_t bytes) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const auto size = int64_t(fs::file_size(path, ec));
  if (ec || size == 0) return;
  int64_t keep = size;
  if (bytes >= 0 && bytes <= size) {
    keep = bytes;
  } else {
    // Back from the end to the last newline: what follows it is a torn line.
    std::ifstream in(path, std::ios::binary);
    char block[4096];
    int64_t end = size;
    keep = 0;
    while (end > 0) {
      const int64_t begin = std::max<int64_t>(0, end - int64_t(sizeof(block)));
      in.seekg(begin);
      if (!in.read(block, end - begin)) throw Error("metrics: cannot read '" + path + "'");
      int64_t i = end - begin;
      while (i > 0 && block[i - 1] != '\n') --i;
      if (i > 0) {
        keep = begin + i;
        break;
      }
      end = begin;
    }
  }
  if (keep == size) return;
  fs::resize_file(path, uint64_t(keep), ec);
  if (ec) throw Error("metrics: cannot cut '" + path + "' back to " + std::to_string(keep) + " bytes: " + ec.message());
}

}  // namespace

MetricsLog::MetricsLog(const std::string& logdir, bool tensorboard, const LogPosition& resume)
    : logdir_(logdir), path_(logdir + "/metrics.jsonl") {
  cut_jsonl(path_, resume.metrics_bytes);
  out_.open(path_, std::ios::app);
  if (!out_) throw Error("metrics: cannot open '" + path_ + "' for appending");
  if (tensorboard) tensorboard_ = std::make_unique<TensorBoardWriter>(logdir, resume.events_file, resume.events_bytes);
}

LogPosition MetricsLog::position() {
  out_.flush();
  if (!out_) throw Error("metrics: cannot write '" + path_ + "'");
  std::error_code ec;
  LogPosition p;
  p.metrics_bytes = int64_t(std::filesystem::file_size(path_, ec));
  if (ec) throw Error("metrics: cannot stat '" + path_ + "': " + ec.message());
  if (tensorboard_) {
    tensorboard_->flush();
    p.events_file = std::filesystem::path(tensorboard_->path()).filename().string();
    p.events_bytes = tensorboard_->bytes();
  }
  return p;
}

MetricsLog::~MetricsLog() = default;
MetricsLog::MetricsLog(MetricsLog&&) noexcept = default;
MetricsLog& MetricsLog::operator=(MetricsLog&&) noexcept = default;

void MetricsLog::add(const std::string& name, double value) {
  auto& [sum, count] = sums_[name];
  sum += value;
  ++count;
}

void MetricsLog::add(const std::map<std::string, double>& values) {
  for (const auto& [k, v] : values) add(k, v);
}

void MetricsLog::write(int64_t step, const std::map<std::string, double>& values) {
  nlohmann::json record;
  record["step"] = step;
  record["time"] = unix_seconds();
  for (const auto& [k, v] : values) record[k] = std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr);
  out_ << record.dump() << "\n";
  out_.flush();
  if (!out_) throw Error("metrics: cannot write '" + path_ + "': " + write_error_text(errno));
  if (tensorboard_) {
    for (const auto& [k, v] : values) tensorboard_->scalar(k, v, step);
    tensorboard_->flush();
  }
}

std::map<std::string, double> MetricsLog::flush(int64_t step) {
  std::map<std::string, double> means;
  for (const auto& [k, sc] : sums_) means[k] = sc.first / double(sc.second);
  sums_.clear();
  if (!means.empty()) write(step, means);
  return means;
}

std::string MetricsLog::video(const std::string& tag, const std::vector<uint8_t>& frames, int T, int H,
                              int W, int C, int64_t step, int fps) {
  const std::vector<uint8_t> gif = encode_gif(frames, T, H, W, C, fps);
  const std::string dir = logdir_ + "/videos";
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw Error("metrics: cannot create directory '" + dir + "': " + ec.message());
  const std::string path = dir + "/" + file_name_safe(tag) + "_" + std::to_string(step) + ".gif";
  write_file_atomically(path, gif, "metrics");
  if (tensorboard_) {
    tensorboard_->encoded_image(tag, gif, H, W, C, step);
    tensorboard_->flush();
  }
  return path;
}

}  // namespace dreamer
