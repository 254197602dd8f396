// Fuzzing of the user-file readers (.npz, configs, checkpoints): a libFuzzer entry point and a bounded driver.
//
// The contract checked for every input: the reader returns or throws dreamer::Error. Any other
// exception, a sanitizer report (ASan, UBSan), a crash or a hang is a failure; the driver then
// prints the reader and the iteration and saves the input to a file whose path it prints.
//
// Two ways to run it:
//  * the driver (this file's main, ctest's fuzz_* tests):
//      fuzz_readers <npz|config|checkpoint> <iterations> <seed> [--out DIR] [--keep-going]
//                   [--allow-known] [--timeout SECONDS]
//    builds seed inputs with the library's own writers, runs them, then a fixed-seed mutation loop.
//    It stops at the first failure; --keep-going reports each kind of failure once and goes on (the
//    loop then runs in a child process, started again after the iteration that crashed it).
//      fuzz_readers --replay <npz|config-stored|config-file|checkpoint|entry> FILE...
//    runs saved inputs again ("entry": libFuzzer inputs, selector byte first);
//      fuzz_readers --write-seeds DIR
//    writes the seeds, also as libFuzzer inputs (*.entry): a starting corpus.
//  * libFuzzer (clang only): compile with -DDREAMER_LIBFUZZER -fsanitize=fuzzer,address,undefined;
//    LLVMFuzzerTestOneInput's first byte selects the reader (see kSelectors).
//
// Known findings (reader bugs that are reported, not fixed here) are listed in kKnownFindings. By
// default they fail the run like any other; --allow-known (or DREAMER_FUZZ_ALLOW_KNOWN=1) tolerates
// them so that the rest can still be fuzzed. The checkpoint file format is known only to
// split_checkpoint/join_checkpoint.
#include <cxxabi.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <signal.h>
#include <unistd.h>

#include <torch/torch.h>
#include <zlib.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <new>
#include <optional>
#include <string>
#include <typeinfo>
#include <utility>
#include <vector>

#include "dreamer/core/config.h"
#include "dreamer/core/error.h"
#include "dreamer/io/checkpoint.h"
#include "dreamer/io/crc32c.h"
#include "dreamer/io/npz.h"
#include "dreamer/nets/optimizer.h"
#include "dreamer/replay/replay.h"

#if defined(__SANITIZE_ADDRESS__)
#define DREAMER_FUZZ_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define DREAMER_FUZZ_ASAN 1
#endif
#endif
#ifdef DREAMER_FUZZ_ASAN
#include <dlfcn.h>
#include <sanitizer/common_interface_defs.h>
#endif

namespace fs = std::filesystem;

namespace {

// =============================================================================================
// The checkpoint container format: THE ONLY CODE HERE THAT KNOWS IT.
// Current format: a 24-byte header [0-7 "DRMCKPT1", 8-15 payload length uint64 LE, 16-19 CRC32C of
// the payload uint32 LE, 20-23 zero] followed by the payload (a LibTorch OutputArchive zip).
// Earlier format: the bare zip ("PK..."), no header.
// =============================================================================================
struct CheckpointLayout {
  std::string header;   // empty for the earlier, bare-zip format
  std::string payload;  // the LibTorch archive
};

constexpr char kCkptMagic[] = "DRMCKPT1";
constexpr size_t kCkptHeaderSize = 24;

// Splits a checkpoint file as save_checkpoint wrote it; throws std::runtime_error on a layout this
// helper does not know (the harness then needs updating).
CheckpointLayout split_checkpoint(const std::string& file) {
  if (file.size() >= kCkptHeaderSize && file.compare(0, 8, kCkptMagic) == 0)
    return {file.substr(0, kCkptHeaderSize), file.substr(kCkptHeaderSize)};
  if (file.size() >= 2 && file.compare(0, 2, "PK") == 0) return {"", file};
  throw std::runtime_error("fuzz: the seed checkpoint has an unknown layout (neither \"DRMCKPT1\" nor a bare zip); "
                           "update split_checkpoint/join_checkpoint in tests/fuzz/fuzz_readers.cpp");
}

// A file of `like`'s layout holding `payload`: with a header, its length and CRC32C are rewritten
// so that the (mutated) payload passes the checks and reaches LibTorch's parser.
std::string join_checkpoint(const CheckpointLayout& like, const std::string& payload) {
  if (like.header.empty()) return payload;
  std::string header = like.header;
  const uint64_t length = payload.size();
  const uint32_t crc = dreamer::crc32c(payload.data(), payload.size());
  for (int i = 0; i < 8; ++i) header[size_t(8 + i)] = char(uint8_t(length >> (8 * i)));
  for (int i = 0; i < 4; ++i) header[size_t(16 + i)] = char(uint8_t(crc >> (8 * i)));
  return header + payload;
}
// ============================ end of the checkpoint format helper ============================

// ---------------------------------------------------------------------------------------------
// Targets: what one input is fed to.
// ---------------------------------------------------------------------------------------------
enum class Target { npz, config_stored, config_file, checkpoint };

const char* target_name(Target t) {
  switch (t) {
    case Target::npz: return "npz";
    case Target::config_stored: return "config-stored";
    case Target::config_file: return "config-file";
    case Target::checkpoint: return "checkpoint";
  }
  return "?";
}
const char* target_ext(Target t) {
  switch (t) {
    case Target::npz: return ".npz";
    case Target::config_stored: case Target::config_file: return ".yaml";
    case Target::checkpoint: return ".ckpt";
  }
  return ".bin";
}

// One reader call whose exception was neither absent nor dreamer::Error.
struct Escape {
  std::string reader, type, what;
};

struct Outcome {
  int accepted = 0, rejected = 0;
  std::vector<Escape> escapes;
};

std::string demangle(const char* name) {
  int status = 0;
  char* d = abi::__cxa_demangle(name, nullptr, nullptr, &status);
  std::string out = status == 0 && d ? d : name;
  std::free(d);
  return out;
}

// Set before each reader call; read by the crash reporters below (plain data: signal handlers read it).
const char* g_reader = "(none)";

// Runs one reader call under the contract.
template <typename F>
void contract(const char* reader, Outcome& out, F&& call) {
  g_reader = reader;
  try {
    call();
    ++out.accepted;
  } catch (const dreamer::Error&) {
    ++out.rejected;
  } catch (const std::exception& e) {
    out.escapes.push_back({reader, demangle(typeid(e).name()), e.what()});
  } catch (...) {
    const std::type_info* t = abi::__cxa_current_exception_type();
    out.escapes.push_back({reader, t ? demangle(t->name()) : "unknown", ""});
  }
  g_reader = "(none)";
}

// The fixed parts the readers are given.
const dreamer::ObsSpace kSpace{4, 3, 2, 255};
constexpr int64_t kActDim = 2;

dreamer::OptConfig opt_config() {
  dreamer::OptConfig c;
  c.opt = "adam";
  c.lr = 1e-3;
  c.eps = 1e-5;
  c.clip = 100;
  c.wd = 0;
  return c;
}

// What a checkpoint of the seed holds: a Linear, its optimizer and a counter.
struct CheckpointModel {
  torch::nn::Linear linear{torch::nn::LinearOptions(3, 2)};
  std::unique_ptr<dreamer::Optimizer> optimizer;
  int64_t step = 0;

