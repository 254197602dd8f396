// The machine's float32 compute limits, measured: a large SGEMM and a register-resident FMA loop.
#pragma once

namespace dreamer {

struct PeakFlops {
  double sgemm_gflops = 0;  // torch::mm of 2048 x 2048 matrices at LibTorch's current thread count
  double fma_gflops = 0;    // independent FMA chains on `threads` threads (widest vectors the CPU has)
  double peak() const { return sgemm_gflops > fma_gflops ? sgemm_gflops : fma_gflops; }
};

/// Measures both for about a second each.
PeakFlops measure_peak_flops(int threads);

}  // namespace dreamer
