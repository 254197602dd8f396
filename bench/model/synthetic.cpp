// What the model benchmarks train on without an env: a preset's spaces and a random batch of its shapes.
#include "model/synthetic.h"

#include <torch/torch.h>

#include "dreamer/core/error.h"

namespace dreamer {

std::pair<ObsSpace, ActSpace> preset_spaces(const std::string& preset) {
  if (preset == "debug") return {{10, 10, 1, 1}, {true, 3}};
  if (preset == "minatar") return {{10, 10, 4, 1}, {true, 6}};  // minatar_breakout
  if (preset == "atari") return {{64, 64, 1, 255}, {true, 18}};
  if (preset == "mujoco_vision") return {{64, 64, 3, 255}, {false, 6}};
  if (preset == "mujoco") return {{64, 64, 3, 255}, {false, 1}};  // mujoco_cartpole_swingup
  throw Error("bench: preset '" + preset + "' is not one of: debug, minatar, atari, mujoco_vision, mujoco");
}

Batch synthetic_batch(const Config& cfg, const ObsSpace& obs, const ActSpace& act) {
  const int64_t B = cfg.dataset.batch, T = cfg.dataset.length;
  Batch b;
  b.image = torch::randint(0, obs.high + 1, {B, T, obs.height, obs.width, obs.channels}, torch::kUInt8);
  b.action = act.discrete ? torch::one_hot(torch::randint(0, act.n, {B, T}), act.n).to(torch::kFloat32)
                          : torch::rand({B, T, int64_t(act.n)}) * 2 - 1;
  b.reward = torch::randn({B, T});
  b.is_first = torch::zeros({B, T}, torch::kBool);
  b.is_first.select(1, 0).fill_(true);
  b.is_terminal = torch::rand({B, T}) < 0.01;
  return b;
}

}  // namespace dreamer
