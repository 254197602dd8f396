// AtariEnv: one ALE emulator frame per step, no-op starts, the life-loss signal, seeding (built with ALE only).
#include <ale_interface.hpp>

#include <algorithm>
#include <cstring>

#include "dreamer/envs/atari.h"
#include "dreamer/envs/random.h"

namespace dreamer {

struct AtariEnv::Impl {
  ale::ALEInterface ale;
  Xoshiro256 rng;  // no-op counts
};

namespace {

// ALE's logger is global: quiet it once, before the first interface prints its banner.
void quiet_ale() {
  static const bool done = [] {
    ale::Logger::setMode(ale::Logger::Error);
    return true;
  }();
  (void)done;
}

}  // namespace

AtariEnv::AtariEnv(const std::string& game, const AtariOptions& opts, uint64_t seed) {
  if (!(opts.sticky >= 0.0 && opts.sticky <= 1.0))
    throw Error("atari_" + game + ": sticky must be in [0, 1], got " + std::to_string(opts.sticky));
  if (opts.noops < 0) throw Error("atari_" + game + ": atari.noops must be >= 0, got " + std::to_string(opts.noops));
  const std::string rom = find_atari_rom(game, opts.rom_dir);
  quiet_ale();
  // ALE ends the process on a ROM it cannot wrap, so the ROM is checked first.
  std::optional<std::string> known;
  try {
    known = ale::ALEInterface::isSupportedROM(rom);
  } catch (const std::exception& e) {
    throw Error("atari_" + game + ": cannot read ROM '" + rom + "': " + e.what());
  }
  if (!known)
    throw Error("atari_" + game + ": '" + rom + "' is not a ROM of '" + game +
                "' that this ALE supports (ALE checks the file's MD5 against the games it knows)");
  if (*known != game)
    throw Error("atari_" + game + ": '" + rom + "' holds the ROM of '" + *known + "', not of '" + game + "'");

  impl_ = std::make_unique<Impl>();
  impl_->rng.seed(seed);
  ale::ALEInterface& ale = impl_->ale;
  uint64_t s = seed ^ 0xA7A21C0FFEE5EEDull;  // a stream apart from the no-op generator's
  ale.setInt("random_seed", int(splitmix64(s) & 0x7fffffff));  // ALE's own generator: sticky actions
  ale.setFloat("repeat_action_probability", float(opts.sticky));
  ale.setInt("frame_skip", 1);                    // ActionRepeat repeats, so max pooling sees raw frames
  ale.setInt("max_num_frames_per_episode", 0);    // the time limit is TimeLimit's, counted in agent steps
  ale.setBool("truncate_on_loss_of_life", false);
  ale.loadROM(rom);

  for (ale::Action a : opts.minimal_actions ? ale.getMinimalActionSet() : ale.getLegalActionSet())
    act_set_.push_back(int(a));
  noops_ = opts.noops;
  life_loss_ = opts.life_loss;
  grayscale_ = opts.grayscale;
  const ale::ALEScreen& screen = ale.getScreen();
  obs_space_ = {int(screen.height()), int(screen.width()), grayscale_ ? 1 : 3, 255};
  act_space_ = {true, int(act_set_.size())};
}

AtariEnv::~AtariEnv() = default;

EnvPtr make_atari(const std::string& game, const AtariOptions& opts, uint64_t seed) {
  return std::make_unique<AtariEnv>(game, opts, seed);
}

int AtariEnv::lives() const { return impl_->ale.lives(); }
int AtariEnv::episode_frame() const { return impl_->ale.getEpisodeFrameNumber(); }

void AtariEnv::write_screen(uint8_t* obs, bool grayscale) const {
  // Straight from the screen's palette indices into `obs`: the vector API would need a copy.
  ale::ALEInterface& ale = impl_->ale;
  const ale::ALEScreen& screen = ale.getScreen();
  const size_t pixels = size_t(screen.height()) * size_t(screen.width());
  ale::ColourPalette& palette = ale.theOSystem->colourPalette();
  if (grayscale)
    palette.applyPaletteGrayscale(obs, screen.getArray(), pixels);
  else
    palette.applyPaletteRGB(obs, screen.getArray(), pixels);
}

TimeStep AtariEnv::reset(uint8_t* obs) {
  ale::ALEInterface& ale = impl_->ale;
  ale.reset_game();
  last_noops_ = noops_ > 0 ? uniform_int(impl_->rng, 1, noops_) : 0;
  for (int i = 0; i < last_noops_; ++i) {
    ale.act(ale::PLAYER_A_NOOP);
    if (ale.game_over()) ale.reset_game();
  }
  lives_ = ale.lives();
  observe(obs);
  TimeStep ts;
  ts.is_first = true;
  return ts;
}

bool AtariEnv::step_unobserved(const Action& action, TimeStep& out) {
  if (action.index < 0 || action.index >= int(act_set_.size()))
    throw Error("atari: action " + std::to_string(action.index) + " is outside [0, " +
                std::to_string(act_set_.size()) + ")");
  ale::ALEInterface& ale = impl_->ale;
  out = TimeStep{};
  out.reward = float(ale.act(ale::Action(act_set_[size_t(action.index)])));
  out.is_last = out.is_terminal = ale.game_over();
  const int lives = ale.lives();
  if (life_loss_ && lives < lives_) out.is_terminal = true;
  lives_ = lives;
  return true;
}

TimeStep AtariEnv::step(const Action& action, uint8_t* obs) { return step_then_observe(action, obs); }

Image AtariEnv::render() const {
  Image image;
  image.height = obs_space_.height;
  image.width = obs_space_.width;
  image.rgb.resize(size_t(image.height) * size_t(image.width) * 3);
  write_screen(image.rgb.data(), /*grayscale=*/false);
  return image;
}

}  // namespace dreamer
