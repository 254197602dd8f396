// Process-wide runtime settings: seeding, intra-op threads, and the compute device.
#include "dreamer/core/runtime.h"

#include <ATen/autocast_mode.h>
#include <torch/torch.h>

#include <dlfcn.h>

#include <strings.h>

#include <atomic>
#include <cstdlib>
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

std::string blas_name() {
  // Looked up at run time: the library links whatever BLAS Debian's alternatives point at.
  using CoreName = char* (*)();
  auto corename = reinterpret_cast<CoreName>(dlsym(RTLD_DEFAULT, "openblas_get_corename"));
  return corename ? std::string("OpenBLAS ") + corename() : "other";
}

std::string blas_advice_for(const std::string& env_core, bool cpu_avx512) {
  // OpenBLAS's AVX2 kernel sets for x86-64 (it compares the names without case).
  const bool avx2_core = !strcasecmp(env_core.c_str(), "Haswell") || !strcasecmp(env_core.c_str(), "Zen");
  if (!cpu_avx512 || !avx2_core) return "";
  return "OPENBLAS_CORETYPE=" + env_core + " holds OpenBLAS to its AVX2 kernels on this AVX-512 CPU; unset it "
         "(OpenBLAS then picks its AVX-512 kernels) for about 2x faster matrix products";
}

std::string blas_advice() {
  const char* env = std::getenv("OPENBLAS_CORETYPE");
  if (!env || blas_name() == "other") return "";
#if defined(__x86_64__) && defined(__GNUC__)
  // libgcc's checks include the OS saving the AVX-512 registers (XCR0).
  const bool avx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512cd") &&
                      __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq") &&
                      __builtin_cpu_supports("avx512vl");
#else
  const bool avx512 = false;
#endif
  return blas_advice_for(env, avx512);
}

namespace {
std::atomic<Kernels> g_kernels{Kernels::fast};
}  // namespace

void set_kernels(Kernels k) { g_kernels = k; }
Kernels kernels() { return g_kernels; }

c10::optional<c10::ScalarType> autocast_dtype(bool cuda) {
  if (cuda) return at::autocast::is_enabled() ? c10::make_optional(at::autocast::get_autocast_gpu_dtype()) : c10::nullopt;
  return at::autocast::is_cpu_enabled() ? c10::make_optional(at::autocast::get_autocast_cpu_dtype()) : c10::nullopt;
}

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
