// Atomic, durable whole-file writes: a temporary file beside the target, fsync, then rename.
#include "io/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "dreamer/core/error.h"

namespace dreamer {

std::string write_error_text(int error) {
  std::string text = std::strerror(error);
  if (error == ENOSPC || error == EDQUOT) text += " (the disk is full)";
  return text;
}

AtomicFile::AtomicFile(std::string path, std::string what)
    : path_(std::move(path)), tmp_(path_ + ".tmp"), what_(std::move(what)) {
  fd_ = ::open(tmp_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd_ < 0) fail("cannot create '" + tmp_ + "'", errno);
}

AtomicFile::~AtomicFile() {
  if (fd_ >= 0) {
    ::close(fd_);
    ::unlink(tmp_.c_str());
  }
}

void AtomicFile::fail(const std::string& step, int error) {
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
  ::unlink(tmp_.c_str());
  throw Error(what_ + ": cannot write '" + path_ + "' (" + step + "): " + write_error_text(error));
}

void AtomicFile::write(const void* data, size_t size) {
  write_at(size_, data, size);
}

void AtomicFile::write_at(uint64_t offset, const void* data, size_t size) {
  if (fd_ < 0) throw Error(what_ + ": '" + path_ + "' was already committed or failed");
  const auto* p = static_cast<const char*>(data);
  while (size > 0) {
    const ssize_t n = ::pwrite(fd_, p, size, off_t(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail("writing '" + tmp_ + "'", errno);
    if (n == 0) fail("writing '" + tmp_ + "'", ENOSPC);
    p += n;
    size -= size_t(n);
    offset += uint64_t(n);
  }
  size_ = std::max(size_, offset);
}

void AtomicFile::commit() {
  if (fd_ < 0) throw Error(what_ + ": '" + path_ + "' was already committed or failed");
  if (::fsync(fd_) != 0) fail("syncing '" + tmp_ + "'", errno);
  const int fd = fd_;
  fd_ = -1;  // closed here, whatever close() says
  if (::close(fd) != 0) fail("closing '" + tmp_ + "'", errno);
  if (::rename(tmp_.c_str(), path_.c_str()) != 0) fail("renaming '" + tmp_ + "'", errno);
  // The rename is durable once the directory is synced; a failure here leaves the new file in place.
  std::string dir = std::filesystem::path(path_).parent_path().string();
  if (dir.empty()) dir = ".";
  const int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd >= 0) {
    ::fsync(dir_fd);
    ::close(dir_fd);
  }
}

void write_file_atomically(const std::string& path, const char* data, size_t size, const std::string& what) {
  AtomicFile file(path, what);
  file.write(data, size);
  file.commit();
}

void write_file_atomically(const std::string& path, const std::vector<uint8_t>& bytes, const std::string& what) {
  write_file_atomically(path, reinterpret_cast<const char*>(bytes.data()), bytes.size(), what);
}

void write_file_atomically(const std::string& path, const std::string& text, const std::string& what) {
  write_file_atomically(path, text.data(), text.size(), what);
}

}  // namespace dreamer
