// Tests of the run directory: the run lock, resumable parts, configs that changed or were edited.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>

#include "dreamer/core/error.h"
#include "dreamer/run/run_dir.h"
#include "helpers.h"

using namespace dreamer;
using namespace dreamer::testing;
namespace fs = std::filesystem;

// flock locks belong to an open file: a second lock in this process conflicts as another process's would.
TEST(RunLock, SecondHolderIsRefusedUntilTheFirstIsGone) {
  TempDir dir("lock");
  const std::string logdir = dir / "run";
  {
    RunLock first(logdir);
    const std::string message = error_of([&] { RunLock second(logdir); });
    EXPECT_NE(message.find("is in use by another dreamer process (pid " + std::to_string(getpid()) + ")"),
              std::string::npos) << message;
  }
  EXPECT_NO_THROW(RunLock again(logdir));
}

TEST(RunDir, LogdirMayMoveOtherKeysMayNot) {
  EXPECT_TRUE(resumable_key("logdir"));
  EXPECT_TRUE(resumable_key("steps"));
  EXPECT_FALSE(resumable_key("seed"));
  EXPECT_FALSE(resumable_key("model_opt.lr"));
}

// A run directory written before the `atari` block existed resumes under today's config, and is refused
// when an Atari key really differs; moved ROMs (atari.rom_dir) are no difference.
TEST(RunDir, AConfigWrittenBeforeTheAtariBlockResumes) {
  TempDir dir("older");
  const std::string yaml = load_config(default_configs_path(), {"debug"}, {}).yaml;
  std::string old = yaml;
  const size_t at = old.find("\natari:");
  ASSERT_NE(at, std::string::npos);
  old.erase(at, old.find('\n', old.find("resize", at)) - at);
  fs::create_directories(dir / "run");
  write_bytes(dir / "run/config.yaml", old);
  EXPECT_TRUE(prepare_logdir(dir / "run", yaml));
  const std::string other = load_config(default_configs_path(), {"debug"}, {{"atari.noops", "5"}}).yaml;
  const std::string message = error_of([&] { prepare_logdir(dir / "run", other); });
  EXPECT_NE(message.find("key 'atari.noops' differs"), std::string::npos) << message;
  const std::string moved = load_config(default_configs_path(), {"debug"}, {{"atari.rom_dir", "/roms"}}).yaml;
  EXPECT_TRUE(prepare_logdir(dir / "run", moved));
  EXPECT_TRUE(resumable_key("atari.rom_dir"));
}

TEST(RunDir, PartsOfARunAreRefusedAndLeftAsTheyAre) {
  TempDir dir("parts");
  const std::string yaml = load_config(default_configs_path(), {"debug"}, {}).yaml;
  // A new directory (RunLock made it): config.yaml written, not resuming.
  fs::create_directories(dir / "new");
  EXPECT_FALSE(prepare_logdir(dir / "new", yaml));
  EXPECT_EQ(read_bytes(dir / "new/config.yaml"), yaml);
  EXPECT_TRUE(prepare_logdir(dir / "new", yaml));  // no checkpoint, no episodes: starts again
  // A resumable key that differs is accepted but written only by update_run_config.
  const std::string longer = load_config(default_configs_path(), {"debug"}, {{"steps", "9000"}}).yaml;
  EXPECT_TRUE(prepare_logdir(dir / "new", longer));
  EXPECT_EQ(read_bytes(dir / "new/config.yaml"), yaml);
  update_run_config(dir / "new", longer);
  EXPECT_EQ(read_bytes(dir / "new/config.yaml"), longer);
  update_run_config(dir / "new", yaml);
  // A checkpoint without config.yaml.
  fs::create_directories(dir / "ckpt_only");
  write_bytes(dir / "ckpt_only/checkpoint.pt", "weights");
  std::string message = error_of([&] { prepare_logdir(dir / "ckpt_only", yaml); });
  EXPECT_NE(message.find("holds checkpoint.pt but no config.yaml"), std::string::npos) << message;
  EXPECT_FALSE(fs::exists(dir / "ckpt_only/config.yaml"));
  // Episodes without config.yaml.
  fs::create_directories(dir / "eps_only/train_episodes");
  write_bytes(dir / "eps_only/train_episodes/00000000-5.npz", "x");
  message = error_of([&] { prepare_logdir(dir / "eps_only", yaml); });
  EXPECT_NE(message.find("holds 1 episode files but no config.yaml"), std::string::npos) << message;
  // config.yaml and episodes without a checkpoint.
  fs::create_directories(dir / "new/train_episodes");
  write_bytes(dir / "new/train_episodes/00000000-5.npz", "x");
  message = error_of([&] { prepare_logdir(dir / "new", yaml); });
  EXPECT_NE(message.find("but no checkpoint.pt"), std::string::npos) << message;
}

TEST(RunDir, HandEditedConfigIsNamedWithItsFile) {
  TempDir dir("edited");
  std::string yaml = load_config(default_configs_path(), {"debug"}, {}).yaml;
  fs::create_directories(dir / "run");
  prepare_logdir(dir / "run", yaml);
  std::string edited = yaml;
  edited.replace(edited.find("{batch: 16"), 10, "{batch: xx");
  write_bytes(dir / "run/config.yaml", edited);
  const std::string message = error_of([&] { prepare_logdir(dir / "run", yaml); });
  EXPECT_NE(message.find("config.yaml': config: key 'dataset.batch' has value 'xx'"), std::string::npos) << message;
  EXPECT_EQ(read_bytes(dir / "run/config.yaml"), edited);
}

