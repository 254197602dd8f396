// Checkpoints: modules, optimizers and counters in one LibTorch archive with a checksum, replaced atomically.
#include "dreamer/io/checkpoint.h"

#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include "dreamer/core/error.h"
#include "dreamer/io/crc32c.h"
#include "io/atomic_file.h"

namespace dreamer {
namespace {

// Parameters and buffers of a module under "<module>/<dotted name>".
std::vector<std::pair<std::string, torch::Tensor>> tensors_of(const std::string& name, torch::nn::Module* module) {
  std::vector<std::pair<std::string, torch::Tensor>> out;
  for (const auto& p : module->named_parameters()) out.emplace_back(name + "/" + p.key(), p.value());
  for (const auto& b : module->named_buffers()) out.emplace_back(name + "/" + b.key(), b.value());
  return out;
}

std::string shape(const torch::Tensor& t) {
  std::ostringstream s;
  s << t.sizes();
  return s.str();
}

void put_le(uint8_t* out, uint64_t value, int bytes) {
  for (int i = 0; i < bytes; ++i) out[i] = uint8_t(value >> (8 * i));
}

uint64_t get_le(const char* in, int bytes) {
  uint64_t value = 0;
  for (int i = 0; i < bytes; ++i) value |= uint64_t(uint8_t(in[i])) << (8 * i);
  return value;
}

// The whole file, or an Error naming it.
std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("checkpoint: cannot read '" + path + "'");
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw Error("checkpoint: cannot read '" + path + "'");
  return bytes;
}

}  // namespace

void save_checkpoint(const std::string& path, const CheckpointParts& parts) {
  torch::serialize::OutputArchive archive;
  for (const auto& [name, module] : parts.modules) {
    for (const auto& [key, tensor] : tensors_of(name, module)) {
      if (tensor.is_floating_point() && !torch::isfinite(tensor).all().item<bool>())
        throw Error("checkpoint: '" + key + "' holds non-finite values; '" + path +
                    "' is not written (the previous checkpoint is kept)");
      archive.write(key, tensor.detach().cpu());
    }
  }
  for (auto* opt : parts.optimizers) opt->save(archive);
  for (const auto& [name, value] : parts.counters) archive.write("counter/" + name, torch::tensor(*value));
  for (const auto& [name, value] : parts.marks) archive.write("mark/" + name, torch::tensor(*value));
  for (const auto& [name, text] : parts.texts) archive.write("text/" + name, c10::IValue(*text));

  AtomicFile file(path, "checkpoint");
  uint8_t header[kCheckpointHeaderSize] = {};
  file.write(header, sizeof(header));  // filled in once the payload's length and checksum are known
  // The archive's writer must not see a failure: LibTorch's zip writer would throw again from its
  // destructor and abort the program. The first error is kept and rethrown after it has finished.
  uint32_t crc = 0;
  uint64_t length = 0;
  std::optional<Error> failure;
  archive.save_to([&](const void* data, size_t size) -> size_t {
    if (failure) return size;
    try {
      file.write(data, size);
      crc = crc32c(data, size, crc);
      length += size;
    } catch (const Error& e) {
      failure = e;
    }
    return size;
  });
  if (failure) throw *failure;
  std::memcpy(header, kCheckpointMagic, 8);
  put_le(header + 8, length, 8);
  put_le(header + 16, crc, 4);
  file.write_at(0, header, sizeof(header));
  file.commit();
}

std::string read_checkpoint_bytes(const std::string& path) {
  if (!std::filesystem::exists(path)) throw Error("checkpoint: '" + path + "' does not exist");
  return read_bytes(path);
}

void load_checkpoint(const std::string& path, const CheckpointParts& parts) {
  load_checkpoint_bytes(read_checkpoint_bytes(path), path, parts);
}