  CheckpointModel() { optimizer = std::make_unique<dreamer::Optimizer>(linear->parameters(), opt_config(), "model_opt"); }
  dreamer::CheckpointParts parts() {
    dreamer::CheckpointParts p;  // fields by name: the struct grows over versions
    p.modules = {{"net", linear.ptr().get()}};
    p.optimizers = {optimizer.get()};
    p.counters = {{"step", &step}};
    return p;
  }
};

void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), std::streamsize(bytes.size()));
  if (!out) {
    std::fprintf(stderr, "fuzz: cannot write '%s'\n", path.c_str());
    std::exit(2);
  }
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("fuzz: cannot read '" + path + "'");
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// Scratch files and the fixed inputs, made once per process.
struct Context {
  std::string scratch;        // private temporary directory
  std::string configs_path;   // the shipped configs.yaml
  std::string stored_config;  // a valid full config (the debug preset), for the configs-file target
  std::string stored_config_path;
  std::string input_path[4];  // per target: where its input is written for the reader

  Context() {
    std::string tmpl = (fs::temp_directory_path() / "dreamer_fuzz.XXXXXX").string();
    if (!mkdtemp(tmpl.data())) {
      std::perror("fuzz: mkdtemp");
      std::exit(2);
    }
    scratch = tmpl;
    configs_path = dreamer::default_configs_path();
    stored_config = dreamer::load_config(configs_path, {"debug"}, {}).yaml;
    stored_config_path = scratch + "/stored_config.yaml";
    write_file(stored_config_path, stored_config);
    for (Target t : {Target::npz, Target::config_stored, Target::config_file, Target::checkpoint})
      input_path[int(t)] = scratch + "/input-" + target_name(t) + target_ext(t);
    torch::set_num_threads(1);
  }
  ~Context() {
    std::error_code ec;
    fs::remove_all(scratch, ec);
  }
};

Context& context() {
  static Context c;
  return c;
}

// Feeds `bytes` to every reader of `target`; each call is checked on its own.
Outcome run_target(Target target, const std::string& bytes) {
  Context& ctx = context();
  const std::string& path = ctx.input_path[int(target)];
  write_file(path, bytes);
  Outcome out;
  switch (target) {
    case Target::npz:
      contract("read_npz", out, [&] { dreamer::read_npz(path); });
      contract("load_episode", out, [&] { dreamer::load_episode(path, kSpace, kActDim); });
      break;
    case Target::config_stored:
      contract("parse_config", out, [&] { dreamer::parse_config(bytes); });
      contract("load_stored_config", out, [&] { dreamer::load_stored_config(path, ctx.configs_path, {}); });
      // With overrides too, as `dreamer train --logdir X --key value` resumes a run.
      contract("load_stored_config+overrides", out, [&] {
        dreamer::load_stored_config(path, ctx.configs_path, {{"rssm.deter", "32"}, {"encoder.cnn_kernels", "[4, 4]"}});
      });
      break;
    case Target::config_file:
      // A user's configs file (--configs): presets and the defaults other configs are typed against.
      contract("load_config", out, [&] { dreamer::load_config(path, {"debug"}, {{"rssm.deter", "32"}}); });
      contract("load_stored_config(configs)", out,
               [&] { dreamer::load_stored_config(ctx.stored_config_path, path, {{"rssm.deter", "32"}}); });
      break;
    case Target::checkpoint:
      contract("load_checkpoint", out, [&] {
        CheckpointModel model;  // fresh each time: one input's outcome must not depend on the previous
        dreamer::load_checkpoint(path, model.parts());
      });
      break;
  }
  return out;
}

