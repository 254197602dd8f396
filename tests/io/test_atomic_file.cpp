// Tests for AtomicFile: whole files or nothing, the previous file kept and no temporary left on failure.
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <csignal>
#include <filesystem>
#include <string>

#include "dreamer/core/error.h"
#include "io/atomic_file.h"
#include "io_test_util.h"

namespace dreamer {
namespace {

using io_testing::read_bytes;
using io_testing::ScratchDir;

TEST(AtomicFile, WritesPiecesAndAHeaderThenReplacesTheFile) {
  ScratchDir dir;
  const std::string path = dir.path() + "/f";
  write_file_atomically(path, std::string("old"), "test");
  {
    AtomicFile file(path, "test");
    file.write("....", 4);
    file.write("body", 4);
    EXPECT_EQ(read_bytes(path), "old");  // untouched until commit
    file.write_at(0, "head", 4);
    EXPECT_EQ(file.size(), 8u);
    file.commit();
  }
  EXPECT_EQ(read_bytes(path), "headbody");
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
}

TEST(AtomicFile, AbandonedWriteLeavesThePreviousFile) {
  ScratchDir dir;
  const std::string path = dir.path() + "/f";
  write_file_atomically(path, std::string("old"), "test");
  {
    AtomicFile file(path, "test");
    file.write("new", 3);
  }  // destroyed without commit (an exception on the way)
  EXPECT_EQ(read_bytes(path), "old");
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
}

// A write the file system refuses (here the file-size limit, as a full disk would): an Error that
// names the file and the reason, the previous file intact and no temporary.
TEST(AtomicFile, FailedWriteThrowsAndKeepsThePreviousFile) {
  ScratchDir dir;
  const std::string path = dir.path() + "/f";
  write_file_atomically(path, std::string("old"), "test");
  rlimit saved{};
  ASSERT_EQ(getrlimit(RLIMIT_FSIZE, &saved), 0);
  auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
  rlimit small = saved;
  small.rlim_cur = 4096;
  ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &small), 0);
  std::string message;
  try {
    write_file_atomically(path, std::string(10000, 'x'), "test");
  } catch (const Error& e) {
    message = e.what();
  }
  setrlimit(RLIMIT_FSIZE, &saved);
  std::signal(SIGXFSZ, old_handler);
  EXPECT_NE(message.find("test: cannot write '" + path + "'"), std::string::npos) << message;
  EXPECT_NE(message.find("too large"), std::string::npos) << message;
  EXPECT_EQ(read_bytes(path), "old");
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
}

TEST(AtomicFile, FullDiskIsNamed) {
  EXPECT_NE(write_error_text(ENOSPC).find("the disk is full"), std::string::npos);
  EXPECT_EQ(write_error_text(EACCES).find("the disk is full"), std::string::npos);
}

TEST(AtomicFile, MissingDirectoryIsAnError) {
  ScratchDir dir;
  EXPECT_THROW(write_file_atomically(dir.path() + "/no/such/f", std::string("x"), "test"), Error);
}

}  // namespace
}  // namespace dreamer
