// An offscreen OpenGL context on Mesa's software renderer through EGL surfaceless: no display, no GPU.
#pragma once

namespace dreamer {
namespace mujoco {

/// One OpenGL (compatibility profile) context with no surface: MuJoCo renders into its own framebuffer
/// object. A context is current on at most one thread at a time; Binding makes it current on the calling
/// thread for a scope. Construction throws dreamer::Error naming the EGL step that failed (e.g. when Mesa's
/// software driver, libgl1-mesa-dri, is missing).
class EglContext {
 public:
  EglContext();
  ~EglContext();
  EglContext(const EglContext&) = delete;
  EglContext& operator=(const EglContext&) = delete;

  /// Makes the context current on this thread until destroyed (then releases it).
  class Binding {
   public:
    explicit Binding(const EglContext& context);
    ~Binding();
    Binding(const Binding&) = delete;
    Binding& operator=(const Binding&) = delete;

   private:
    const EglContext& context_;
  };

 private:
  void* display_ = nullptr;
  void* context_ = nullptr;
};

}  // namespace mujoco
}  // namespace dreamer
