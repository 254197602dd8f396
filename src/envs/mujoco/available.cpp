// Whether this build has the MuJoCo backend; without it, the task list is empty and make_mujoco says why.
#include "dreamer/envs/mujoco.h"

namespace dreamer {

bool mujoco_available() {
#ifdef DREAMER_WITH_MUJOCO
  return true;
#else
  return false;
#endif
}

#ifndef DREAMER_WITH_MUJOCO
std::vector<std::string> mujoco_tasks() { return {}; }

EnvPtr make_mujoco(const std::string& name, const MujocoOptions&, uint64_t) {
  throw Error("task 'mujoco_" + name + "': this build has no MuJoCo (install libmujoco-dev, libqhull-dev, libegl-dev "
              "and libgl1-mesa-dri, as scripts/install-deps.sh does, and configure again)");
}
#endif

}  // namespace dreamer
