// Checkpoints: modules, optimizers and counters in one LibTorch archive with a checksum, replaced atomically.
#pragma once

#include <torch/torch.h>

#include <map>
#include <string>
#include <vector>

#include "dreamer/nets/optimizer.h"

namespace dreamer {

/// What a checkpoint holds: named modules, optimizers, integer counters, and marks: integers and
/// texts that say where the run's other files stood (a checkpoint written before a mark existed
/// loads without it, leaving its value as it was).
struct CheckpointParts {
  std::map<std::string, torch::nn::Module*> modules;
  std::vector<Optimizer*> optimizers;
  std::map<std::string, int64_t*> counters;
  std::map<std::string, int64_t*> marks;
  std::map<std::string, std::string*> texts;
};

/// The file: a 24-byte header, then the payload, a LibTorch archive (a zip).
///   bytes 0-7   "DRMCKPT1"
///   bytes 8-15  payload length, uint64 little-endian
///   bytes 16-19 CRC32C of the payload, uint32 little-endian
///   bytes 20-23 zero
constexpr size_t kCheckpointHeaderSize = 24;
constexpr char kCheckpointMagic[] = "DRMCKPT1";

/// Writes `parts` to `path` via a temporary file that is fsynced and renamed over it, so a crash
/// never leaves a torn checkpoint and the previous one stays until the new one is complete. Throws
/// dreamer::Error, leaving the previous checkpoint and no temporary file, when the disk is full or
/// a module holds a non-finite value (a diverged model is never saved).
void save_checkpoint(const std::string& path, const CheckpointParts& parts);

/// Loads `parts` from `path` after checking its length and checksum. Throws dreamer::Error naming
/// the file and what is wrong (not a checkpoint, torn, corrupted, a missing or mismatched entry)
/// before changing any module or counter. Checkpoints of earlier versions (a bare archive without
/// the header) load without a checksum.
void load_checkpoint(const std::string& path, const CheckpointParts& parts);

/// A checkpoint file's bytes, unchecked (load_checkpoint_bytes checks them); throws dreamer::Error naming `path`
/// when it is missing or unreadable.
std::string read_checkpoint_bytes(const std::string& path);

/// load_checkpoint from the file's `bytes` (read elsewhere: data-parallel ranks get rank 0's), with the same
/// checks; errors name `path`, where the bytes came from.
void load_checkpoint_bytes(const std::string& bytes, const std::string& path, const CheckpointParts& parts);

}  // namespace dreamer
