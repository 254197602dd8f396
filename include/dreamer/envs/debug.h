// Tiny debug tasks on a 10x10xC uint8 board (high = 1, the MinAtar layout) that a small agent solves in a minute.
//
// debug_catch: a ball (channel 0) falls from row 0, in a uniformly drawn column, one row per step; the paddle
//   (channel 1) on row 9 starts in column 4. Actions: 0 stay, 1 left, 2 right. After 9 steps the ball reaches row 9:
//   reward +1 if the paddle is under it, else -1 (as bsuite's Catch); the episode ends (terminal). Optimal return 1,
//   random -0.8.
// debug_goal: the agent (channel 0) starts in a uniform cell, the goal (channel 1) in a uniform cell at Manhattan
//   distance 1..6. Actions as MinAtar's first five: 0 no-op, 1 left, 2 up, 3 right, 4 down. Reaching the goal gives
//   reward 1 and ends the episode (terminal); after 10 steps without reaching it the episode is cut (is_last, not
//   terminal). Optimal return 1 in `distance` steps; random policy see docs/envs.md.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "dreamer/envs/env.h"

namespace dreamer {

/// The debug task names, without the "debug_" prefix: catch, goal.
const std::vector<std::string>& debug_tasks();

/// Builds a debug task by name (without prefix); its generator is seeded with `seed`. Throws dreamer::Error for an
/// unknown name, listing the valid ones.
EnvPtr make_debug(const std::string& name, uint64_t seed);

}  // namespace dreamer
