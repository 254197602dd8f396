// Tests of what keeps a run safe: checkpoint checksums, divergence, the run lock, resumable parts, load.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <limits>

#include "dreamer/core/error.h"
#include "dreamer/core/runtime.h"
#include "dreamer/io/checkpoint.h"
#include "dreamer/io/crc32c.h"
#include "dreamer/nets/dist.h"
#include "dreamer/run/run_dir.h"
#include "helpers.h"

using namespace dreamer;
using dreamer::testing::preset;
namespace fs = std::filesystem;

namespace {

// A fresh directory, removed at scope exit.
struct TempDir {
  fs::path path;
  explicit TempDir(const std::string& name) : path(fs::temp_directory_path() / ("dreamer_rundir_" + name)) {
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
  std::string operator/(const std::string& f) const { return (path / f).string(); }
};

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

// A small module, its optimizer and a counter: what a checkpoint holds.
struct Saved {
  torch::nn::Linear net{torch::nn::Linear(3, 2)};
  Optimizer opt{net->parameters(), OptConfig{"adam", 1e-3, 1e-5, 100, 0}, "opt"};
  int64_t step = 7, mark = 11;
  std::string text = "events.out.tfevents.1.host";
  CheckpointParts parts() { return {{{"net", net.get()}}, {&opt}, {{"step", &step}}, {{"mark", &mark}}, {{"text", &text}}}; }
};

std::string error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(Checkpoint, HeaderHoldsThePayloadsLengthAndChecksum) {
  TempDir dir("header");
  Saved a;
  save_checkpoint(dir / "c.pt", a.parts());
  const std::string bytes = read_bytes(dir / "c.pt");
  ASSERT_GT(bytes.size(), kCheckpointHeaderSize);
  EXPECT_EQ(bytes.substr(0, 8), "DRMCKPT1");
  uint64_t length = 0;
  uint32_t crc = 0;
  for (int i = 0; i < 8; ++i) length |= uint64_t(uint8_t(bytes[size_t(8 + i)])) << (8 * i);
  for (int i = 0; i < 4; ++i) crc |= uint32_t(uint8_t(bytes[size_t(16 + i)])) << (8 * i);
  EXPECT_EQ(length, bytes.size() - kCheckpointHeaderSize);
  EXPECT_EQ(crc, crc32c(bytes.data() + kCheckpointHeaderSize, length));
  EXPECT_EQ(bytes.substr(kCheckpointHeaderSize, 2), "PK");  // the payload is LibTorch's zip archive
  EXPECT_FALSE(fs::exists(dir / "c.pt.tmp"));
}

TEST(Checkpoint, MarksAndTextsRoundTripAndMayBeAbsent) {
  TempDir dir("marks");
  Saved a;
  save_checkpoint(dir / "c.pt", a.parts());
  Saved b;
  b.step = 0, b.mark = -1, b.text = "";
  load_checkpoint(dir / "c.pt", b.parts());
  EXPECT_EQ(b.step, 7);
  EXPECT_EQ(b.mark, 11);
  EXPECT_EQ(b.text, "events.out.tfevents.1.host");
  EXPECT_TRUE(torch::equal(a.net->weight, b.net->weight));
  // A checkpoint written before a mark existed loads and leaves the mark as it was.
  CheckpointParts old_parts{{{"net", a.net.get()}}, {&a.opt}, {{"step", &a.step}}, {}, {}};
  save_checkpoint(dir / "old.pt", old_parts);
  Saved c;
  c.mark = -1, c.text = "";
  load_checkpoint(dir / "old.pt", c.parts());
  EXPECT_EQ(c.mark, -1);
  EXPECT_EQ(c.text, "");
}

// 4 KB of 0xFF in the middle of the data: detected by the checksum, nothing loaded.
TEST(Checkpoint, CorruptedDataIsRefusedBeforeAnythingChanges) {
  TempDir dir("corrupt");
  Saved a;
  save_checkpoint(dir / "c.pt", a.parts());
  std::string bytes = read_bytes(dir / "c.pt");
  ASSERT_GT(bytes.size(), 200u);
  const size_t at = bytes.size() / 2, n = std::min<size_t>(4096, bytes.size() - at - 1);
  for (size_t i = at; i < at + n; ++i) bytes[i] = '\xFF';
  write_bytes(dir / "c.pt", bytes);
  Saved b;
  const auto weight = b.net->weight.clone();
  const std::string message = error_of([&] { load_checkpoint(dir / "c.pt", b.parts()); });
  EXPECT_NE(message.find("is corrupted"), std::string::npos) << message;
  EXPECT_NE(message.find(dir / "c.pt"), std::string::npos) << message;
  EXPECT_TRUE(torch::equal(b.net->weight, weight));
  EXPECT_EQ(b.step, 7);
}

TEST(Checkpoint, TornOrForeignFilesAreRefused) {
  TempDir dir("torn");
  Saved a;
  save_checkpoint(dir / "c.pt", a.parts());
  const std::string bytes = read_bytes(dir / "c.pt");
  write_bytes(dir / "c.pt", bytes.substr(0, bytes.size() - 100));
  EXPECT_NE(error_of([&] { load_checkpoint(dir / "c.pt", a.parts()); }).find("is torn"), std::string::npos);
  write_bytes(dir / "c.pt", bytes.substr(0, 12));
  EXPECT_NE(error_of([&] { load_checkpoint(dir / "c.pt", a.parts()); }).find("is torn"), std::string::npos);
  write_bytes(dir / "c.pt", "hello, not a checkpoint");
  EXPECT_NE(error_of([&] { load_checkpoint(dir / "c.pt", a.parts()); }).find("not a dreamer checkpoint"), std::string::npos);
}

// A checkpoint of an earlier version, a bare LibTorch archive, still loads (without a checksum).
TEST(Checkpoint, BareArchivesOfEarlierVersionsLoad) {
  TempDir dir("legacy");
  Saved a;
  a.net->weight.data().fill_(0.25);
  torch::serialize::OutputArchive archive;
  for (const auto& p : a.net->named_parameters()) archive.write("net/" + p.key(), p.value().detach());
  a.opt.save(archive);
  archive.write("counter/step", torch::tensor(int64_t(42)));
  archive.save_to(dir / "old.pt");
  Saved b;
  load_checkpoint(dir / "old.pt", b.parts());
  EXPECT_EQ(b.step, 42);
  EXPECT_TRUE(torch::allclose(b.net->weight, torch::full_like(b.net->weight, 0.25)));
}

// A diverged model is never written: the previous checkpoint stays, no temporary is left.
TEST(Checkpoint, NonFiniteWeightsAreNeverSaved) {
  TempDir dir("nonfinite");
  Saved a;
  save_checkpoint(dir / "c.pt", a.parts());
  const std::string before = read_bytes(dir / "c.pt");
  {
    torch::NoGradGuard no_grad;
    a.net->bias[0] = std::numeric_limits<float>::quiet_NaN();
  }
  const std::string message = error_of([&] { save_checkpoint(dir / "c.pt", a.parts()); });
  EXPECT_NE(message.find("'net/bias' holds non-finite values"), std::string::npos) << message;
  EXPECT_EQ(read_bytes(dir / "c.pt"), before);
  EXPECT_FALSE(fs::exists(dir / "c.pt.tmp"));
}

TEST(Divergence, NonFiniteLossesAreNamedLossesFirst) {
  EXPECT_NO_THROW(require_finite({{"a_loss", 1.0}, {"b", 2.0}}, "model"));
  const double nan = std::numeric_limits<double>::quiet_NaN(), inf = std::numeric_limits<double>::infinity();
  const std::string message = error_of([&] { require_finite({{"a", nan}, {"image_loss", inf}, {"z", 0.0}}, "world model"); });
  EXPECT_EQ(message.rfind("world model: image_loss is inf", 0), 0u) << message;
  EXPECT_THROW(require_finite({{"post_ent", nan}}, "world model"), Divergence);
}

// A NaN gradient stops the step before any parameter changes.
TEST(Divergence, OptimizerRefusesANonFiniteGradient) {
  Saved a;
  const auto weight = a.net->weight.clone();
  auto loss = (a.net(torch::ones({1, 3})) * std::numeric_limits<float>::quiet_NaN()).sum();
  a.opt.backward(loss);
  try {
    a.opt.update();
    FAIL() << "no error";
  } catch (const Divergence& e) {
    EXPECT_NE(std::string(e.what()).find("opt: the gradient norm is nan"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(torch::equal(a.net->weight, weight));
}

TEST(Divergence, SamplingNonFiniteLogitsIsADivergenceNotAnInternalError) {
  auto logits = torch::zeros({2, 3});
  logits[1][2] = std::numeric_limits<float>::quiet_NaN();
  EXPECT_THROW(OneHotDist(logits).sample(), Divergence);
  EXPECT_NO_THROW(OneHotDist(torch::zeros({2, 3})).sample());
}

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

TEST(Config, SizesAndStepsAreCheckedUpFront) {
  const std::string deter = error_of([] { preset({"debug"}, {{"rssm.deter", "1e9"}}); });
  EXPECT_NE(deter.find("'rssm.deter' has value '1000000000', expected a size in [1, 65536]"), std::string::npos) << deter;
  EXPECT_NO_THROW(preset({"debug"}, {{"rssm.deter", "65536"}}));
  const std::string steps = error_of([] { preset({"debug"}, {{"steps", "400"}}); });
  EXPECT_NE(steps.find("'steps' has value '400', expected at least prefill x action_repeat = 500"), std::string::npos) << steps;
  EXPECT_NO_THROW(preset({"debug"}, {{"steps", "500"}}));
}

// threads: 0 takes the cores other processes leave free: hand-computed from the rule.
TEST(ThreadGovernor, TakesTheCoresOtherProcessesLeaveFree) {
  EXPECT_EQ(threads_for_load(2, 0.0), 2);
  EXPECT_EQ(threads_for_load(2, 0.3), 2);   // a little background work keeps every core
  EXPECT_EQ(threads_for_load(2, 0.35), 2);
  EXPECT_EQ(threads_for_load(2, 0.45), 1);  // from 0.4 of a core on, that core is taken
  EXPECT_EQ(threads_for_load(2, 0.5), 1);   // half a core taken (as when it shares a core with us)
  EXPECT_EQ(threads_for_load(2, 1.0), 1);
  EXPECT_EQ(threads_for_load(2, 3.0), 1);   // never below one
  EXPECT_EQ(threads_for_load(8, 2.2), 6);
  EXPECT_EQ(threads_for_load(8, -0.1), 8);  // rounding noise in the counters
  ThreadGovernor governor;
  EXPECT_EQ(governor.update(), governor.cores());  // nothing measured yet: every core
  const int threads = governor.update();
  EXPECT_GE(threads, 1);
  EXPECT_LE(threads, governor.cores());
}
