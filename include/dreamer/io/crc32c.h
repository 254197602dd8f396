// CRC32C (Castagnoli) checksums and the masked form TFRecord files (TensorBoard events) use.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace dreamer {

/// CRC32C (reflected polynomial 0x82F63B78) of `size` bytes; `crc32c("123456789") == 0xE3069283`.
/// Pass a previous result as `crc` to continue a checksum over several buffers.
uint32_t crc32c(const void* data, std::size_t size, uint32_t crc = 0);
inline uint32_t crc32c(const std::string& bytes) { return crc32c(bytes.data(), bytes.size()); }

/// The TFRecord mask: rotate right by 15 bits and add 0xa282ead8.
inline uint32_t mask_crc32c(uint32_t crc) { return ((crc >> 15) | (crc << 17)) + 0xa282ead8u; }
/// Inverse of mask_crc32c.
inline uint32_t unmask_crc32c(uint32_t masked) {
  const uint32_t rotated = masked - 0xa282ead8u;
  return (rotated >> 17) | (rotated << 15);
}

}  // namespace dreamer
