// What the model benchmarks train on without an env: a preset's spaces and a random batch of its shapes.
#pragma once

#include <string>
#include <utility>

#include "dreamer/core/config.h"
#include "dreamer/core/spaces.h"
#include "dreamer/replay/batch.h"

namespace dreamer {

/// The observation and action spaces a preset trains on, without building its env (ALE and MuJoCo need not be
/// installed): Atari 64x64 gray with the full 18 actions, walker's 64x64 RGB and 6 joints, cartpole's 64x64 RGB
/// and 1 force. Throws dreamer::Error for another preset.
std::pair<ObsSpace, ActSpace> preset_spaces(const std::string& preset);

/// A batch [cfg.dataset.batch, cfg.dataset.length] of random observations, actions, rewards and terminals.
Batch synthetic_batch(const Config& cfg, const ObsSpace& obs, const ActSpace& act);

}  // namespace dreamer
