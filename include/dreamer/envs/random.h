// Random sources for environments: splitmix64 seeding, xoshiro256** generator, the UniformSource interface.
#pragma once

#include <cstdint>

namespace dreamer {

/// One splitmix64 step: advances `state` and returns the next well-mixed 64-bit value.
inline uint64_t splitmix64(uint64_t& state) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

/// The seed of env number `index` in a run seeded with `seed`: distinct for distinct pairs.
inline uint64_t env_seed(uint64_t seed, int index) {
  uint64_t s = seed;
  uint64_t a = splitmix64(s);
  uint64_t t = a ^ (uint64_t(uint32_t(index)) * 0xD1B54A32D192ED03ull + 0x632BE59BD9B4E019ull);
  return splitmix64(t);
}

/// A source of uniform numbers in [0, 1). Every random event of a game is drawn through one, so tests can
/// substitute a scripted source and replay a reference stream exactly.
class UniformSource {
 public:
  virtual ~UniformSource() = default;
  /// The next uniform number in [0, 1).
  virtual double uniform() = 0;
};

/// A Bernoulli(p) draw: one uniform u, true iff u < p.
inline bool bernoulli(UniformSource& rng, double p) { return rng.uniform() < p; }

/// An integer uniform in [lo, hi] from one uniform u: lo + floor(u * (hi - lo + 1)).
inline int uniform_int(UniformSource& rng, int lo, int hi) {
  int v = lo + int(rng.uniform() * double(hi - lo + 1));
  return v > hi ? hi : v;
}

/// xoshiro256** (Blackman & Vigna): fast, 256-bit state, seeded through splitmix64.
class Xoshiro256 final : public UniformSource {
 public:
  explicit Xoshiro256(uint64_t seed = 0) { this->seed(seed); }
  void seed(uint64_t seed) {
    for (auto& word : s_) word = splitmix64(seed);
  }
  /// The next 64 random bits.
  uint64_t next() {
    const uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }
  /// Uniform in [0, 1) with 53 random bits.
  double uniform() override { return double(next() >> 11) * 0x1.0p-53; }
  /// Uniform integer in [0, n) (Lemire's multiply-shift; bias below 2^-32 for small n).
  uint32_t below(uint32_t n) { return uint32_t((uint64_t(uint32_t(next() >> 32)) * n) >> 32); }

 private:
  static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t s_[4];
};

/// The scripted source of the MinAtar spec §8.3: a 64-bit LCG, u = floor(s / 2^11) / 2^53.
class ScriptedLcg final : public UniformSource {
 public:
  explicit ScriptedLcg(uint64_t seed = 12345) : s_(seed) {}
  double uniform() override {
    s_ = s_ * 6364136223846793005ull + 1442695040888963407ull;
    ++draws_;
    return double(s_ >> 11) * 0x1.0p-53;
  }
  /// How many uniforms were drawn so far.
  int64_t draws() const { return draws_; }

 private:
  uint64_t s_;
  int64_t draws_ = 0;
};

}  // namespace dreamer
