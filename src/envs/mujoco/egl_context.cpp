// EglContext: one process-wide EGL display on the surfaceless Mesa platform, one context per env.
#include "envs/mujoco/egl_context.h"

#include <EGL/egl.h>
#include <EGL/eglext.h>

#include <cstring>
#include <mutex>
#include <string>

#include "dreamer/core/error.h"

namespace dreamer {
namespace mujoco {

namespace {

Error egl_error(const std::string& step) {
  char code[16];
  std::snprintf(code, sizeof code, "0x%04x", unsigned(eglGetError()));
  return Error("offscreen rendering: " + step + " failed (EGL error " + code +
               "); MuJoCo tasks render with Mesa's software OpenGL through EGL: install libegl-mesa0 and "
               "libgl1-mesa-dri (scripts/install-deps.sh does)");
}

// The surfaceless display, initialised once per process.
EGLDisplay surfaceless_display() {
  static std::once_flag once;
  static EGLDisplay display = EGL_NO_DISPLAY;
  static std::string failure;
  std::call_once(once, [] {
    const char* extensions = eglQueryString(EGL_NO_DISPLAY, EGL_EXTENSIONS);
    if (!extensions || !std::strstr(extensions, "EGL_MESA_platform_surfaceless")) {
      failure = "the EGL client has no EGL_MESA_platform_surfaceless";
      return;
    }
    auto get_display = reinterpret_cast<PFNEGLGETPLATFORMDISPLAYEXTPROC>(eglGetProcAddress("eglGetPlatformDisplayEXT"));
    if (!get_display) {
      failure = "eglGetPlatformDisplayEXT is missing";
      return;
    }
    EGLDisplay d = get_display(EGL_PLATFORM_SURFACELESS_MESA, EGL_DEFAULT_DISPLAY, nullptr);
    EGLint major = 0, minor = 0;
    if (d == EGL_NO_DISPLAY || !eglInitialize(d, &major, &minor)) {
      failure = "eglInitialize of the surfaceless display";
      return;
    }
    display = d;
  });
  if (display == EGL_NO_DISPLAY) throw egl_error(failure);
  return display;
}

}  // namespace

EglContext::EglContext() {
  EGLDisplay display = surfaceless_display();
  if (!eglBindAPI(EGL_OPENGL_API)) throw egl_error("eglBindAPI(EGL_OPENGL_API)");
  const EGLint attributes[] = {EGL_RENDERABLE_TYPE, EGL_OPENGL_BIT, EGL_SURFACE_TYPE, EGL_PBUFFER_BIT,
                               EGL_RED_SIZE, 8, EGL_GREEN_SIZE, 8, EGL_BLUE_SIZE, 8, EGL_NONE};
  EGLConfig config;
  EGLint count = 0;
  if (!eglChooseConfig(display, attributes, &config, 1, &count) || count < 1) throw egl_error("eglChooseConfig");
  // No attributes: a compatibility-profile context, as MuJoCo 2.2's fixed-function renderer needs.
  EGLContext context = eglCreateContext(display, config, EGL_NO_CONTEXT, nullptr);
  if (context == EGL_NO_CONTEXT) throw egl_error("eglCreateContext");
  display_ = display;
  context_ = context;
}

EglContext::~EglContext() {
  if (context_) eglDestroyContext(static_cast<EGLDisplay>(display_), static_cast<EGLContext>(context_));
}

EglContext::Binding::Binding(const EglContext& context) : context_(context) {
  eglBindAPI(EGL_OPENGL_API);  // per-thread state
  if (!eglMakeCurrent(static_cast<EGLDisplay>(context.display_), EGL_NO_SURFACE, EGL_NO_SURFACE,
                      static_cast<EGLContext>(context.context_)))
    throw egl_error("eglMakeCurrent (is the env used by two threads at once?)");
}

EglContext::Binding::~Binding() {
  eglMakeCurrent(static_cast<EGLDisplay>(context_.display_), EGL_NO_SURFACE, EGL_NO_SURFACE, EGL_NO_CONTEXT);
}

}  // namespace mujoco
}  // namespace dreamer
