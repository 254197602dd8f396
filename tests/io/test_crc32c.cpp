// Tests for CRC32C and the TFRecord CRC mask against published vectors.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "dreamer/io/crc32c.h"

namespace dreamer {
namespace {

TEST(Crc32c, KnownVectors) {
  EXPECT_EQ(crc32c(std::string("")), 0x00000000u);
  EXPECT_EQ(crc32c(std::string("a")), 0xC1D04330u);
  EXPECT_EQ(crc32c(std::string("123456789")), 0xE3069283u);
  // RFC 3720 (iSCSI), B.4: 32 bytes of zeros, of 0xFF, ascending and descending.
  std::vector<unsigned char> zeros(32, 0x00), ones(32, 0xFF), up(32), down(32);
  for (int i = 0; i < 32; ++i) {
    up[i] = static_cast<unsigned char>(i);
    down[i] = static_cast<unsigned char>(31 - i);
  }
  EXPECT_EQ(crc32c(zeros.data(), zeros.size()), 0x8A9136AAu);
  EXPECT_EQ(crc32c(ones.data(), ones.size()), 0x62A8AB43u);
  EXPECT_EQ(crc32c(up.data(), up.size()), 0x46DD794Eu);
  EXPECT_EQ(crc32c(down.data(), down.size()), 0x113FDB5Cu);
}

TEST(Crc32c, ContinuesAcrossBuffers) {
  const std::string text = "The quick brown fox jumps over the lazy dog";
  const uint32_t whole = crc32c(text);
  const uint32_t first = crc32c(text.data(), 10);
  EXPECT_EQ(crc32c(text.data() + 10, text.size() - 10, first), whole);
  EXPECT_EQ(whole, 0x22620404u);
}

TEST(Crc32c, MaskMatchesTFRecordAndInverts) {
  // The TFRecord mask: rotate right by 15, add 0xa282ead8.
  const uint32_t crc = 0xE3069283u;
  EXPECT_EQ(mask_crc32c(crc), ((crc >> 15) | (crc << 17)) + 0xa282ead8u);
  EXPECT_EQ(mask_crc32c(0u), 0xa282ead8u);
  for (uint32_t value : {0u, 1u, 0xE3069283u, 0xFFFFFFFFu, 0x12345678u}) EXPECT_EQ(unmask_crc32c(mask_crc32c(value)), value);
}

}  // namespace
}  // namespace dreamer
