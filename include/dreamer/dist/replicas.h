// An agent replicated over the learners of a data-parallel run: rank 0's state everywhere, gradients averaged.
#pragma once

#include <torch/torch.h>

#include <vector>

#include "dreamer/dist/learner_group.h"
#include "dreamer/model/agent.h"

namespace dreamer {

/// Copies rank 0's parameters and buffers into every rank's `agent` and makes its world model's, actor's and
/// critic's optimizers average their gradients over `group` before clipping (DDP's semantics). Returns the
/// agent's floating-point buffers: running statistics of each rank's batches (return range, reward scale),
/// which the caller averages after every update (group.average) so that the replicas stay identical.
/// A collective: every rank calls it. `group` must outlive the agent's optimizers' use.
std::vector<torch::Tensor> replicate(Agent& agent, LearnerGroup& group);

}  // namespace dreamer
