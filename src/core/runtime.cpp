// Process-wide runtime settings: seeding, intra-op threads, and the compute device.
#include "dreamer/core/runtime.h"

#include <ATen/autocast_mode.h>
#include <torch/torch.h>

#include <dlfcn.h>

#include <strings.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <sstream>
#include <thread>

#include "dreamer/core/error.h"

namespace dreamer {

void seed_everything(uint64_t seed) { torch::manual_seed(seed); }

int threads_for_load(int cores, double others_busy) {
  const int taken = int(std::floor(std::max(0.0, others_busy) + 0.6));
  return std::max(1, std::min(cores, cores - taken));
}

namespace {
// Jiffies of all cores since boot from /proc/stat's first line: busy and total. False when unreadable.
bool read_cpu_jiffies(int64_t& busy, int64_t& total) {
  std::ifstream in("/proc/stat");
  std::string cpu;
  int64_t user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0;
  if (!(in >> cpu >> user >> nice >> system >> idle >> iowait >> irq >> softirq >> steal) || cpu != "cpu") return false;
  busy = user + nice + system + irq + softirq;
  total = busy + idle + iowait + steal;
  return true;
}

// This process's user + system jiffies (/proc/self/stat fields 14 and 15). False when unreadable.
bool read_self_jiffies(int64_t& jiffies) {
  std::ifstream in("/proc/self/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const size_t paren = text.rfind(')');  // the command name may hold spaces
  if (paren == std::string::npos) return false;
  std::istringstream fields(text.substr(paren + 2));
  std::string field;
  int64_t utime = 0, stime = 0;
  for (int i = 3; i <= 15 && fields >> field; ++i) {
    if (i == 14) utime = std::stoll(field);
    if (i == 15) stime = std::stoll(field);
  }
  if (!fields) return false;
  jiffies = utime + stime;
  return true;
}
}  // namespace

ThreadGovernor::ThreadGovernor() : cores_(static_cast<int>(std::max(1u, std::thread::hardware_concurrency()))) {}

int ThreadGovernor::update() {
  int64_t busy = 0, total = 0, self = 0;
  if (!read_cpu_jiffies(busy, total) || !read_self_jiffies(self)) return cores_;
  const bool first = total_ < 0;
  const int64_t d_busy = busy - busy_, d_total = total - total_, d_self = self - self_;
  busy_ = busy, total_ = total, self_ = self;
  if (first || d_total <= 0) return cores_;
  // d_total counts every core's jiffies: the wall time is d_total / cores.
  const double others = double(d_busy - d_self) / (double(d_total) / double(cores_));
  return threads_for_load(cores_, others);
}

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
