// MujocoEnv: loading a task's model, stepping it with scaled actions, rendering it offscreen at 64x64.
#include "envs/mujoco/mujoco_env.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <mutex>
#include <vector>

namespace dreamer {
namespace mujoco {

namespace {

[[noreturn]] void throw_mujoco_error(const char* message) { throw Error(std::string("MuJoCo: ") + message); }
void ignore_warning(const char*) {}  // warnings are counted in mjData::warning; MuJoCo's default prints and logs

// MuJoCo's default error handler waits for Enter and exits; ours throws. Process-wide, set once.
void install_handlers() {
  static std::once_flag once;
  std::call_once(once, [] {
    mju_user_error = throw_mujoco_error;
    mju_user_warning = ignore_warning;
  });
}

// Loads an MJCF text through MuJoCo's virtual file system.
mjModel* load_model(const std::string& name, const std::string& xml) {
  auto vfs = std::make_unique<mjVFS>();  // ~2 MB: not on the stack
  mj_defaultVFS(vfs.get());
  const std::string file = name + ".xml";
  if (mj_makeEmptyFileVFS(vfs.get(), file.c_str(), int(xml.size())) != 0)
    throw Error("mujoco_" + name + ": cannot place the model in MuJoCo's file system");
  std::memcpy(vfs->filedata[mj_findFileVFS(vfs.get(), file.c_str())], xml.data(), xml.size());
  char error[1000] = "";
  mjModel* model = mj_loadXML(file.c_str(), vfs.get(), error, sizeof error);
  mj_deleteVFS(vfs.get());
  if (!model) throw Error("mujoco_" + name + ": the model does not load: " + error);
  return model;
}

}  // namespace

double normal(UniformSource& rng) {
  const double u1 = std::max(rng.uniform(), 1e-300), u2 = rng.uniform();
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2);
}

struct MujocoEnv::Renderer {
  mjvScene scene;
  mjvCamera camera;
  mjvOption option;
  mjrContext context;
  std::vector<unsigned char> rgb;  // bottom-up rows, as mjr_readPixels gives them
  Renderer() {
    mjv_defaultScene(&scene);
    mjv_defaultCamera(&camera);
    mjv_defaultOption(&option);
    mjr_defaultContext(&context);
  }
};

MujocoEnv::MujocoEnv(const std::string& name, std::unique_ptr<Task> task, int height, int width, uint64_t seed)
    : name_(name), task_(std::move(task)), rng_(seed) {
  if (height < 1 || width < 1 || height > 4096 || width > 4096)
    throw Error("mujoco_" + name + ": image size must be in [1, 4096], got " + std::to_string(height) + "x" +
                std::to_string(width));
  install_handlers();
  model_ = load_model(name, task_->xml());
  data_ = mj_makeData(model_);
  obs_space_ = {height, width, 3, 255};
  act_space_ = {false, model_->nu, -1.0f, 1.0f};
  // Rendering settings go on the model before mjr_makeContext: a 64x64 offscreen buffer without multisampling
  // or a shadow map, and coarser spheres and capsules (the cost of software rendering is geometry, not pixels).
  model_->vis.global.offwidth = width;
  model_->vis.global.offheight = height;
  model_->vis.quality.offsamples = 0;
  model_->vis.quality.shadowsize = 0;
  model_->vis.quality.numslices = 12;
  model_->vis.quality.numstacks = 12;
  // An infinite plane (size 0, as the humanoid's floor) is drawn out to the far clip plane in quads of its third
  // size, ~40,000 for the humanoid: draw it 100 m square in 10 m quads instead (collisions stay infinite; its
  // texture is drawn per pixel, lighting per vertex).
  for (int g = 0; g < model_->ngeom; ++g) {
    mjtNum* size = model_->geom_size + 3 * g;
    if (model_->geom_type[g] == mjGEOM_PLANE && (size[0] <= 0 || size[1] <= 0)) size[0] = size[1] = 50, size[2] = 10;
  }
  const int camera = mj_name2id(model_, mjOBJ_CAMERA, task_->camera().c_str());
  if (camera < 0) throw Error("mujoco_" + name + ": the model has no camera '" + task_->camera() + "'");

  gl_ = std::make_unique<EglContext>();
  renderer_ = std::make_unique<Renderer>();
  Renderer& r = *renderer_;
  r.rgb.resize(size_t(height) * width * 3);
  EglContext::Binding bind(*gl_);  // mjr_makeContext must never run without a current context
  mjv_makeScene(model_, &r.scene, 1000);
  mjr_makeContext(model_, &r.context, mjFONTSCALE_50);
  mjr_setBuffer(mjFB_OFFSCREEN, &r.context);
  if (r.context.currentBuffer != mjFB_OFFSCREEN || r.context.offWidth != width || r.context.offHeight != height)
    throw Error("mujoco_" + name + ": the offscreen buffer could not be set up at " + std::to_string(height) + "x" +
                std::to_string(width));
  for (int flag : {mjRND_SHADOW, mjRND_REFLECTION, mjRND_SKYBOX, mjRND_FOG, mjRND_HAZE}) r.scene.flags[flag] = 0;
  r.camera.type = mjCAMERA_FIXED;
  r.camera.fixedcamid = camera;
}

MujocoEnv::~MujocoEnv() {
  if (renderer_ && gl_) {
    try {
      EglContext::Binding bind(*gl_);
      mjr_freeContext(&renderer_->context);
      mjv_freeScene(&renderer_->scene);
    } catch (const Error&) {
      // The context cannot be bound (it is current elsewhere): leak its GL objects rather than throw.
    }
  }
  if (data_) mj_deleteData(data_);
  if (model_) mj_deleteModel(model_);
}

TimeStep MujocoEnv::reset(uint8_t* obs) {
  mj_resetData(model_, data_);
  task_->initialize_episode(model_, data_, rng_);
  mj_forward(model_, data_);
  steps_ = 0;
  observe(obs);
  TimeStep ts;
  ts.is_first = true;
  return ts;
}

bool MujocoEnv::step_unobserved(const Action& action, TimeStep& out) {
  const int nu = model_->nu;
  if (int(action.values.size()) != nu)
    throw Error("mujoco_" + name_ + ": an action has " + std::to_string(action.values.size()) + " values, expected " +
                std::to_string(nu));
  for (int i = 0; i < nu; ++i) {
    const float a = action.values[size_t(i)];
    if (!std::isfinite(a))
      throw Error("mujoco_" + name_ + ": action value " + std::to_string(i) + " is " + std::to_string(a));
    const double v = std::clamp(double(a), -1.0, 1.0);  // documented: outside [-1, 1] is clipped
    if (model_->actuator_ctrllimited[i]) {
      const double lo = model_->actuator_ctrlrange[2 * i], hi = model_->actuator_ctrlrange[2 * i + 1];
      data_->ctrl[i] = lo + (v + 1.0) * 0.5 * (hi - lo);
    } else {
      data_->ctrl[i] = v;
    }
  }
  const int unstable_before = data_->warning[mjWARN_BADQACC].number;
  for (int s = 0; s < task_->substeps(); ++s) mj_step(model_, data_);
  mj_forward(model_, data_);  // positions after mj_step describe the state before it: the reward and camera need now
  ++steps_;
  // MuJoCo resets the state itself when accelerations blow up; the episode ends there, counted.
  const bool unstable = data_->warning[mjWARN_BADQACC].number > unstable_before;
  instabilities_ += unstable;
  out = TimeStep{};
  out.reward = float(task_->reward(model_, data_));
  out.is_last = steps_ >= kEpisodeSteps || unstable;
  return true;
}

TimeStep MujocoEnv::step(const Action& action, uint8_t* obs) { return step_then_observe(action, obs); }

void MujocoEnv::observe(uint8_t* obs) const {
  Renderer& r = *renderer_;
  EglContext::Binding bind(*gl_);
  const int h = obs_space_.height, w = obs_space_.width;
  const mjrRect viewport{0, 0, w, h};
  mjr_setBuffer(mjFB_OFFSCREEN, &r.context);
  mjv_updateCamera(model_, data_, &r.camera, &r.scene);  // first: the scene's headlight follows this camera
  mjv_updateScene(model_, data_, &r.option, nullptr, &r.camera, mjCAT_ALL, &r.scene);
  mjr_render(viewport, &r.scene, &r.context);
  mjr_readPixels(r.rgb.data(), nullptr, viewport, &r.context);
  const size_t row = size_t(w) * 3;
  for (int y = 0; y < h; ++y) std::memcpy(obs + size_t(y) * row, r.rgb.data() + size_t(h - 1 - y) * row, row);
}

Image MujocoEnv::render() const {
  Image image;
  image.height = obs_space_.height;
  image.width = obs_space_.width;
  image.rgb.resize(size_t(obs_space_.size()));
  observe(image.rgb.data());
  return image;
}

}  // namespace mujoco
}  // namespace dreamer
