// Metrics output: one JSON object per line in metrics.jsonl (always with "step"), averaged scalars.
#include "dreamer/io/metrics.h"

#include <nlohmann/json.hpp>

#include <cctype>
#include <chrono>
#include <cmath>
#include <filesystem>
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

}  // namespace

MetricsLog::MetricsLog(const std::string& logdir, bool tensorboard)
    : logdir_(logdir), path_(logdir + "/metrics.jsonl") {
  out_.open(path_, std::ios::app);
  if (!out_) throw Error("metrics: cannot open '" + path_ + "' for appending");
  if (tensorboard) tensorboard_ = std::make_unique<TensorBoardWriter>(logdir);
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
