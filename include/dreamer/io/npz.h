// Minimal .npy / .npz (uncompressed ZIP) reading and writing, compatible with numpy.load and numpy.savez.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace dreamer {

/// One array: numpy dtype descriptor ('|u1', '<f4', '|b1', ...), C-order shape and raw bytes.
struct NpyArray {
  std::string descr;
  std::vector<int64_t> shape;
  std::vector<uint8_t> data;

  int64_t numel() const;
  /// Bytes per element of `descr`.
  int64_t item_size() const;
};

NpyArray make_npy(const std::string& descr, std::vector<int64_t> shape, const void* data, size_t bytes);

/// Writes the arrays as `<name>.npy` members of an uncompressed ZIP at `path`, atomically (a
/// temporary file renamed over it).
void write_npz(const std::string& path, const std::map<std::string, NpyArray>& arrays);

/// Reads an uncompressed .npz (stored members only). Throws dreamer::Error naming the file otherwise.
std::map<std::string, NpyArray> read_npz(const std::string& path);

}  // namespace dreamer
