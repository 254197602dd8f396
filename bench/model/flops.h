// Model FLOPs of one DreamerV2 update, counted from the layer shapes of a config.
#pragma once

#include "dreamer/core/config.h"
#include "dreamer/core/spaces.h"

namespace dreamer {

/// Multiply-adds count as 2 FLOPs; elementwise ops, norms and the optimizer are not counted.
struct UpdateFlops {
  double world_model = 0;   // encoder, RSSM filter, decoder and heads over B x T: forward + backward
  double actor_critic = 0;  // imagination from B x T starts, heads on it, actor and critic losses: forward + backward
  double total() const { return world_model + actor_critic; }
};

/// FLOPs of one update (Agent::train on a batch of dataset.batch x dataset.length) with `cfg`.
UpdateFlops update_flops(const Config& cfg, const ObsSpace& obs, const ActSpace& act);

}  // namespace dreamer
