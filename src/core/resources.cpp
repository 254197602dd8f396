// Files shipped with dreamer.cpp: the source tree's copy, else the installed one.
#include "dreamer/core/resources.h"

#include <filesystem>

namespace dreamer {

std::string shipped_file(const std::string& relative) {
  const std::filesystem::path source = std::filesystem::path(DREAMER_SOURCE_DIR) / relative;
  const std::filesystem::path installed = std::filesystem::path(DREAMER_INSTALL_DATADIR) / relative;
  if (!std::filesystem::exists(source) && std::filesystem::exists(installed)) return installed.string();
  return source.string();
}

}  // namespace dreamer
