// Wall-clock milliseconds per named phase of a computation (the update benchmark's split).
#pragma once

#include <chrono>
#include <map>
#include <string>

namespace dreamer {

/// Adds the time since the previous lap (or construction / restart) to a named phase. CPU ops
/// are synchronous, so laps between them time the ops; on CUDA a caller must synchronise first.
class PhaseClock {
 public:
  PhaseClock() { restart(); }
  void restart() { last_ = std::chrono::steady_clock::now(); }
  void lap(const std::string& phase) {
    const auto now = std::chrono::steady_clock::now();
    ms_[phase] += std::chrono::duration<double, std::milli>(now - last_).count();
    last_ = now;
  }
  const std::map<std::string, double>& ms() const { return ms_; }

 private:
  std::chrono::steady_clock::time_point last_;
  std::map<std::string, double> ms_;
};

/// lap() when a clock is given; the training loop passes none.
inline void lap(PhaseClock* clock, const char* phase) {
  if (clock) clock->lap(phase);
}

}  // namespace dreamer
