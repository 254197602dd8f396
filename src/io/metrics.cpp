// Metrics output: one JSON object per line in metrics.jsonl (always with "step"), averaged scalars.
#include "dreamer/io/metrics.h"

#include <nlohmann/json.hpp>

#include <cmath>

#include "dreamer/core/error.h"

namespace dreamer {

MetricsLog::MetricsLog(const std::string& logdir) : path_(logdir + "/metrics.jsonl") {
  out_.open(path_, std::ios::app);
  if (!out_) throw Error("metrics: cannot open '" + path_ + "' for appending");
}

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
  for (const auto& [k, v] : values) record[k] = std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr);
  out_ << record.dump() << "\n";
  out_.flush();
}

std::map<std::string, double> MetricsLog::flush(int64_t step) {
  std::map<std::string, double> means;
  for (const auto& [k, sc] : sums_) means[k] = sc.first / double(sc.second);
  sums_.clear();
  if (!means.empty()) write(step, means);
  return means;
}

}  // namespace dreamer
