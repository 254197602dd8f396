// The MuJoCo tasks defined across files: the humanoid's factory and the joint randomisation the tasks share.
#pragma once

#include <memory>

#include "envs/mujoco/mujoco_env.h"

namespace dreamer {
namespace mujoco {

/// Every limited joint uniform in its range, every unlimited hinge at a uniform angle, every free joint at a
/// uniformly random orientation (its position kept): DMC's randomisation of a new episode.
void randomize_joints(const mjModel* m, mjData* d, UniformSource& rng);

/// Debian's humanoid (libmujoco-samples) standing still (move_speed 0) or moving at move_speed m/s.
std::unique_ptr<Task> humanoid_task(double move_speed);

}  // namespace mujoco
}  // namespace dreamer
