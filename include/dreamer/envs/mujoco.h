// Continuous control from pixels with MuJoCo: tasks in the style of the DeepMind Control Suite, rendered
// offscreen on the CPU (Mesa's software OpenGL through EGL).
//
// Each task is our own MJCF model with a dense reward in [0, 1] per step; an episode is 1000 control steps and
// ends as a time-limit cut (is_last, not is_terminal). Actions are n values in [-1, 1], scaled to the
// actuators' control ranges. Observations are [height, width, 3] RGB from the task's camera.
//
// Built only when CMake finds MuJoCo and EGL (DREAMER_WITH_MUJOCO); mujoco_available() tells at run time.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "dreamer/envs/env.h"

namespace dreamer {

/// How a MuJoCo task renders.
struct MujocoOptions {
  int height = 64;
  int width = 64;
};

/// Whether this build has the MuJoCo backend.
bool mujoco_available();

/// The task names after "mujoco_": cartpole_swingup, pendulum_swingup, ...
std::vector<std::string> mujoco_tasks();

/// The task `name` (without "mujoco_"). Its generator (initial states) is seeded from `seed`. Throws dreamer::Error
/// for an unknown task, in builds without MuJoCo, or when offscreen rendering cannot start.
EnvPtr make_mujoco(const std::string& name, const MujocoOptions& opts, uint64_t seed);

}  // namespace dreamer
