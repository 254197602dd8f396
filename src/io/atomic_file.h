// Atomic, durable whole-file writes: a temporary file beside the target, fsync, then rename.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace dreamer {

/// A file written to `<path>.tmp` in pieces and put in place by commit(): the temporary is
/// fsynced, renamed over `path` and the directory fsynced, so readers see the old file or the
/// whole new one, also after a crash or a power cut. A failed write (a full disk: ENOSPC) throws
/// dreamer::Error("<what>: cannot write '<path>': <reason>") and removes the temporary; so does
/// destroying it without commit(). `path` itself is untouched until commit() succeeds.
class AtomicFile {
 public:
  AtomicFile(std::string path, std::string what);
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  /// Appends `size` bytes.
  void write(const void* data, size_t size);
  /// Overwrites `size` bytes at `offset` (< the bytes written so far), e.g. a header.
  void write_at(uint64_t offset, const void* data, size_t size);
  uint64_t size() const { return size_; }
  void commit();

 private:
  [[noreturn]] void fail(const std::string& step, int error);

  std::string path_, tmp_, what_;
  int fd_ = -1;
  uint64_t size_ = 0;
};

/// Writes `bytes` to `path` through an AtomicFile.
void write_file_atomically(const std::string& path, const char* data, size_t size, const std::string& what);
void write_file_atomically(const std::string& path, const std::vector<uint8_t>& bytes,
                           const std::string& what);
void write_file_atomically(const std::string& path, const std::string& text, const std::string& what);

/// Words for a failed write's errno: strerror, and for ENOSPC / EDQUOT that the disk is full.
std::string write_error_text(int error);

}  // namespace dreamer
