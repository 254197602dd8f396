// Replay: episodes of uint8 frames kept in memory and as .npz files on disk, sampled as
// fixed-length sequences the way the official DreamerV2 replay does.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "dreamer/core/config.h"
#include "dreamer/envs/env.h"
#include "dreamer/replay/batch.h"

namespace dreamer {

/// One episode, step-major. Step t holds the observation, the action that led to it (zeros at the
/// first step), the reward that came with it and the flags.
struct Episode {
  ObsSpace obs_space;
  int64_t act_dim = 0;
  std::vector<uint8_t> image;   // [L, H, W, C]
  std::vector<float> action;    // [L, A]
  std::vector<float> reward;    // [L]
  std::vector<uint8_t> is_first, is_last, is_terminal;  // [L], 0 or 1

  int64_t length() const { return int64_t(reward.size()); }
  double score() const;  // sum of rewards
  void append(const uint8_t* obs, const float* act, const TimeStep& ts);
  /// Bytes this episode occupies in memory.
  int64_t bytes() const;
};

/// Writes `episode` as an uncompressed .npz (numpy.load reads it: arrays image, action, reward,
/// is_first, is_last, is_terminal). Atomic: written to a temporary name, then renamed.
void save_episode(const std::string& path, const Episode& episode);
/// Reads an episode written by save_episode. Throws dreamer::Error naming the file when it is not one
/// or does not fit `obs_space` / `act_dim`.
Episode load_episode(const std::string& path, const ObsSpace& obs_space, int64_t act_dim);

/// Replay keeps one sampling stream for training and one for reports (videos), so that drawing a
/// report batch leaves the training batches as they would have been.
enum class SampleStream { train, report };

/// How a stream's rows follow on from each other. one_stream: the official replay's, one sequence
/// of chunks read row after row, so what a row cuts off goes on in the next row. continued: row b
/// of a call goes on where row b of the previous call stopped (its own chunk), so the last state of
/// a row is the state before the next call's row (what carry_state needs).
enum class SampleRows { one_stream, continued };

class Replay {
 public:
  /// directory: where finished episodes are written as .npz ("" keeps them in memory only).
  Replay(const ReplayConfig& cfg, const ObsSpace& obs_space, int64_t act_dim, uint64_t seed,
         std::string directory = "");

  /// Appends one step of env `worker`'s ongoing episode; an is_last step completes it.
  void add_step(int worker, const uint8_t* obs, const float* action, const TimeStep& ts);
  /// Adds a finished episode (skipped when shorter than minlen, as the official replay does) and
  /// writes it to the directory when `write`.
  void add_episode(std::shared_ptr<const Episode> episode, bool write = true);
  /// Loads the .npz files of the directory in name order (names start with a counter) and numbers
  /// new files after them. With `until` >= 0 (the file counter a checkpoint recorded), files
  /// numbered `until` or later were written after that checkpoint: they are deleted unread and
  /// numbering goes on from `until`. `load` false only does that (an evaluation store). Returns the
  /// count of files loaded.
  int64_t load_directory(int64_t until = -1, bool load = true);
  /// The counter the next episode file gets (a checkpoint records it).
  int64_t next_file() const { return next_file_; }

  /// B rows of T steps: [B, T, ...]. Rows are cut from one stream of chunks drawn as the official
  /// replay does: an episode uniformly, a chunk length in [minlen, maxlen], a start uniformly (the
  /// end favoured with prioritize_ends). A chunk's first step is marked is_first; the part of a
  /// chunk that does not fit a row starts the next row (or the next call's first), unmarked, so
  /// no sampled step is dropped. With SampleRows::continued, each row instead goes on with the rest
  /// of its own chunk from the previous call. Each SampleStream has its own generator and chunks.
  Batch sample(int64_t batch, int64_t length, SampleStream stream = SampleStream::train,
               SampleRows rows = SampleRows::one_stream);

  int64_t steps() const { return steps_; }  // steps held in finished episodes
  int64_t episodes() const { return int64_t(episodes_.size()); }
  int64_t bytes() const { return bytes_; }  // memory held by the finished episodes
  double bytes_per_step() const { return steps_ ? double(bytes_) / double(steps_) : 0.0; }
  const std::string& directory() const { return directory_; }

 private:
  void enforce_capacity();

  ReplayConfig cfg_;
  ObsSpace obs_space_;
  int64_t act_dim_;
  std::string directory_;
  std::deque<std::shared_ptr<const Episode>> episodes_;
  std::map<int, Episode> ongoing_;
  // The rest of a drawn chunk not yet read (length 0: none).
  struct Chunk {
    std::shared_ptr<const Episode> episode;
    int64_t start = 0, length = 0;
    bool fresh = false;  // nothing of it was used yet: its first step is marked is_first
  };
  // A sampling stream: its generator and its chunks (one_stream: chunks[0]; continued: one per row).
  struct Stream {
    explicit Stream(uint64_t seed) : rng(seed), chunks(1) {}
    std::mt19937_64 rng;
    std::vector<Chunk> chunks;
  };
  // Draws a new chunk into `chunk` with the stream's generator.
  void draw_chunk(Stream& stream, Chunk& chunk);
  Stream streams_[2];
  int64_t steps_ = 0;
  int64_t bytes_ = 0;
  int64_t next_file_ = 0;  // counter at the start of file names: keeps them unique and ordered
};

}  // namespace dreamer
