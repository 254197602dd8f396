// Atomic whole-file writes (a temporary file next to the target, then rename), for dreamer_io.
#include "io/atomic_file.h"

#include <filesystem>
#include <fstream>
#include <system_error>

#include "dreamer/core/error.h"

namespace dreamer {

void write_file_atomically(const std::string& path, const std::vector<uint8_t>& bytes,
                           const std::string& what) {
  write_file_atomically(path, reinterpret_cast<const char*>(bytes.data()), bytes.size(), what);
}

void write_file_atomically(const std::string& path, const std::string& text, const std::string& what) {
  write_file_atomically(path, text.data(), text.size(), what);
}

void write_file_atomically(const std::string& path, const char* data, size_t size, const std::string& what) {
  const std::string tmp = path + ".tmp";
  std::error_code ignored;
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw Error(what + ": cannot write '" + path + "' (cannot create '" + tmp + "')");
    out.write(data, std::streamsize(size));
    out.close();
    if (!out) {
      std::filesystem::remove(tmp, ignored);
      throw Error(what + ": cannot write '" + path + "' (writing '" + tmp + "' failed)");
    }
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::filesystem::remove(tmp, ignored);
    throw Error(what + ": cannot write '" + path + "': " + ec.message());
  }
}

}  // namespace dreamer
