// Files shipped with dreamer.cpp (presets, baseline scores), found in the source tree or the installed prefix.
#pragma once

#include <string>

namespace dreamer {

/// The path of the shipped file `relative` ("configs/configs.yaml", "data/atari_baselines.json"): the source tree's
/// copy when this build's source tree holds it, else the installed one (<prefix>/share/dreamer/<relative>, from
/// `cmake --install`). When neither exists, the source tree's path, so that the error reading it names a file.
std::string shipped_file(const std::string& relative);

}  // namespace dreamer
