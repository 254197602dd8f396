// Atari 2600 games through the Arcade Learning Environment (ALE): the raw emulator env and ROM lookup.
//
// AtariEnv is one emulator frame per step at the console's resolution (210x160), grayscale from ALE's palette
// or RGB. The paper's protocol is assembled by make_env (registry.h): action repeat 4 with a max over the last
// two raw frames, then an area resize to 64x64, the 27k-step time limit as a cut, one-hot actions. Sticky actions
// are ALE's own `repeat_action_probability`, drawn per emulator frame, so they act inside the repeat.
//
// Built only when CMake finds ALE (DREAMER_WITH_ALE); atari_available() tells at run time.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "dreamer/envs/env.h"

namespace dreamer {

/// How one Atari game is emulated.
struct AtariOptions {
  std::string rom_dir;          // folder of <game>.bin ROMs; empty = $ALE_ROM_DIR
  double sticky = 0.25;         // per emulator frame: probability that the previous action is kept
  int noops = 30;               // reset: a uniform number in [1, noops] of no-op frames (0 = none)
  bool life_loss = false;       // a lost life reports is_terminal (the episode goes on; is_last stays false)
  bool minimal_actions = false; // the game's minimal action set instead of all 18
  bool grayscale = true;        // one luminance channel (ALE's palette) instead of RGB
};

/// Whether this build has the ALE backend.
bool atari_available();

/// The ROM file of `game` (snake_case, e.g. "space_invaders"): <rom_dir>/<game>.bin, rom_dir falling back to
/// $ALE_ROM_DIR. Throws dreamer::Error naming the files looked for when there is none.
std::string find_atari_rom(const std::string& game, const std::string& rom_dir);

/// A new AtariEnv (below) for `game`. In builds without ALE, throws dreamer::Error saying so.
EnvPtr make_atari(const std::string& game, const AtariOptions& opts, uint64_t seed);

/// The raw emulator as an Env: observations [210, 160, 1 or 3] uint8, one emulator frame per step, actions
/// index into act_set(). reset() plays the no-op start. The generator of the no-op counts and ALE's own (sticky
/// actions) are seeded from `seed`: equal seeds give equal episodes.
class AtariEnv final : public Env {
 public:
  /// Throws dreamer::Error for a missing or unsupported ROM, or bad options.
  AtariEnv(const std::string& game, const AtariOptions& opts, uint64_t seed);
  ~AtariEnv() override;
  const ObsSpace& obs_space() const override { return obs_space_; }
  const ActSpace& act_space() const override { return act_space_; }
  TimeStep reset(uint8_t* obs) override;
  TimeStep step(const Action& action, uint8_t* obs) override;
  /// step() without reading the screen (ActionRepeat's unobserved frames).
  bool step_unobserved(const Action& action, TimeStep& out) override;
  void observe(uint8_t* obs) const override { write_screen(obs, grayscale_); }
  /// The current screen in RGB, [210, 160, 3].
  Image render() const override;

  /// The ALE action code behind each action index.
  const std::vector<int>& act_set() const { return act_set_; }
  /// No-op frames played by the last reset.
  int last_noops() const { return last_noops_; }
  /// Lives left, as the game counts them.
  int lives() const;
  /// Emulator frames since the last reset, no-op start included.
  int episode_frame() const;

 private:
  void write_screen(uint8_t* obs, bool grayscale) const;  // the current screen, gray or RGB
  struct Impl;
  std::unique_ptr<Impl> impl_;
  ObsSpace obs_space_;
  ActSpace act_space_;
  std::vector<int> act_set_;
  int noops_ = 0;
  bool life_loss_ = false;
  bool grayscale_ = true;
  int last_noops_ = 0;
  int lives_ = 0;
};

}  // namespace dreamer
