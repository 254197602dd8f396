// Atomic whole-file writes (a temporary file next to the target, then rename), for dreamer_io.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace dreamer {

/// Writes `bytes` to `path` via `<path>.tmp` and a rename, so readers never see a partial file.
/// Throws dreamer::Error("<what>: cannot write '<path>' ...") on failure, leaving no temporary.
void write_file_atomically(const std::string& path, const char* data, size_t size, const std::string& what);
void write_file_atomically(const std::string& path, const std::vector<uint8_t>& bytes,
                           const std::string& what);
void write_file_atomically(const std::string& path, const std::string& text, const std::string& what);

}  // namespace dreamer
