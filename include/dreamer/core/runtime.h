// Process-wide runtime settings: seeding, intra-op threads, and the compute device.
#pragma once

#include <c10/core/ScalarType.h>
#include <c10/util/Optional.h>

#include <cstdint>
#include <string>

namespace c10 {
struct Device;
}

namespace dreamer {

/// Seeds LibTorch's generators; with the same seed and thread count a CPU run repeats exactly.
void seed_everything(uint64_t seed);

/// Sets LibTorch's intra-op threads; 0 means every core. Returns the count in effect. Also turns
/// on flushing denormal floats to zero: tiny gradients and Adam moments otherwise slow CPU
/// arithmetic down as training goes on.
int set_threads(int threads);

/// How many intra-op threads to run when `cores` cores exist and other processes kept
/// `others_busy` cores busy on average: every core not taken by them, at least one
/// (max(1, cores - floor(others_busy + 0.6))). A core another process keeps busy slows down the
/// share of every parallel op that lands on it, and OpenMP threads that spin at the op's end
/// take CPU from the other process: one busy process made 2 threads 10x slower than 1 thread here.
int threads_for_load(int cores, double others_busy);

/// Follows the machine's load for `threads: 0` (all cores, when free): each update() reads how
/// busy the cores were since the previous call (/proc/stat) less this process's own share
/// (/proc/self/stat) and returns threads_for_load() of it, or all cores where /proc cannot be read.
class ThreadGovernor {
 public:
  ThreadGovernor();
  int update();
  int cores() const { return cores_; }

 private:
  int cores_;
  int64_t busy_ = -1, total_ = -1, self_ = -1;  // jiffies at the previous call
};

/// The malloc the process runs on: "tcmalloc" when the executable links it (CMake option
/// DREAMER_TCMALLOC, on by default for the CLI and the tests), else "system". Large tensors are
/// freed and allocated again every update; glibc's malloc returns each to the kernel and page-faults
/// it back in, which made an `atari` update 1.3x slower (docs/PERFORMANCE.md).
std::string allocator_name();

/// "OpenBLAS <core>" (the kernel set OpenBLAS runs, e.g. "OpenBLAS Cooperlake"), or "other" for
/// a BLAS that is not OpenBLAS.
std::string blas_name();

/// Advice when the environment holds OpenBLAS to slower kernels than the CPU runs, else "".
/// OPENBLAS_CORETYPE=Haswell (set on some hosts to keep OpenBLAS off AVX-512) runs AVX2 kernels
/// at half the speed of the AVX-512 ones OpenBLAS picks by itself on an AVX-512 CPU (a 2048^3
/// SGEMM: 172 vs 356 GFLOP/s on two Zen 5 cores; the `atari` update 1.3x, docs/PERFORMANCE.md).
/// The library leaves the user's setting as it is; the CLI prints this.
std::string blas_advice();

/// blas_advice's rule: the advice for OPENBLAS_CORETYPE = `env_core` ("" when unset) on a CPU
/// that does (cpu_avx512: AVX-512 F/CD/BW/DQ/VL, saved by the OS) or does not run AVX-512.
std::string blas_advice_for(const std::string& env_core, bool cpu_avx512);

/// How the nets express their computation. `fast` (the default) uses the formulations measured
/// faster in docs/PERFORMANCE.md; `plain` the straightforward eager LibTorch ops, which the update
/// benchmark keeps as its baseline. Both compute the same function with the same parameters.
enum class Kernels { fast, plain };
void set_kernels(Kernels kernels);
Kernels kernels();

/// While alive and `enabled`, LibTorch's autocast runs matrix products and convolutions on
/// `device_type`'s tensors in bfloat16 (config `precision: 16`); the nets keep the recurrent
/// state, distribution parameters and head outputs in float32. Restores the previous state and
/// drops the cast-weight cache at the end of the outermost scope (weights change every update).
class Bf16Autocast {
 public:
  Bf16Autocast(bool enabled, bool cuda);
  ~Bf16Autocast();
  Bf16Autocast(const Bf16Autocast&) = delete;
  Bf16Autocast& operator=(const Bf16Autocast&) = delete;

 private:
  bool enabled_, cuda_, previous_ = false;
  int previous_dtype_ = 0;
};

/// The dtype autocast runs products in for CUDA (`cuda`) or CPU tensors, or none when autocast is
/// off for that device: what kernels autocast does not know (ours) cast to themselves.
c10::optional<c10::ScalarType> autocast_dtype(bool cuda);

/// Parses "cpu", "cuda" or "cuda:N"; throws dreamer::Error naming the value when unknown or
/// when CUDA is asked for but this LibTorch has none.
c10::Device parse_device(const std::string& name);

}  // namespace dreamer
