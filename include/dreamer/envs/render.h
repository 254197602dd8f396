// Observations as RGB images: boolean boards in colour, gray or RGB pixels as they are.
#pragma once

#include <cstdint>

#include "dreamer/envs/env.h"

namespace dreamer {

/// Renders one observation laid out [height][width][channels] as RGB. Boards (space.high == 1):
/// each set cell `board_scale` px square in its channel's colour (the highest channel wins), as
/// the envs' render(); pixels: gray replicated to RGB, RGB as is (C = 1 or 3; other C throw).
Image render_observation(const uint8_t* obs, const ObsSpace& space, int board_scale = 16);

}  // namespace dreamer
