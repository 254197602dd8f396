// Process-wide runtime settings: seeding, intra-op threads, and the compute device.
#pragma once

#include <cstdint>
#include <string>

namespace c10 {
struct Device;
}

namespace dreamer {

/// Seeds LibTorch's generators; with the same seed and thread count a CPU run repeats exactly.
void seed_everything(uint64_t seed);

/// Sets LibTorch's intra-op threads; 0 means every core. Returns the count in effect.
int set_threads(int threads);

/// How the nets express their computation. `fast` (the default) uses the formulations measured
/// faster in docs/PERFORMANCE.md; `plain` the straightforward eager LibTorch ops, which the update
/// benchmark keeps as its baseline. Both compute the same function with the same parameters.
enum class Kernels { fast, plain };
void set_kernels(Kernels kernels);
Kernels kernels();

/// Parses "cpu", "cuda" or "cuda:N"; throws dreamer::Error naming the value when unknown or
/// when CUDA is asked for but this LibTorch has none.
c10::Device parse_device(const std::string& name);

}  // namespace dreamer
