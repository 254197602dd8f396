// MuJoCo throughput: control steps of physics per second and rendered 64x64 frames per second, per task.
#pragma once

#include <string>
#include <vector>

namespace dreamer {

struct MujocoBenchResult {
  std::string task;
  double physics_steps_per_second = 0;  // control steps (all their mj_step calls and one mj_forward) per second
  double frames_per_second = 0;         // 64x64 RGB observations rendered and read back per second
  long steps = 0;                       // control steps measured (each followed by one rendered frame)
};

/// For every MuJoCo task: about `seconds` of random actions, each control step followed by a render of its
/// state; the two are timed apart. One core (the caller's thread; Mesa renders on it too). Empty without MuJoCo.
std::vector<MujocoBenchResult> bench_mujoco(double seconds);

}  // namespace dreamer