void load_checkpoint_bytes(const std::string& bytes, const std::string& path, const CheckpointParts& parts) {
  const char* payload = bytes.data();
  size_t payload_size = bytes.size();
  if (bytes.size() >= 8 && std::memcmp(bytes.data(), kCheckpointMagic, 8) == 0) {
    if (bytes.size() < kCheckpointHeaderSize)
      throw Error("checkpoint: '" + path + "' is torn (" + std::to_string(bytes.size()) + " bytes, no whole header)");
    const uint64_t length = get_le(bytes.data() + 8, 8);
    const uint32_t crc = uint32_t(get_le(bytes.data() + 16, 4));
    if (get_le(bytes.data() + 20, 4) != 0)
      throw Error("checkpoint: '" + path + "' is corrupted (its header's reserved bytes are not zero)");
    if (length != bytes.size() - kCheckpointHeaderSize)
      throw Error("checkpoint: '" + path + "' is torn or padded: its header says " + std::to_string(length) +
                  " bytes of data, the file holds " + std::to_string(bytes.size() - kCheckpointHeaderSize));
    payload += kCheckpointHeaderSize;
    payload_size = size_t(length);
    if (crc32c(payload, payload_size) != crc)
      throw Error("checkpoint: '" + path + "' is corrupted (its checksum does not match its data)");
  } else if (bytes.size() < 2 || bytes[0] != 'P' || bytes[1] != 'K') {
    throw Error("checkpoint: '" + path + "' is not a dreamer checkpoint");
  }
  torch::serialize::InputArchive archive;
  try {
    archive.load_from(payload, payload_size);
  } catch (const std::exception& e) {
    throw Error("checkpoint: '" + path + "' is not a dreamer checkpoint (" + reason(e) + ")");
  }
  auto missing = [&](const std::string& key) {
    return Error("checkpoint: '" + path + "' has no '" + key + "' (was it written by another model or version?)");
  };
  auto read_int = [&](const std::string& key, std::optional<int64_t>& out) {
    torch::Tensor t;
    try {
      if (!archive.try_read(key, t)) return;
    } catch (const std::exception& e) {
      throw Error("checkpoint: '" + path + "' has an unreadable '" + key + "': " + reason(e));
    }
    if (t.numel() != 1 || t.scalar_type() != torch::kLong)
      throw Error("checkpoint: '" + path + "' holds '" + key + "' that is not one integer");
    out = t.item<int64_t>();
  };
  // Check everything before changing anything, so a bad file leaves the modules untouched.
  std::vector<std::pair<torch::Tensor, torch::Tensor>> assignments;
  for (const auto& [name, module] : parts.modules) {
    for (const auto& [key, tensor] : tensors_of(name, module)) {
      torch::Tensor stored;
      bool found = false;
      try {
        found = archive.try_read(key, stored);
      } catch (const std::exception& e) {
        throw Error("checkpoint: '" + path + "' has an unreadable '" + key + "': " + reason(e));
      }
      if (!found) throw missing(key);
      if (stored.sizes() != tensor.sizes() || stored.scalar_type() != tensor.scalar_type())
        throw Error("checkpoint: '" + path + "' holds '" + key + "' with shape " + shape(stored) +
                    " but this config needs " + shape(tensor) + " (was it written with another config?)");
      assignments.emplace_back(tensor, stored);
    }
  }
  std::vector<std::pair<int64_t*, int64_t>> counters;
  for (const auto& [name, value] : parts.counters) {
    std::optional<int64_t> stored;
    read_int("counter/" + name, stored);
    if (!stored) throw missing("counter/" + name);
    counters.emplace_back(value, *stored);
  }
  for (const auto& [name, value] : parts.marks) {
    std::optional<int64_t> stored;
    read_int("mark/" + name, stored);
    if (stored) counters.emplace_back(value, *stored);
  }
  std::vector<std::pair<std::string*, std::string>> texts;
  for (const auto& [name, value] : parts.texts) {
    c10::IValue stored;
    bool found = false;
    try {
      found = archive.try_read("text/" + name, stored);
    } catch (const std::exception& e) {
      throw Error("checkpoint: '" + path + "' has an unreadable 'text/" + name + "': " + reason(e));
    }
    if (!found) continue;
    if (!stored.isString()) throw Error("checkpoint: '" + path + "' holds 'text/" + name + "' that is not a text");
    texts.emplace_back(value, stored.toStringRef());
  }
  for (auto* opt : parts.optimizers) {
    try {
      opt->load(archive);
    } catch (const std::exception& e) {
      throw Error("checkpoint: '" + path + "' has no usable '" + opt->name() + "' state: " + reason(e));
    }
  }
  {
    torch::NoGradGuard no_grad;
    for (auto& [tensor, stored] : assignments) tensor.copy_(stored);
  }
  for (auto& [ptr, value] : counters) *ptr = value;
  for (auto& [ptr, value] : texts) *ptr = value;
}

}  // namespace dreamer
