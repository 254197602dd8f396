// Minimal .npy / .npz (uncompressed ZIP) reading and writing, compatible with numpy.load and numpy.savez.
#include "dreamer/io/npz.h"

#include <zlib.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <fstream>
#include <iterator>

#include "dreamer/core/error.h"
#include "io/atomic_file.h"

namespace dreamer {
namespace {

void put16(std::string& s, uint16_t v) {
  s.push_back(char(v & 0xff));
  s.push_back(char(v >> 8));
}
void put32(std::string& s, uint32_t v) {
  for (int i = 0; i < 4; ++i) s.push_back(char((v >> (8 * i)) & 0xff));
}
uint32_t get(const std::string& s, size_t at, int bytes) {
  uint32_t v = 0;
  for (int i = 0; i < bytes; ++i) v |= uint32_t(uint8_t(s.at(at + size_t(i)))) << (8 * i);
  return v;
}

// The .npy encoding (format version 1.0) of one array.
std::string npy_bytes(const NpyArray& a) {
  std::string shape = "(";
  for (size_t i = 0; i < a.shape.size(); ++i) shape += std::to_string(a.shape[i]) + (a.shape.size() == 1 ? "," : i + 1 < a.shape.size() ? ", " : "");
  shape += ")";
  std::string header = "{'descr': '" + a.descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
  const size_t unpadded = 10 + header.size() + 1;
  header.append((64 - unpadded % 64) % 64, ' ');
  header.push_back('\n');
  std::string out("\x93NUMPY\x01\x00", 8);
  put16(out, uint16_t(header.size()));
  out += header;
  out.append(reinterpret_cast<const char*>(a.data.data()), a.data.size());
  return out;
}

NpyArray parse_npy(const std::string& bytes, const std::string& where) {
  auto bad = [&](const std::string& why) { return Error("npz: '" + where + "' " + why); };
  if (bytes.size() < 10 || bytes.compare(0, 6, "\x93NUMPY") != 0) throw bad("is not a .npy array");
  const int major = uint8_t(bytes[6]);
  size_t header_len = 0, offset = 0;
  if (major == 1) {
    header_len = get(bytes, 8, 2);
    offset = 10;
  } else if (major == 2 || major == 3) {
    header_len = get(bytes, 8, 4);
    offset = 12;
  } else {
    throw bad("has an unknown .npy version");
  }
  if (offset + header_len > bytes.size()) throw bad("has a truncated header");
  const std::string header = bytes.substr(offset, header_len);
  // The header is a Python dict literal; the three keys are read by hand (std::regex recursed
  // once per character and overflowed the stack on a long header).
  auto value_of = [&](const std::string& key) -> size_t {
    const size_t at = header.find("'" + key + "':");
    if (at == std::string::npos) return std::string::npos;
    return header.find_first_not_of(" \t", at + key.size() + 3);
  };
  NpyArray a;
  size_t at = value_of("descr");
  const size_t descr_end = at == std::string::npos || header[at] != '\'' ? std::string::npos : header.find('\'', at + 1);
  if (descr_end == std::string::npos || descr_end == at + 1) throw bad("has no dtype");
  a.descr = header.substr(at + 1, descr_end - at - 1);
  at = value_of("fortran_order");
  if (at != std::string::npos && header.compare(at, 4, "True") == 0) throw bad("is in Fortran order");
  at = value_of("shape");
  const size_t shape_end = at == std::string::npos || header[at] != '(' ? std::string::npos : header.find(')', at);
  if (shape_end == std::string::npos) throw bad("has no shape");
  int64_t numel = 1;
  for (size_t i = at + 1; i < shape_end;) {
    if (header[i] == ' ' || header[i] == ',') {
      ++i;
      continue;
    }
    if (!std::isdigit(static_cast<unsigned char>(header[i]))) throw bad("has a shape that is not a tuple of sizes");
    int64_t dim = 0;
    for (; i < shape_end && std::isdigit(static_cast<unsigned char>(header[i])); ++i)
      if (__builtin_mul_overflow(dim, 10, &dim) || __builtin_add_overflow(dim, header[i] - '0', &dim))
        throw bad("has a size too large");
    if (__builtin_mul_overflow(numel, dim, &numel)) throw bad("has a shape too large");
    a.shape.push_back(dim);
  }
  const size_t data_at = offset + header_len;
  int64_t want_bytes = 0;
  if (__builtin_mul_overflow(numel, a.item_size(), &want_bytes)) throw bad("has a shape too large");
  const size_t want = size_t(want_bytes);
  if (bytes.size() - data_at != want) throw bad("holds " + std::to_string(bytes.size() - data_at) + " data bytes, expected " + std::to_string(want));
  a.data.assign(bytes.begin() + long(data_at), bytes.end());
  return a;
}

}  // namespace

int64_t NpyArray::numel() const {
  int64_t n = 1;
  for (auto d : shape)
    if (d < 0 || __builtin_mul_overflow(n, d, &n)) throw Error("npz: an array's shape is too large or negative");
  return n;
}

int64_t NpyArray::item_size() const {
  // '<f4', '|u1', '|b1': a byte order, a kind letter, then the size in bytes (1 to 16).
  const bool sized = descr.size() >= 3 && descr.size() <= 4 && std::string("<>|=").find(descr[0]) != std::string::npos &&
                     std::isalpha(static_cast<unsigned char>(descr[1])) &&
                     std::all_of(descr.begin() + 2, descr.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
  const int64_t size = sized ? std::stoll(descr.substr(2)) : 0;
  if (size < 1 || size > 16) throw Error("npz: unknown dtype '" + descr + "'");
  return size;
}

NpyArray make_npy(const std::string& descr, std::vector<int64_t> shape, const void* data, size_t bytes) {
  NpyArray a{descr, std::move(shape), {}};
  a.data.resize(bytes);
  if (bytes) std::memcpy(a.data.data(), data, bytes);
  if (int64_t(bytes) != a.numel() * a.item_size()) throw Error("npz: array bytes do not match its shape");
  return a;
}

void write_npz(const std::string& path, const std::map<std::string, NpyArray>& arrays) {
  std::string zip, central;
  uint16_t count = 0;
  for (const auto& [name, array] : arrays) {
    const std::string member = name + ".npy";
    const std::string data = npy_bytes(array);
    if (data.size() >= 0xffffffffu) throw Error("npz: array '" + name + "' is too large for a ZIP32 member");
    const uint32_t crc = uint32_t(crc32(0L, reinterpret_cast<const Bytef*>(data.data()), uInt(data.size())));
    const uint32_t local_at = uint32_t(zip.size());
    // Local file header: stored (method 0), no data descriptor.
    put32(zip, 0x04034b50);
    put16(zip, 20);  // version needed
    put16(zip, 0);   // flags
    put16(zip, 0);   // method: stored
    put16(zip, 0);   // time
    put16(zip, 0x21);  // date: 1980-01-01
    put32(zip, crc);
    put32(zip, uint32_t(data.size()));
    put32(zip, uint32_t(data.size()));
    put16(zip, uint16_t(member.size()));
    put16(zip, 0);
    zip += member;
    zip += data;
    // Its central directory entry.
    put32(central, 0x02014b50);
    put16(central, 20);  // version made by
    put16(central, 20);
    put16(central, 0);
    put16(central, 0);
    put16(central, 0);
    put16(central, 0x21);
    put32(central, crc);
    put32(central, uint32_t(data.size()));
    put32(central, uint32_t(data.size()));
    put16(central, uint16_t(member.size()));
    put16(central, 0);  // extra
    put16(central, 0);  // comment
    put16(central, 0);  // disk
    put16(central, 0);  // internal attributes
    put32(central, 0);  // external attributes
    put32(central, local_at);
    central += member;
    ++count;
  }
  const uint32_t central_at = uint32_t(zip.size());
  zip += central;
  put32(zip, 0x06054b50);
  put16(zip, 0);
  put16(zip, 0);
  put16(zip, count);
  put16(zip, count);
  put32(zip, uint32_t(central.size()));
  put32(zip, central_at);
  put16(zip, 0);
  write_file_atomically(path, zip, "npz");
}

std::map<std::string, NpyArray> read_npz(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("npz: cannot read '" + path + "'");
  const std::string zip((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto bad = [&](const std::string& why) { return Error("npz: '" + path + "' " + why); };
  // Find the end-of-central-directory record (no archive comment is expected, but allow one).
  if (zip.size() < 22) throw bad("is not a ZIP archive");
  size_t eocd = std::string::npos;
  for (size_t i = zip.size() - 22 + 1; i-- > 0 && zip.size() - i <= 22 + 0xffff;)
    if (get(zip, i, 4) == 0x06054b50) {
      eocd = i;
      break;
    }
  if (eocd == std::string::npos) throw bad("is not a ZIP archive");
  try {
    const uint32_t count = get(zip, eocd + 10, 2);
    size_t at = get(zip, eocd + 16, 4);
    std::map<std::string, NpyArray> arrays;
    for (uint32_t e = 0; e < count; ++e) {
      if (get(zip, at, 4) != 0x02014b50) throw bad("has a damaged central directory");
      const uint32_t method = get(zip, at + 10, 2);
      const uint32_t crc = get(zip, at + 16, 4);
      const uint32_t size = get(zip, at + 20, 4);
      const uint32_t name_len = get(zip, at + 28, 2), extra_len = get(zip, at + 30, 2), comment_len = get(zip, at + 32, 2);
      const uint32_t local = get(zip, at + 42, 4);
      std::string member = zip.substr(at + 46, name_len);
      at += 46 + name_len + extra_len + comment_len;
      if (method != 0) throw bad("member '" + member + "' is compressed (only numpy.savez's stored members are read)");
      if (get(zip, local, 4) != 0x04034b50) throw bad("has a damaged member '" + member + "'");
      const size_t data_at = local + 30 + get(zip, local + 26, 2) + get(zip, local + 28, 2);
      if (data_at + size > zip.size()) throw bad("member '" + member + "' is truncated");
      const std::string data = zip.substr(data_at, size);
      if (uint32_t(crc32(0L, reinterpret_cast<const Bytef*>(data.data()), uInt(data.size()))) != crc)
        throw bad("member '" + member + "' fails its CRC check");
      if (member.size() > 4 && member.compare(member.size() - 4, 4, ".npy") == 0) member.resize(member.size() - 4);
      arrays[member] = parse_npy(data, path + ":" + member);
    }
    return arrays;
  } catch (const std::out_of_range&) {
    throw bad("is truncated");
  }
}

}  // namespace dreamer