std::string shorten(const std::string& s, size_t n = 400) {
  std::string out = s.substr(0, n);
  if (s.size() > n) out += " [...]";
  return out;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// libFuzzer entry point: the first byte selects the reader, the rest is the file.
// ---------------------------------------------------------------------------------------------
namespace {
enum Selector : uint8_t { kNpz, kConfigStored, kConfigFile, kCheckpointFile, kCheckpointPayload, kSelectors };

// For kCheckpointPayload: the seed checkpoint's layout, so that a payload gets a valid header.
const CheckpointLayout& seed_checkpoint_layout();
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const uint8_t selector = data[0] % kSelectors;
  std::string bytes(reinterpret_cast<const char*>(data + 1), size - 1);
  Target target = Target::checkpoint;
  switch (selector) {
    case kNpz: target = Target::npz; break;
    case kConfigStored: target = Target::config_stored; break;
    case kConfigFile: target = Target::config_file; break;
    case kCheckpointFile: break;
    case kCheckpointPayload: bytes = join_checkpoint(seed_checkpoint_layout(), bytes); break;
  }
  Outcome out = run_target(target, bytes);
  for (const auto& e : out.escapes) {
    std::fprintf(stderr, "fuzz: %s let %s escape: %s\n", e.reader.c_str(), e.type.c_str(), shorten(e.what).c_str());
    std::abort();  // libFuzzer saves the input
  }
  return 0;
}

// ---------------------------------------------------------------------------------------------
// Seeds: made with the library's own writers.
// ---------------------------------------------------------------------------------------------
namespace {

std::string seed_checkpoint() {
  torch::manual_seed(0);
  CheckpointModel model;
  model.step = 12345;
  model.optimizer->step(model.linear(torch::ones({4, 3})).pow(2).sum());  // Adam state to save
  const std::string path = context().scratch + "/seed.ckpt";
  dreamer::save_checkpoint(path, model.parts());
  return read_file(path);
}

const CheckpointLayout& seed_checkpoint_layout() {
  static const CheckpointLayout layout = split_checkpoint(seed_checkpoint());
  return layout;
}

}  // namespace

#ifdef DREAMER_FUZZ_ASAN
// Defaults for a run without ASAN_OPTIONS (ctest sets the same ones; see CMakeLists.txt):
// LibTorch is not instrumented and leaks at exit by design, so no leak check; abort() (from
// std::terminate or an assert in an uninstrumented library) is reported with a stack like a crash.
extern "C" const char* __asan_default_options() {
  return "detect_leaks=0:detect_container_overflow=0:handle_abort=1:max_allocation_size_mb=2048";
}
extern "C" const char* __ubsan_default_options() { return "print_stacktrace=1:halt_on_error=1"; }
#endif

// Everything below is the driver, which a libFuzzer build (-DDREAMER_LIBFUZZER) replaces.
#ifndef DREAMER_LIBFUZZER
namespace {

// ---------------------------------------------------------------------------------------------
// Known findings: reader bugs this harness found that are not fixed yet (reported, not fixed here).
// By default each fails the run like any other finding; --allow-known (or
// DREAMER_FUZZ_ALLOW_KNOWN=1) tolerates them so that the rest can still be fuzzed. An escaped
// exception is matched by reader, type and message; a crash (a sanitizer report, a signal) by
// reader and by two texts of its report: with --allow-known or --keep-going the loop runs in a
// child process, and the driver goes on after the iteration that crashed it.
// ---------------------------------------------------------------------------------------------
struct KnownFinding {
  const char* id;
  const char* reader;  // as named in run_target
  bool crash;          // false: an escaped exception; true: a crash
  const char* text1;   // exception: part of its type; crash: part of the report
  const char* text2;   // exception: part of its message; crash: another part of the report
};

const KnownFinding kKnownFindings[] = {  // at most 32 (Record::tolerated_by_finding)
    // LibTorch 1.13 bug: SEGV in TorchScript's ScriptTypeParser::parseClassConstant when a class in
    // the archive's code/*.py has a constant (a line `  x = 1`). Reachable only with a valid
    // checksum (a crafted file), so ctest's fuzz_checkpoint runs with --allow-known.
    {"ckpt-class-constant-segv", "load_checkpoint", true, "SEGV", "parseClassConstant"},
    // LibTorch allocates what a size in the archive says before checking it against the data: 4 GiB
    // and more for a 10 KiB file (a zip record's size in PyTorchStreamReader::getRecord, a string
    // length in Unpickler::readBytes, a memo index in Unpickler::setInput). Without ASan that is a
    // failed allocation (an Error) or memory the machine has; also behind a valid checksum only.
    {"ckpt-libtorch-huge-alloc", "load_checkpoint", true, "allocation-size-too-big", ""},
    {"ckpt-libtorch-huge-alloc", "load_checkpoint", true, "allocator is out of memory", ""},
};

const KnownFinding* known_escape(const Escape& e) {
  for (const auto& k : kKnownFindings)
    if (!k.crash && e.reader == k.reader && e.type.find(k.text1) != std::string::npos &&
        e.what.find(k.text2) != std::string::npos)
      return &k;
  return nullptr;
}

// `report`: what a crashed process wrote to stderr for `reader`.
const KnownFinding* known_crash(const std::string& reader, const std::string& report) {
  for (const auto& k : kKnownFindings)
    if (k.crash && reader == k.reader && report.find(k.text1) != std::string::npos &&
        report.find(k.text2) != std::string::npos)
      return &k;
  return nullptr;
}

// An episode of `length` steps as save_episode writes it.
std::string seed_episode(int64_t length) {
  dreamer::Episode ep{kSpace, kActDim, {}, {}, {}, {}, {}, {}};
  std::vector<uint8_t> obs(static_cast<size_t>(kSpace.size()));
  std::vector<float> act(static_cast<size_t>(kActDim));
  for (int64_t t = 0; t < length; ++t) {
    for (size_t i = 0; i < obs.size(); ++i) obs[i] = uint8_t(t * 31 + int64_t(i));
    for (size_t i = 0; i < act.size(); ++i) act[i] = t == 0 ? 0.0f : float(t) - 0.5f * float(i);
    dreamer::TimeStep ts{float(t) * 0.25f, t == 0, t + 1 == length, t + 1 == length};
    ep.append(obs.data(), act.data(), ts);
  }
  const std::string path = context().scratch + "/seed.npz";
  dreamer::save_episode(path, ep);
  return read_file(path);
}

// ---------------------------------------------------------------------------------------------
// The mutator: deterministic for a given seed.
// ---------------------------------------------------------------------------------------------
class Rng {
 public:
  explicit Rng(uint64_t seed) : s_(seed) {}
  uint64_t next() {  // splitmix64
    uint64_t z = (s_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  size_t below(size_t n) { return n ? size_t(next() % n) : 0; }
  bool chance(unsigned one_in) { return below(one_in) == 0; }

 private:
  uint64_t s_;
};

constexpr size_t kMaxInput = 4 << 20;

const std::vector<std::string> kNpzTokens = {
    "'descr': '", "<f4", "<f8", "|u1", "|b1", "<i8", ">f4", "<U9", "|O", "'fortran_order': True",
    "'shape': (", "(", ")", ",", ", ", "0", "0,", "1", "99999999999", "4294967296", "9223372036854775807", "3037000500",
    "99999999999999999999", std::string("\x93NUMPY\x01\x00", 8), std::string("\x93NUMPY\x02\x00", 8),
    "PK\x03\x04", "PK\x01\x02", "PK\x05\x06", ".npy", "reward", "image", "action", "is_first"};
const std::vector<std::string> kYamlTokens = {
    ": ", "- ", "[", "]", "{", "}", ", ", "&a ", "*a", "<<: *a", "!!binary ", "!!int ", "!!map ", "!!seq ", "? ",
    "|\n", ">\n", "'", "\"", "#", "\n", "  ", "---\n", "...\n", "~", "null", "true", "1e309", "-1e309", ".nan",
    ".inf", "-1", "0", "2147483648", "-2147483649", "9223372036854775807", "9.1e15", "1e-320", "0x10", "\t",
    "%YAML 1.2\n", "!<tag:yaml.org,2002:str> ", "? [a, b]\n: 1\n", "[1]: 2\n", "{a: 1}: 2\n", "[[[[[[[[",
    "{a: {b: {c: ", "\\u0000"};
const std::vector<std::string> kCheckpointTokens = {
    "PK\x03\x04", "PK\x01\x02", "PK\x05\x06", "PK\x06\x06", "PK\x06\x07", "data.pkl", "constants.pkl", "version",
    "archive/", "data/0", "\x80\x02", ".", "torch", "FloatStorage", "LongStorage", "_rebuild_tensor_v2", "tensor"};

// A byte string, `width` bytes of `v`, little- or big-endian.
std::string encode(uint64_t v, int width, bool big) {
  std::string s(size_t(width), '\0');
  for (int i = 0; i < width; ++i) s[size_t(big ? width - 1 - i : i)] = char(uint8_t(v >> (8 * i)));
  return s;
}

// The stored members (name, bytes) of a ZIP in local-header order, ignoring the CRCs and the central
// directory; nullopt when there is none. Only for inputs this harness built.
std::optional<std::vector<std::pair<std::string, std::string>>> zip_members(const std::string& zip) {
  auto u = [&](size_t at, int width) {
    uint64_t v = 0;
    for (int i = 0; i < width; ++i) v |= uint64_t(uint8_t(zip[at + size_t(i)])) << (8 * i);
    return v;
  };
  std::vector<std::pair<std::string, std::string>> out;
  size_t at = 0;
  while (at + 30 <= zip.size() && u(at, 4) == 0x04034b50) {
    const size_t size = u(at + 18, 4), name_at = at + 30, data_at = name_at + u(at + 26, 2) + u(at + 28, 2);
    if (data_at > zip.size() || size > zip.size() - data_at) return std::nullopt;
    out.emplace_back(zip.substr(name_at, u(at + 26, 2)), zip.substr(data_at, size));
    at = data_at + size;
  }
  if (out.empty()) return std::nullopt;
  return out;
}

// An uncompressed ZIP of `members` with correct CRCs, offsets and sizes.
std::string make_zip(const std::vector<std::pair<std::string, std::string>>& members) {
  std::string zip, central;
  auto put = [](std::string& s, uint64_t v, int width) { s += encode(v, width, false); };
  for (const auto& [name, data] : members) {
    const uint32_t crc = uint32_t(crc32(0L, reinterpret_cast<const Bytef*>(data.data()), uInt(data.size())));
    const uint64_t local = zip.size();
    put(zip, 0x04034b50, 4);
    for (uint64_t v : {20, 0, 0, 0, 0x21}) put(zip, v, 2);  // version, flags, stored, time, date
    put(zip, crc, 4);
    put(zip, data.size(), 4);
    put(zip, data.size(), 4);
    put(zip, name.size(), 2);
    put(zip, 0, 2);
    zip += name + data;
    put(central, 0x02014b50, 4);
    for (uint64_t v : {20, 20, 0, 0, 0, 0x21}) put(central, v, 2);
    put(central, crc, 4);
    put(central, data.size(), 4);
    put(central, data.size(), 4);
    for (uint64_t v : {uint64_t(name.size()), uint64_t(0), uint64_t(0), uint64_t(0), uint64_t(0)}) put(central, v, 2);
    put(central, 0, 4);
    put(central, local, 4);
    central += name;
  }
  const uint64_t central_at = zip.size();
  zip += central;
  put(zip, 0x06054b50, 4);
  for (uint64_t v : {uint64_t(0), uint64_t(0), uint64_t(members.size()), uint64_t(members.size())}) put(zip, v, 2);
  put(zip, central.size(), 4);
  put(zip, central_at, 4);
  put(zip, 0, 2);
  return zip;
}

void mutate_once(std::string& b, Rng& r, const std::vector<std::string>& tokens) {
  static const uint8_t kInteresting[] = {0x00, 0xFF, 0x7F, 0x80};
  static const uint64_t kBoundary[] = {0, 1, 2, 0x7F, 0x80, 0xFF, 0x100, 0x7FFF, 0x8000, 0xFFFF, 0x10000,
                                       0x7FFFFFFF, 0x80000000, 0xFFFFFFFE, 0xFFFFFFFF, 0x100000000ULL,
                                       0x7FFFFFFFFFFFFFFFULL, 0x8000000000000000ULL, 0xFFFFFFFFFFFFFFFFULL};
  const size_t n = b.size();
  auto pos = [&] { return r.below(n); };
  switch (n == 0 ? 4 + r.below(2) * 6 : r.below(13)) {
    case 0:  // flip one bit
      b[pos()] ^= char(1 << r.below(8));
      break;
    case 1:  // set a byte to an interesting value
      b[pos()] = char(kInteresting[r.below(4)]);
      break;
    case 2:  // set a byte to a random value
      b[pos()] = char(r.next());
      break;
    case 3:  // truncate
      b.resize(r.below(n));
      break;
    case 4: {  // insert random bytes, or one byte repeated (rarely a long block, as AFL's havoc does)
      const size_t len = 1 + r.below(r.chance(32) ? 32768 : r.chance(8) ? 512 : 16);
      std::string chunk(len, char(r.next()));
      if (r.chance(2))
        for (auto& c : chunk) c = char(r.next());
      b.insert(r.below(n + 1), chunk);
      break;
    }
    case 5: {  // duplicate a chunk (sometimes a large one: grows repeated structures)
      const size_t at = pos(), len = 1 + r.below(std::min(n - at, r.chance(8) ? n : size_t(64)));
      b.insert(r.below(n + 1), b.substr(at, len));
      break;
    }
    case 6: {  // delete a chunk
      const size_t at = pos(), len = 1 + r.below(std::min(n - at, r.chance(8) ? n : size_t(64)));
      b.erase(at, len);
      break;
    }
    case 7: {  // copy a chunk over another place
      const size_t from = pos(), to = pos(), len = 1 + r.below(std::min({n - from, n - to, size_t(64)}));
      const std::string chunk = b.substr(from, len);
      b.replace(to, len, chunk);
      break;
    }
    case 8: {  // overwrite a 2/4/8-byte field with a boundary integer (or one of the input's size)
      const int width = r.chance(3) ? 2 : r.chance(2) ? 4 : 8;
      if (n < size_t(width)) break;
      uint64_t v = r.chance(4) ? uint64_t(n) + r.below(3) - 1 : kBoundary[r.below(std::size(kBoundary))];
      if (r.chance(4)) v = ~v;
      b.replace(r.below(n - size_t(width) + 1), size_t(width), encode(v, width, r.chance(4)));
      break;
    }
    case 9: {  // add a small delta to a 1/2/4-byte little-endian field
      const int width = 1 << r.below(3);
      if (n < size_t(width)) break;
      const size_t at = r.below(n - size_t(width) + 1);
      uint64_t v = 0;
      for (int i = 0; i < width; ++i) v |= uint64_t(uint8_t(b[at + size_t(i)])) << (8 * i);
      v += uint64_t(int64_t(r.below(65)) - 32);
      b.replace(at, size_t(width), encode(v, width, false));
      break;
    }
    case 10: {  // insert a format token
      b.insert(r.below(n + 1), tokens[r.below(tokens.size())]);
      break;
    }
    case 11: {  // overwrite with a format token
      const std::string& t = tokens[r.below(tokens.size())];
      const size_t at = pos();
      b.replace(at, std::min(t.size(), n - at), t);
      break;
    }
    case 12: {  // insert a format token at the start of a line (text formats: a new key or item)
      const size_t nl = b.find('\n', pos());
      b.insert(nl == std::string::npos ? 0 : nl + 1, tokens[r.below(tokens.size())]);
      break;
    }
  }
  if (b.size() > kMaxInput) b.resize(kMaxInput);
}

// Stacks 1, 2, 4 or 8 mutations.
std::string mutate(std::string b, Rng& r, const std::vector<std::string>& tokens) {
  const size_t count = size_t(1) << r.below(4);
  for (size_t i = 0; i < count; ++i) mutate_once(b, r, tokens);
  return b;
}

// ---------------------------------------------------------------------------------------------
// Crash reporting: a sanitizer report, a signal or a hang ends the process. The handlers name the
// reader and, in-process, copy the input and print where it went, with async-signal-safe calls only.
// ---------------------------------------------------------------------------------------------
char g_crash_note[2048];   // what to print after the reader's name
char g_crash_input[1024];  // the file the reader is reading
char g_crash_copy[1024];   // where to save it; empty: the parent process does (isolated runs)

void copy_raw(const char* from, const char* to) {
  const int in = open(from, O_RDONLY);
  if (in < 0) return;
  const int out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (out >= 0) {
    char buf[65536];
    ssize_t got;
    while ((got = read(in, buf, sizeof(buf))) > 0)
      if (write(out, buf, size_t(got)) != got) break;
    close(out);
  }
  close(in);
}

void put_err(const char* s) {
  if (write(2, s, strlen(s)) < 0) return;
}

constexpr char kCrashMarker[] = "\nfuzz: crash in reader ";

void report_crash(const char* kind) {
  put_err(kCrashMarker);
  put_err(g_reader);
  put_err(" (");
  put_err(kind);
  put_err(")\n");
  if (g_crash_copy[0] && g_crash_input[0]) {
    copy_raw(g_crash_input, g_crash_copy);
    put_err("fuzz: FAILURE: ");
    put_err(g_crash_note);
    put_err("\n");
  }
}

#ifdef DREAMER_FUZZ_ASAN
void on_sanitizer_death() { report_crash("sanitizer report above"); }
#endif

void on_alarm(int) {
  report_crash("timeout: the reader hung");
  _exit(1);
}

#ifndef DREAMER_FUZZ_ASAN
void on_fatal_signal(int sig) {
  report_crash(sig == SIGABRT ? "abort" : "fatal signal");
  signal(sig, SIG_DFL);
  raise(sig);
}
#endif

void install_crash_reporters() {
  signal(SIGALRM, on_alarm);
#ifdef DREAMER_FUZZ_ASAN
  // ASan reports SEGV, BUS, FPE, ILL and (handle_abort=1) ABRT, then calls this; so does UBSan.
  __sanitizer_set_death_callback(on_sanitizer_death);
  // GCC links UBSan as its own runtime (libubsan) with its own copy of the callback: set that too.
  if (void* ubsan = dlopen("libubsan.so.1", RTLD_NOW | RTLD_NOLOAD))
    if (void* set = dlsym(ubsan, "__sanitizer_set_death_callback"))
      reinterpret_cast<void (*)(void (*)())>(set)(on_sanitizer_death);
#else
  for (int sig : {SIGABRT, SIGSEGV, SIGBUS, SIGFPE, SIGILL}) signal(sig, on_fatal_signal);
#endif
}

// ---------------------------------------------------------------------------------------------
// The driver.
// ---------------------------------------------------------------------------------------------

enum class Mode {
  raw,                 // mutate the whole file
  checkpoint_payload,  // mutate the checkpoint's payload; join_checkpoint makes a valid header for it
  npz_members,         // mutate one .npy member of the ZIP, which is rebuilt with valid CRCs
};

// One stream of inputs: a target, its seeds, and the accepted mutants kept to be mutated further.
struct Lane {
  const char* name;
  Target target;
  Mode mode;
  std::vector<std::string> seeds;  // in the lane's domain: the file, or the payload
  const std::vector<std::string>* tokens;
  int weight;  // share of the iterations
  size_t required = 0;  // the first `required` seeds must be accepted; the others are edge cases
  std::vector<std::string> pool;
};

// The file a lane's input stands for.
std::string as_file(const Lane& lane, const std::string& input) {
  return lane.mode == Mode::checkpoint_payload ? join_checkpoint(seed_checkpoint_layout(), input) : input;
}

// Sets a .npy array's header length to end at the header's first newline, as numpy writes it, so
// that a mutated header is parsed whole.
void fix_npy_header_length(std::string& npy) {
  if (npy.size() < 12 || npy.compare(0, 6, "\x93NUMPY") != 0) return;
  const int width = npy[6] == 1 ? 2 : 4;
  const size_t start = 8 + size_t(width), newline = npy.find('\n', start);
  if (newline == std::string::npos || newline + 1 - start >= (uint64_t(1) << (8 * width))) return;
  npy.replace(8, size_t(width), encode(newline + 1 - start, width, false));
}

std::string mutate_in(const Lane& lane, const std::string& base, Rng& rng) {
  if (lane.mode != Mode::npz_members) return mutate(base, rng, *lane.tokens);
  auto members = zip_members(base);
  if (!members) return mutate(base, rng, *lane.tokens);
  auto& m = (*members)[rng.below(members->size())];
  if (rng.chance(16)) {
    members->push_back(m);  // a member twice
  } else if (rng.chance(16) && members->size() > 1) {
    members->erase(members->begin() + long(rng.below(members->size())));
  } else if (rng.chance(8)) {
    m.first = mutate(m.first, rng, *lane.tokens);
  } else if (rng.chance(32)) {  // a long value in the .npy header (a dtype, a shape), up to 64 KiB
    const size_t quote = m.second.find_first_of("'(", 10);
    if (quote != std::string::npos)
      m.second.insert(quote + 1, std::string(size_t(1) << (4 + rng.below(13)), "A 7,'"[rng.below(5)]));
    fix_npy_header_length(m.second);
  } else {
    m.second = mutate(m.second, rng, *lane.tokens);
    if (rng.chance(2)) fix_npy_header_length(m.second);
  }
  return make_zip(*members);
}

// The lanes of a driver reader name (empty for an unknown name).
std::vector<Lane> make_lanes(const std::string& reader) {
  std::vector<Lane> lanes;
  if (reader == "npz") {
    // An empty episode too: it may be rejected, but only with dreamer::Error.
    const std::vector<std::string> seeds{seed_episode(3), seed_episode(1), seed_episode(0)};
    lanes.push_back({"npz-file", Target::npz, Mode::raw, seeds, &kNpzTokens, 1, 2, {}});
    lanes.push_back({"npz-member", Target::npz, Mode::npz_members, seeds, &kNpzTokens, 2, 2, {}});
  } else if (reader == "config") {
    const std::string configs = context().configs_path;
    lanes.push_back({"config-stored", Target::config_stored, Mode::raw,
                     {context().stored_config, dreamer::load_config(configs, {}, {}).yaml}, &kYamlTokens, 3, 2, {}});
    lanes.push_back({"config-file", Target::config_file, Mode::raw, {read_file(configs)}, &kYamlTokens, 1, 1, {}});
  } else if (reader == "checkpoint") {
    const CheckpointLayout& layout = seed_checkpoint_layout();
    lanes.push_back({"checkpoint-file", Target::checkpoint, Mode::raw, {join_checkpoint(layout, layout.payload)},
                     &kCheckpointTokens, 1, 1, {}});
    lanes.push_back({"checkpoint-payload", Target::checkpoint, Mode::checkpoint_payload, {layout.payload},
                     &kCheckpointTokens, 1, 1, {}});
  }
  return lanes;
}

// The input sequence: a function of the seed and of which inputs were pooled, so that the driver
// can replay it cheaply up to the iteration where a child crashed.
class Generator {
 public:
  struct Input {
    size_t lane;
    std::string mutated, file;
    bool changed;  // differs from what it was mutated from
    bool seed;     // a seed, not mutated
    bool required;  // a seed that must be accepted
  };

  Generator(std::vector<Lane> lanes, uint64_t seed) : lanes_(std::move(lanes)), rng_(seed * 0x2545F4914F6CDD1DULL + 0x1234567) {
    for (const auto& l : lanes_) total_weight_ += l.weight;
  }
  const std::vector<Lane>& lanes() const { return lanes_; }

  // First every seed as it is (as libFuzzer runs its corpus first), then mutants.
  Input next() {
    if (seed_lane_ < lanes_.size()) {
      const Lane& lane = lanes_[seed_lane_];
      Input in{seed_lane_, lane.seeds[seed_index_], as_file(lane, lane.seeds[seed_index_]), false, true,
               seed_index_ < lane.required};
      if (++seed_index_ == lane.seeds.size()) {
        seed_index_ = 0;
        ++seed_lane_;
      }
      return in;
    }
    size_t pick = rng_.below(size_t(total_weight_)), li = 0;
    while (pick >= size_t(lanes_[li].weight)) pick -= size_t(lanes_[li++].weight);
    const Lane& lane = lanes_[li];
    const bool from_pool = !lane.pool.empty() && rng_.chance(3);
    const std::string& base = from_pool ? lane.pool[rng_.below(lane.pool.size())] : lane.seeds[rng_.below(lane.seeds.size())];
    Input in{li, mutate_in(lane, base, rng_), "", false, false, false};
    in.file = as_file(lane, in.mutated);
    in.changed = in.mutated != base;
    return in;
  }
  // Keeps an accepted input to mutate further.
  void pool(const Input& in) {
    auto& p = lanes_[in.lane].pool;
    if (p.size() < 64) p.push_back(in.mutated);
    else p[rng_.below(p.size())] = in.mutated;
  }

 private:
  std::vector<Lane> lanes_;
  Rng rng_;
  int total_weight_ = 0;
  size_t seed_lane_ = 0, seed_index_ = 0;
};

struct Stats {
  int accepted = 0, rejected = 0, failed = 0;
};

// The loop's record, in memory shared with the child that runs the loop under --keep-going and
// --allow-known: after a crash the driver reads where the child was and what it had seen.
struct Record {
  long long current = -1;    // the iteration being run
  long stderr_at = 0;        // the offset of the child's stderr when it began
  int failures = 0, tolerated = 0, crashes = 0;
  int tolerated_by_finding[32] = {};  // per kKnownFindings entry
  bool done = false;
  Stats stats[4];            // per lane
  int seen_count = 0;
  uint64_t seen[1024] = {};  // hashes of the findings reported (one report per kind)
  uint8_t* pooled = nullptr;  // per iteration: the input was pooled (follows the Record in its mapping)
};

Record* new_record(long long iterations, bool shared) {
  const size_t bytes = sizeof(Record) + size_t(iterations);
  void* mem = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, (shared ? MAP_SHARED : MAP_PRIVATE) | MAP_ANONYMOUS, -1, 0);
  if (mem == MAP_FAILED) {
    std::perror("fuzz: mmap");
    std::exit(2);
  }
  Record* record = new (mem) Record();
  record->pooled = reinterpret_cast<uint8_t*>(record + 1);  // zero-filled by mmap
  return record;
}

struct Options {
  std::string reader, out_dir;
  long long iterations = 0;
  uint64_t seed = 0;
  bool keep_going = false, allow_known = false;
  unsigned timeout = 30;
};

class Driver {
 public:
  Driver(const Options& o, std::vector<Lane> lanes, Record* record)
      : o_(o), gen_(std::move(lanes), o.seed), rec_(record) {}

  // Runs iterations [from, iterations) in this process; returns where it stopped.
  long long loop(long long from) {
    long long it = from;
    for (; it < o_.iterations && (o_.keep_going || rec_->failures == 0); ++it) {
      rec_->current = it;
      rec_->stderr_at = lseek(2, 0, SEEK_CUR);
      const Generator::Input in = gen_.next();
      const Lane& lane = gen_.lanes()[in.lane];
      const std::string finding = finding_path(lane, it);
      std::snprintf(g_crash_input, sizeof(g_crash_input), "%s", context().input_path[int(lane.target)].c_str());
      std::snprintf(g_crash_note, sizeof(g_crash_note), "%s; input saved to %s; reproduce: fuzz_readers --replay %s %s",
                    where(lane, it).c_str(), finding.c_str(), target_name(lane.target), finding.c_str());
      std::snprintf(g_crash_copy, sizeof(g_crash_copy), "%s", isolated_ ? "" : finding.c_str());
      alarm(o_.timeout);
      const Outcome out = run_target(lane.target, in.file);
      alarm(0);
      g_crash_input[0] = '\0';
      if (in.required && out.rejected) {  // a harness whose seeds are rejected fuzzes nothing
        std::fprintf(stderr, "fuzz: a %s seed is rejected by its readers: the harness is out of date\n", lane.name);
        std::fflush(stdout);
        _exit(2);
      }
      Stats& st = rec_->stats[in.lane];
      st.accepted += out.accepted;
      st.rejected += out.rejected;
      st.failed += int(out.escapes.size());
      for (const auto& e : out.escapes)
        report(known_escape(e), in, it, e.reader, "let " + e.type + " escape", "  what(): " + shorten(e.what) + "\n");
      if (out.escapes.empty() && out.accepted && in.changed) {
        rec_->pooled[it] = 1;
        gen_.pool(in);
      }
    }
    return it;
  }

  // --keep-going / --allow-known: the loop runs in a child process; after a crash the driver
  // replays the inputs up to it, records the crash and starts a new child after it.
  void supervise() {
    isolated_ = true;
    const std::string err_path = context().scratch + "/child-stderr.txt";
    long long next = 0;
    while (next < o_.iterations && (o_.keep_going || rec_->failures == 0)) {
      std::fflush(stdout);
      std::fflush(stderr);
      const pid_t pid = fork();
      if (pid < 0) {
        std::perror("fuzz: fork");
        std::exit(2);
      }
      if (pid == 0) {
        const int fd = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd >= 0) dup2(fd, 2);
        loop(next);
        rec_->done = true;
        std::fflush(stdout);
        _exit(0);  // no destructors: the scratch directory is the driver's
      }
      int status = 0;
      while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
      }
      if (rec_->done) break;
      if (WIFEXITED(status) && WEXITSTATUS(status) == 2) {  // the harness failed (a seed rejected, ...)
        try {
          std::fprintf(stderr, "%s", read_file(err_path).c_str());
        } catch (const std::exception&) {
        }
        std::exit(2);
      }
      const long long crashed = rec_->current;
      ++rec_->crashes;
      for (long long it = next; it < crashed; ++it) {  // catch up with the child
        const Generator::Input in = gen_.next();
        if (rec_->pooled[it]) gen_.pool(in);
      }
      const Generator::Input in = gen_.next();
      std::string text;
      try {
        text = read_file(err_path).substr(size_t(std::max(0L, rec_->stderr_at)));
      } catch (const std::exception&) {
      }
      if (WIFSIGNALED(status)) text += "\nfuzz: the child was killed by signal " + std::to_string(WTERMSIG(status)) + "\n";
      std::string reader = "(unknown)";
      const size_t marker = text.rfind(kCrashMarker + 1);
      if (marker != std::string::npos) {
        const size_t from = marker + std::strlen(kCrashMarker + 1);
        reader = text.substr(from, text.find(' ', from) - from);
      }
      const KnownFinding* k = known_crash(reader, text);
      ++rec_->stats[in.lane].failed;
      // What it was, in one line: the sanitizer's summary (no addresses), else the first telling line.
      std::string kind = "crashed (report above)";
      for (const char* tag : {"SUMMARY: ", "runtime error: ", "timeout", "killed by signal"}) {
        const size_t at = text.find(tag);
        if (at != std::string::npos) {
          const size_t line = text.rfind('\n', at) + 1;  // npos + 1 == 0
          kind = "crashed: " + shorten(text.substr(line, text.find('\n', at) - line), 200);
          break;
        }
      }
      if (!(k && o_.allow_known)) std::fprintf(stderr, "%s", text.c_str());
      report(k, in, crashed, reader, kind, "");
      next = crashed + 1;
    }
  }

 private:
  std::string finding_path(const Lane& lane, long long it) const {
    return o_.out_dir + "/" + lane.name + "-seed" + std::to_string(o_.seed) + "-iter" + std::to_string(it) +
           target_ext(lane.target);
  }
  std::string where(const Lane& lane, long long it) const {
    return "iteration " + std::to_string(it) + " of `fuzz_readers " + o_.reader + " " + std::to_string(o_.iterations) +
           " " + std::to_string(o_.seed) + "` (lane " + lane.name + ")";
  }

  // One finding: tolerated when known and allowed; else a failure, reported once per kind.
  void report(const KnownFinding* k, const Generator::Input& in, long long it, const std::string& reader,
              const std::string& kind, const std::string& details) {
    if (k && o_.allow_known) {
      ++rec_->tolerated;
      ++rec_->tolerated_by_finding[k - kKnownFindings];
      return;
    }
    ++rec_->failures;
    std::string what = kind.substr(0, 120);  // UBSan: where and which check, not the values
    const size_t check = what.find("runtime error: ");
    if (check != std::string::npos) what.resize(std::min(what.size(), what.find(':', check + 15)));
    const uint64_t signature = std::hash<std::string>()(reader + "|" + (k ? k->id : "") + "|" + what);
    if (std::find(rec_->seen, rec_->seen + rec_->seen_count, signature) != rec_->seen + rec_->seen_count) return;
    if (rec_->seen_count < int(std::size(rec_->seen))) rec_->seen[rec_->seen_count++] = signature;
    const Lane& lane = gen_.lanes()[in.lane];
    const std::string finding = finding_path(lane, it);
    write_file(finding, in.file);
    const std::string known = k ? std::string(" [known finding ") + k->id + "]" : "";
    std::printf("\nfuzz: FAILURE at %s: reader %s %s%s\n%s  input saved to %s\n  reproduce: fuzz_readers --replay %s %s\n",
                where(lane, it).c_str(), reader.c_str(), kind.c_str(), known.c_str(), details.c_str(),
                finding.c_str(), target_name(lane.target), finding.c_str());
  }

  Options o_;
  Generator gen_;
  Record* rec_;
  bool isolated_ = false;
};

// Writes every seed as a plain file and as a libFuzzer input (selector byte first): a corpus.
int write_seeds(const std::string& dir) {
  fs::create_directories(dir);
  for (const std::string reader : {"npz", "config", "checkpoint"})
    for (const auto& lane : make_lanes(reader))
      for (size_t i = 0; i < lane.seeds.size(); ++i) {
        const std::string file = as_file(lane, lane.seeds[i]);
        const std::string stem = dir + "/" + lane.name + "-" + std::to_string(i);
        write_file(stem + target_ext(lane.target), file);
        const Selector sel = lane.target == Target::npz             ? kNpz
                             : lane.target == Target::config_stored ? kConfigStored
                             : lane.target == Target::config_file   ? kConfigFile
                             : lane.mode == Mode::raw               ? kCheckpointFile
                                                                    : kCheckpointPayload;
        write_file(stem + ".entry", std::string(1, char(sel)) + lane.seeds[i]);
      }
  std::printf("fuzz: seeds written to %s\n", dir.c_str());
  return 0;
}

int usage() {
  std::fprintf(stderr,
               "usage: fuzz_readers <npz|config|checkpoint> <iterations> <seed> [--out DIR] [--keep-going]\n"
               "                    [--allow-known] [--timeout SECONDS]\n"
               "       fuzz_readers --replay <npz|config-stored|config-file|checkpoint|entry> FILE...\n"
               "       fuzz_readers --write-seeds DIR\n");
  return 2;
}

int replay(const std::string& name, const std::vector<std::string>& files) {
  install_crash_reporters();
  int failures = 0;
  for (const auto& f : files) {
    const std::string bytes = read_file(f);
    if (name == "entry") {
      LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
      std::printf("%s: ok\n", f.c_str());
      continue;
    }
    Target t;
    if (name == "npz") t = Target::npz;
    else if (name == "config-stored") t = Target::config_stored;
    else if (name == "config-file") t = Target::config_file;
    else if (name == "checkpoint") t = Target::checkpoint;
    else return usage();
    std::snprintf(g_crash_input, sizeof(g_crash_input), "%s", context().input_path[int(t)].c_str());
    std::snprintf(g_crash_copy, sizeof(g_crash_copy), "%s.replayed", context().input_path[int(t)].c_str());
    std::snprintf(g_crash_note, sizeof(g_crash_note), "replaying %s", f.c_str());
    Outcome out = run_target(t, bytes);
    std::printf("%s: %d accepted, %d rejected with dreamer::Error\n", f.c_str(), out.accepted, out.rejected);
    for (const auto& e : out.escapes) {
      ++failures;
      std::printf("  %s let %s escape: %s\n", e.reader.c_str(), e.type.c_str(), shorten(e.what).c_str());
    }
  }
  return failures ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  setvbuf(stdout, nullptr, _IOLBF, 0);  // a sanitizer ends the process without flushing stdio
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.size() == 2 && args[0] == "--write-seeds") return write_seeds(args[1]);
  if (args.size() >= 2 && args[0] == "--replay")
    return replay(args[1], std::vector<std::string>(args.begin() + 2, args.end()));
  if (args.size() < 3) return usage();
  Options o;
  o.reader = args[0];
  o.iterations = std::max(0LL, std::atoll(args[1].c_str()));
  o.seed = std::strtoull(args[2].c_str(), nullptr, 10);
  o.out_dir = std::getenv("DREAMER_FUZZ_OUT") ? std::getenv("DREAMER_FUZZ_OUT") : "fuzz-findings";
  const char* allow_env = std::getenv("DREAMER_FUZZ_ALLOW_KNOWN");
  o.allow_known = allow_env && *allow_env && std::string(allow_env) != "0";
  for (size_t i = 3; i < args.size(); ++i) {
    if (args[i] == "--out" && i + 1 < args.size()) o.out_dir = args[++i];
    else if (args[i] == "--keep-going") o.keep_going = true;
    else if (args[i] == "--allow-known") o.allow_known = true;
    else if (args[i] == "--timeout" && i + 1 < args.size()) o.timeout = unsigned(std::atoi(args[++i].c_str()));
    else return usage();
  }
  fs::create_directories(o.out_dir);
  o.out_dir = fs::absolute(o.out_dir).lexically_normal().string();

  std::vector<Lane> lanes;
  try {
    lanes = make_lanes(o.reader);
    if (lanes.empty()) return usage();
    if (o.reader == "checkpoint")
      std::printf("fuzz: checkpoint layout: %s\n",
                  seed_checkpoint_layout().header.empty() ? "bare zip (earlier format)" : "header + payload");
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fuzz: cannot make the seeds: %s\n", e.what());
    return 2;
  }
  std::vector<std::string> names;
  for (const auto& lane : lanes) names.push_back(lane.name);

  install_crash_reporters();
  // A crash cannot be gone past in-process: to go on after one, the loop runs in a child.
  const bool isolate = o.keep_going || o.allow_known;
  std::printf("fuzz: %s, %lld iterations, seed %llu, findings go to %s%s%s\n", o.reader.c_str(), o.iterations,
              static_cast<unsigned long long>(o.seed), o.out_dir.c_str(), o.allow_known ? ", known findings allowed" : "",
              o.keep_going ? ", going on after failures" : "");
  const auto start = std::chrono::steady_clock::now();
  Record* record = new_record(o.iterations, isolate);
  Driver driver(o, std::move(lanes), record);
  if (isolate) driver.supervise();
  else driver.loop(0);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  for (size_t i = 0; i < names.size(); ++i)
    std::printf("fuzz: %-20s reader calls accepted %d, rejected with dreamer::Error %d, failed %d\n",
                names[i].c_str(), record->stats[i].accepted, record->stats[i].rejected, record->stats[i].failed);
  std::printf("fuzz: %s done in %.1f s: %d failure(s)", o.reader.c_str(), seconds, record->failures);
  if (isolate) std::printf(", %d crash(es) gone past", record->crashes);
  if (o.allow_known) std::printf(", %d known finding(s) tolerated", record->tolerated);
  std::printf("\n");
  for (size_t i = 0; i < std::size(kKnownFindings); ++i)
    if (record->tolerated_by_finding[i])
      std::printf("fuzz:   known finding %-26s (%s) tolerated %d time(s)\n", kKnownFindings[i].id,
                  kKnownFindings[i].reader, record->tolerated_by_finding[i]);
  return record->failures ? 1 : 0;
}
#endif  // DREAMER_LIBFUZZER
