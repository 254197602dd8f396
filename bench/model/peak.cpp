// The machine's float32 compute limits, measured: a large SGEMM and a register-resident FMA loop.
#include "model/peak.h"

#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <thread>
#include <vector>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace dreamer {
namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// Each kernel runs `iters` rounds of 12 independent FMA chains (enough to hide the FMA latency on
// two ports) and returns the FLOPs done; `sink` keeps the result alive.
#if defined(__x86_64__)
__attribute__((target("avx512f"))) double fma_avx512(int64_t iters, float* sink) {
  __m512 acc[12];
  for (int k = 0; k < 12; ++k) acc[k] = _mm512_set1_ps(0.001f * float(k));
  const __m512 mul = _mm512_set1_ps(0.999999f), add = _mm512_set1_ps(1e-7f);
  for (int64_t i = 0; i < iters; ++i)
    for (int k = 0; k < 12; ++k) acc[k] = _mm512_fmadd_ps(acc[k], mul, add);
  __m512 sum = acc[0];
  for (int k = 1; k < 12; ++k) sum = _mm512_add_ps(sum, acc[k]);
  float out[16];
  _mm512_storeu_ps(out, sum);
  *sink = out[0] + out[15];
  return double(iters) * 12 * 16 * 2;
}

__attribute__((target("avx2,fma"))) double fma_avx2(int64_t iters, float* sink) {
  __m256 acc[12];
  for (int k = 0; k < 12; ++k) acc[k] = _mm256_set1_ps(0.001f * float(k));
  const __m256 mul = _mm256_set1_ps(0.999999f), add = _mm256_set1_ps(1e-7f);
  for (int64_t i = 0; i < iters; ++i)
    for (int k = 0; k < 12; ++k) acc[k] = _mm256_fmadd_ps(acc[k], mul, add);
  float out[8];
  __m256 sum = acc[0];
  for (int k = 1; k < 12; ++k) sum = _mm256_add_ps(sum, acc[k]);
  _mm256_storeu_ps(out, sum);
  *sink = out[0] + out[7];
  return double(iters) * 12 * 8 * 2;
}
#endif

double fma_scalar(int64_t iters, float* sink) {
  float acc[12];
  for (int k = 0; k < 12; ++k) acc[k] = 0.001f * float(k);
  for (int64_t i = 0; i < iters; ++i)
    for (int k = 0; k < 12; ++k) acc[k] = acc[k] * 0.999999f + 1e-7f;
  float sum = 0;
  for (float a : acc) sum += a;
  *sink = sum;
  return double(iters) * 12 * 2;
}

double fma_kernel(int64_t iters, float* sink) {
#if defined(__x86_64__)
  if (__builtin_cpu_supports("avx512f")) return fma_avx512(iters, sink);
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return fma_avx2(iters, sink);
#endif
  return fma_scalar(iters, sink);
}

double fma_gflops(int threads) {
  // Calibrate one thread to ~0.5 s, then run every thread at once.
  float sink = 0;
  int64_t iters = 1 << 20;
  for (;;) {
    const auto start = Clock::now();
    fma_kernel(iters, &sink);
    if (seconds_since(start) > 0.1) break;
    iters *= 2;
  }
  iters *= 5;
  std::vector<float> sinks(size_t(threads), 0.f);
  std::vector<double> flops(size_t(threads), 0.0);
  std::vector<std::thread> pool;
  const auto start = Clock::now();
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&, t] { flops[size_t(t)] = fma_kernel(iters, &sinks[size_t(t)]); });
  for (auto& th : pool) th.join();
  const double secs = seconds_since(start);
  double total = 0;
  for (double f : flops) total += f;
  return total / secs / 1e9;
}

double sgemm_gflops() {
  torch::NoGradGuard no_grad;
  const int64_t n = 2048;
  auto a = torch::randn({n, n}), b = torch::randn({n, n});
  auto c = torch::mm(a, b);  // warm-up
  std::vector<double> rates;
  for (int i = 0; i < 5; ++i) {
    const auto start = Clock::now();
    c = torch::mm(a, b);
    rates.push_back(2.0 * n * n * n / seconds_since(start) / 1e9);
  }
  std::sort(rates.begin(), rates.end());
  return rates[rates.size() / 2];
}

}  // namespace

PeakFlops measure_peak_flops(int threads) {
  PeakFlops p;
  p.sgemm_gflops = sgemm_gflops();
  p.fma_gflops = fma_gflops(std::max(1, threads));
  return p;
}

}  // namespace dreamer
