// MujocoEnv: a MuJoCo model stepped with scaled actions and rendered offscreen; the Task interface it runs.
#pragma once

#include <mujoco/mujoco.h>

#include <memory>
#include <string>

#include "dreamer/envs/env.h"
#include "dreamer/envs/random.h"
#include "envs/mujoco/egl_context.h"

namespace dreamer {
namespace mujoco {

/// One control task: a model, its initial-state distribution and its reward, as the DeepMind Control Suite
/// defines tasks.
class Task {
 public:
  virtual ~Task() = default;
  /// The MJCF text of the model.
  virtual std::string xml() const = 0;
  /// mj_step calls per control step (the control step over the physics timestep).
  virtual int substeps() const { return 1; }
  /// Sets qpos / qvel of a new episode in `d` (already reset to the model's defaults).
  virtual void initialize_episode(const mjModel* m, mjData* d, UniformSource& rng) const = 0;
  /// The reward in [0, 1] of the state in `d` (after mj_forward), `d->ctrl` holding the control applied.
  virtual double reward(const mjModel* m, const mjData* d) const = 0;
  /// The model camera the observations come from.
  virtual std::string camera() const = 0;
};

/// A standard normal draw from two uniforms (Box-Muller).
double normal(UniformSource& rng);

/// Runs a Task: observations [height, width, 3] from its camera, actions in [-1, 1]^nu scaled to the actuators'
/// control ranges (entries outside [-1, 1] are clipped; NaN or infinite entries throw dreamer::Error), episodes of
/// kEpisodeSteps control steps ending as a cut. A step on which MuJoCo reports an unstable simulation (bad
/// accelerations) also ends the episode as a cut and is counted in instabilities().
class MujocoEnv final : public Env {
 public:
  static constexpr int kEpisodeSteps = 1000;

  MujocoEnv(const std::string& name, std::unique_ptr<Task> task, int height, int width, uint64_t seed);
  ~MujocoEnv() override;
  const ObsSpace& obs_space() const override { return obs_space_; }
  const ActSpace& act_space() const override { return act_space_; }
  TimeStep reset(uint8_t* obs) override;
  TimeStep step(const Action& action, uint8_t* obs) override;
  bool step_unobserved(const Action& action, TimeStep& out) override;
  void observe(uint8_t* obs) const override;
  Image render() const override;

  const mjModel* model() const { return model_; }
  mjData* data() { return data_; }
  const Task& task() const { return *task_; }
  /// Episodes ended early because the simulation went unstable.
  int instabilities() const { return instabilities_; }

 private:
  std::string name_;
  std::unique_ptr<Task> task_;
  Xoshiro256 rng_;
  mjModel* model_ = nullptr;
  mjData* data_ = nullptr;
  ObsSpace obs_space_;
  ActSpace act_space_;
  int steps_ = 0;
  int instabilities_ = 0;
  // Rendering: one GL context per env, bound only while rendering (an env may be stepped by any thread).
  std::unique_ptr<EglContext> gl_;
  struct Renderer;
  std::unique_ptr<Renderer> renderer_;
};

}  // namespace mujoco
}  // namespace dreamer
