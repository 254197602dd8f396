// Process-wide runtime settings: seeding, intra-op threads, and the compute device.
#include "dreamer/core/runtime.h"

#include <ATen/autocast_mode.h>
#include <torch/torch.h>

#include <dlfcn.h>

#include <atomic>
#include <thread>

#include "dreamer/core/error.h"

namespace dreamer {

void seed_everything(uint64_t seed) { torch::manual_seed(seed); }

int set_threads(int threads) {
  if (threads <= 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  at::set_num_threads(threads);
  at::globalContext().setFlushDenormal(true);
  return at::get_num_threads();
}

std::string allocator_name() {
  // tcmalloc exports tc_version(); looked up at run time so that the library itself does not
  // depend on which malloc the embedding program chose.
  return dlsym(RTLD_DEFAULT, "tc_version") != nullptr ? "tcmalloc" : "system";
}

namespace {
std::atomic<Kernels> g_kernels{Kernels::fast};
}  // namespace

void set_kernels(Kernels k) { g_kernels = k; }
Kernels kernels() { return g_kernels; }

Bf16Autocast::Bf16Autocast(bool enabled, bool cuda) : enabled_(enabled), cuda_(cuda) {
  if (!enabled_) return;
  previous_ = cuda_ ? at::autocast::is_enabled() : at::autocast::is_cpu_enabled();
  previous_dtype_ = int(cuda_ ? at::autocast::get_autocast_gpu_dtype() : at::autocast::get_autocast_cpu_dtype());
  if (cuda_) {
    at::autocast::set_enabled(true);
    at::autocast::set_autocast_gpu_dtype(at::kBFloat16);
  } else {
    at::autocast::set_cpu_enabled(true);
    at::autocast::set_autocast_cpu_dtype(at::kBFloat16);
  }
  at::autocast::increment_nesting();
}

Bf16Autocast::~Bf16Autocast() {
  if (!enabled_) return;
  if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
  if (cuda_) {
    at::autocast::set_enabled(previous_);
    at::autocast::set_autocast_gpu_dtype(at::ScalarType(previous_dtype_));
  } else {
    at::autocast::set_cpu_enabled(previous_);
    at::autocast::set_autocast_cpu_dtype(at::ScalarType(previous_dtype_));
  }
}

c10::Device parse_device(const std::string& name) {
  c10::optional<c10::Device> device;
  try {
    device = c10::Device(name);
  } catch (const c10::Error&) {
    throw Error("device '" + name + "' is not a device; use cpu, cuda or cuda:N");
  }
  if (device->is_cuda() && !torch::cuda::is_available())
    throw Error("device '" + name + "' asked for, but this LibTorch build has no CUDA device available");
  if (!device->is_cpu() && !device->is_cuda()) throw Error("device '" + name + "' is not supported; use cpu or cuda");
  return *device;
}

}  // namespace dreamer
