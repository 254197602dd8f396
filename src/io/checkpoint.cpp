// Checkpoints: modules, optimizers and counters in one LibTorch archive, replaced atomically.
#include "dreamer/io/checkpoint.h"

#include <cstdio>
#include <filesystem>
#include <sstream>

#include "dreamer/core/error.h"

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

}  // namespace

void save_checkpoint(const std::string& path, const CheckpointParts& parts) {
  torch::serialize::OutputArchive archive;
  for (const auto& [name, module] : parts.modules)
    for (const auto& [key, tensor] : tensors_of(name, module)) archive.write(key, tensor.detach().cpu());
  for (auto* opt : parts.optimizers) opt->save(archive);
  for (const auto& [name, value] : parts.counters) archive.write("counter/" + name, torch::tensor(*value));
  const std::string tmp = path + ".tmp";
  try {
    archive.save_to(tmp);
  } catch (const c10::Error& e) {
    std::remove(tmp.c_str());
    throw Error("checkpoint: cannot write '" + tmp + "': " + e.what_without_backtrace());
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) throw Error("checkpoint: cannot rename '" + tmp + "' to '" + path + "': " + ec.message());
}

void load_checkpoint(const std::string& path, const CheckpointParts& parts) {
  if (!std::filesystem::exists(path)) throw Error("checkpoint: '" + path + "' does not exist");
  torch::serialize::InputArchive archive;
  try {
    archive.load_from(path);
  } catch (const c10::Error& e) {
    throw Error("checkpoint: '" + path + "' is not a dreamer checkpoint (" + e.what_without_backtrace() + ")");
  }
  auto missing = [&](const std::string& key) {
    return Error("checkpoint: '" + path + "' has no '" + key + "' (was it written by another model or version?)");
  };
  // Check every shape before changing anything, so a mismatch leaves the modules untouched.
  std::vector<std::pair<torch::Tensor, torch::Tensor>> assignments;
  for (const auto& [name, module] : parts.modules) {
    for (const auto& [key, tensor] : tensors_of(name, module)) {
      torch::Tensor stored;
      if (!archive.try_read(key, stored)) throw missing(key);
      if (stored.sizes() != tensor.sizes())
        throw Error("checkpoint: '" + path + "' holds '" + key + "' with shape " + shape(stored) +
                    " but this config needs " + shape(tensor) + " (was it written with another config?)");
      assignments.emplace_back(tensor, stored);
    }
  }
  std::vector<std::pair<int64_t*, int64_t>> counters;
  for (const auto& [name, value] : parts.counters) {
    torch::Tensor t;
    if (!archive.try_read("counter/" + name, t)) throw missing("counter/" + name);
    counters.emplace_back(value, t.item<int64_t>());
  }
  {
    torch::NoGradGuard no_grad;
    for (auto& [tensor, stored] : assignments) tensor.copy_(stored);
  }
  for (auto* opt : parts.optimizers) {
    try {
      opt->load(archive);
    } catch (const c10::Error& e) {
      throw Error("checkpoint: '" + path + "' has no usable '" + opt->name() + "' state: " + e.what_without_backtrace());
    }
  }
  for (auto& [ptr, value] : counters) *ptr = value;
}

}  // namespace dreamer
