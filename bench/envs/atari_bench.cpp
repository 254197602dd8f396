// Atari wrapper overhead: the wrapped atari_tetris against a bare ALE loop, interleaved rounds, medians.
#include "atari_bench.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <vector>

#include "dreamer/envs/atari.h"
#include "dreamer/envs/random.h"
#include "dreamer/envs/registry.h"
#include "median.h"

#ifdef DREAMER_WITH_ALE
#include <ale_interface.hpp>
#endif

namespace dreamer {

#ifdef DREAMER_WITH_ALE
namespace {

using Clock = std::chrono::steady_clock;

// Calls `agent_step` in chunks for about `seconds`; returns agent steps per second.
template <class Step>
double rate(double seconds, Step&& agent_step) {
  const auto start = Clock::now();
  const auto budget = std::chrono::duration<double>(seconds);
  int64_t steps = 0;
  do {
    for (int i = 0; i < 256; ++i) agent_step(steps + i);
    steps += 256;
  } while (Clock::now() - start < budget);
  return double(steps) / std::chrono::duration<double>(Clock::now() - start).count();
}

}  // namespace
#endif

AtariBenchResult bench_atari(double seconds, int rounds, const std::string& rom_dir) {
#ifndef DREAMER_WITH_ALE
  (void)seconds, (void)rounds, (void)rom_dir;
  throw Error("bench --atari: this build has no Atari (README, section Atari)");
#else
  if (rounds < 1) throw Error("bench --atari: rounds must be >= 1, got " + std::to_string(rounds));
  const std::string rom = find_atari_rom("tetris", rom_dir);
  EnvOptions opts;  // the atari preset's protocol
  opts.action_repeat = 4;
  opts.max_pool = true;
  opts.time_limit = 27000;
  opts.sticky = 0.25;
  opts.rom_dir = std::filesystem::path(rom).parent_path().string();
  EnvPtr wrapped = make_env("atari_tetris", opts, /*seed=*/0, /*index=*/0);
  std::vector<uint8_t> obs(size_t(wrapped->obs_space().size()));

  ale::ALEInterface bare;
  bare.setInt("random_seed", 1);
  bare.setFloat("repeat_action_probability", 0.25f);
  bare.setInt("frame_skip", 1);
  bare.loadROM(rom);
  const ale::ActionVect legal = bare.getLegalActionSet();
  std::vector<unsigned char> screens[2];

  // Pre-drawn actions: the policy's generator is not part of either measurement.
  Xoshiro256 rng(1);
  std::vector<int> actions(1 << 16);
  for (int& a : actions) a = int(rng.below(uint32_t(legal.size())));
  auto action_at = [&](int64_t i) { return actions[size_t(i) & (actions.size() - 1)]; };

  wrapped->reset(obs.data());
  bare.reset_game();
  std::vector<double> wrapped_rates, bare_rates, overheads;
  for (int round = 0; round < rounds; ++round) {
    const double b = rate(seconds, [&](int64_t i) {
      const ale::Action a = legal[size_t(action_at(i))];
      for (int frame = 0; frame < 4; ++frame) {
        bare.act(a);
        if (frame >= 2) bare.getScreenGrayscale(screens[frame - 2]);
      }
      if (bare.game_over()) bare.reset_game();
    });
    const double w = rate(seconds, [&](int64_t i) {
      if (wrapped->step(Action{action_at(i), {}}, obs.data()).is_last) wrapped->reset(obs.data());
    });
    bare_rates.push_back(b);
    wrapped_rates.push_back(w);
    overheads.push_back(b / w - 1.0);
  }
  AtariBenchResult result;
  result.rounds = rounds;
  result.bare_steps_per_second = median(bare_rates);
  result.wrapped_steps_per_second = median(wrapped_rates);
  result.overhead = median(overheads);
  return result;
#endif
}

}  // namespace dreamer
