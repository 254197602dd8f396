// The world model's open-loop prediction video (the official report's `openl`): truth, model, error.
#pragma once

#include <cstdint>
#include <vector>

#include "dreamer/core/spaces.h"
#include "dreamer/model/world_model.h"

namespace dreamer {

/// A video as uint8 frames [T, H, W, 3].
struct Video {
  int64_t frames = 0, height = 0, width = 0;
  std::vector<uint8_t> rgb;
};

/// Observes the first `context` steps of each of the batch's B sequences [B, T, ...], imagines the
/// rest under its actions, and lays the result out as one video of T frames: per sequence a column
/// of truth (top), model (middle) and error (bottom), sequences side by side. The model's frames
/// are its decoder's mode, rounded (boards: a cell is set where its probability exceeds 0.5). The
/// error shows boards' differing cells in their channel's colour, pixels as (model - truth + 255) / 2.
Video openl_video(WorldModelImpl& wm, const Batch& batch, int64_t context, const ObsSpace& space);

}  // namespace dreamer
