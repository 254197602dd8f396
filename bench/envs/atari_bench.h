// Atari wrapper overhead: agent steps/s of the wrapped atari_tetris against a bare ALE loop over the same frames.
#pragma once

#include <string>

namespace dreamer {

/// Medians over interleaved rounds of the two loops, one core each in turn.
struct AtariBenchResult {
  double wrapped_steps_per_second = 0;  // make_env("atari_tetris") with the paper's protocol, random actions
  double bare_steps_per_second = 0;     // ALEInterface alone: 4 act() per agent step, the last two screens read
  double overhead = 0;                  // median over rounds of wrapped time per step / bare time per step - 1
  int rounds = 0;
};

/// Runs `rounds` rounds of `seconds` per loop (bare first, then wrapped, alternating). The ROM comes from
/// `rom_dir` or $ALE_ROM_DIR. Throws dreamer::Error in builds without ALE or without tetris.bin.
AtariBenchResult bench_atari(double seconds, int rounds, const std::string& rom_dir);

}  // namespace dreamer
