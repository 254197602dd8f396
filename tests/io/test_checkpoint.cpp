// Tests of checkpoints: the header's checksum, marks and texts, corrupted or torn files refused, never a
// non-finite model, and a world model and its optimizer round-tripped exactly.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <limits>

#include "dreamer/core/error.h"
#include "dreamer/io/checkpoint.h"
#include "dreamer/io/crc32c.h"
#include "helpers.h"

using namespace dreamer;
using namespace dreamer::testing;
namespace fs = std::filesystem;

namespace {

std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("dreamer_test_" + name)).string();
}

// A small module, its optimizer and a counter: what a checkpoint holds.
struct Saved {
  torch::nn::Linear net{torch::nn::Linear(3, 2)};
  Optimizer opt{net->parameters(), OptConfig{"adam", 1e-3, 1e-5, 100, 0}, "opt"};
  int64_t step = 7, mark = 11;
  std::string text = "events.out.tfevents.1.host";
  CheckpointParts parts() { return {{{"net", net.get()}}, {&opt}, {{"step", &step}}, {{"mark", &mark}}, {{"text", &text}}}; }
};

}  // namespace

TEST(WorldModel, SaveAndLoadRoundTripModelAndOptimizer) {
  auto cfg = preset({"debug"});
  auto batch = moving_square(4, 8);
  auto a = make_model(cfg, 1);
  for (int i = 0; i < 3; ++i) a->train(batch);
  int64_t step = 3;
  const auto path = temp_path("wm.pt");
  save_checkpoint(path, {{{"world_model", a.get()}}, {&a->optimizer()}, {{"step", &step}}, {}, {}});

  auto b = make_model(cfg, 2);
  int64_t loaded_step = 0;
  load_checkpoint(path, {{{"world_model", b.get()}}, {&b->optimizer()}, {{"step", &loaded_step}}, {}, {}});
  EXPECT_EQ(loaded_step, 3);
  auto pa = a->named_parameters(), pb = b->named_parameters();
  for (const auto& item : pa) EXPECT_TRUE(torch::equal(item.value(), pb[item.key()])) << item.key();
  // The optimizer state came along: the next step is identical too.
  torch::manual_seed(5);
  auto la = a->train(batch).second.at("model_loss");
  torch::manual_seed(5);
  auto lb = b->train(batch).second.at("model_loss");
  EXPECT_EQ(la, lb);
  for (const auto& item : pa) EXPECT_TRUE(torch::equal(item.value(), pb[item.key()])) << item.key();
  std::filesystem::remove(path);
}

TEST(WorldModel, LoadingABadCheckpointIsAnErrorNamingIt) {
  auto cfg = preset({"debug"});
  auto wm = make_model(cfg, 0);
  const auto path = temp_path("garbage.pt");
  { std::ofstream(path) << "not a checkpoint"; }
  try {
    load_checkpoint(path, {{{"world_model", wm.get()}}, {}, {}, {}, {}});
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos);
  }
  // A checkpoint of another model size is refused too.
  auto big = WorldModel(preset({"debug"}, {{"rssm.deter", "48"}}), square_space(), square_actions());
  save_checkpoint(path, {{{"world_model", big.get()}}, {}, {}, {}, {}});
  EXPECT_THROW(load_checkpoint(path, {{{"world_model", wm.get()}}, {}, {}, {}, {}}), Error);
  std::filesystem::remove(path);
}

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
