// Finding an Atari game's ROM file, and whether this build has the ALE backend (built with or without ALE).
#include <cstdlib>
#include <filesystem>

#include "dreamer/envs/atari.h"

namespace fs = std::filesystem;

namespace dreamer {

bool atari_available() {
#ifdef DREAMER_WITH_ALE
  return true;
#else
  return false;
#endif
}

#ifndef DREAMER_WITH_ALE
// Without ALE, AtariEnv exists so that code naming it links, and cannot be built.
namespace {
Error no_atari(const std::string& game) {
  return Error("atari_" + game + ": this build has no Atari (it was configured without the Arcade Learning "
               "Environment; README, section Atari)");
}
}  // namespace

struct AtariEnv::Impl {};
AtariEnv::AtariEnv(const std::string& game, const AtariOptions&, uint64_t) { throw no_atari(game); }
AtariEnv::~AtariEnv() = default;
TimeStep AtariEnv::reset(uint8_t*) { throw no_atari(""); }
TimeStep AtariEnv::step(const Action&, uint8_t*) { throw no_atari(""); }
bool AtariEnv::step_unobserved(const Action&, TimeStep&) { throw no_atari(""); }
void AtariEnv::write_screen(uint8_t*, bool) const { throw no_atari(""); }
Image AtariEnv::render() const { throw no_atari(""); }
int AtariEnv::lives() const { throw no_atari(""); }
int AtariEnv::episode_frame() const { throw no_atari(""); }

EnvPtr make_atari(const std::string& game, const AtariOptions&, uint64_t) { throw no_atari(game); }
#endif

std::string find_atari_rom(const std::string& game, const std::string& rom_dir) {
  std::string dir = rom_dir;
  std::string source = "--atari.rom_dir";
  if (dir.empty()) {
    const char* env = std::getenv("ALE_ROM_DIR");
    if (!env || !*env)
      throw Error("atari_" + game + ": no ROM folder is set: pass --atari.rom_dir <folder> or set ALE_ROM_DIR to a "
                  "folder holding " + game + ".bin (README, section Atari, says where ROMs come from)");
    dir = env;
    source = "ALE_ROM_DIR";
  }
  const fs::path path = fs::path(dir) / (game + ".bin");
  std::error_code ec;
  if (!fs::is_regular_file(path, ec))
    throw Error("atari_" + game + ": no ROM at '" + path.string() + "' (the folder comes from " + source +
                "; ROM files are named <game>.bin in snake case, e.g. space_invaders.bin)");
  return path.string();
}

}  // namespace dreamer
