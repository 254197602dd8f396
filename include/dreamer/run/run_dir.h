// The run directory: its lock, and what a run may start or resume from (config, checkpoint, episodes).
#pragma once

#include <cstdint>
#include <string>

#include "dreamer/core/config.h"

namespace dreamer {

/// An advisory lock (flock) on `<logdir>/lock` that holds the writer's pid, held while the object
/// lives and released by the OS when the process dies, however it dies. Creates `logdir` when
/// missing. Throws dreamer::Error naming the other process when one holds the lock.
class RunLock {
 public:
  explicit RunLock(const std::string& logdir);
  ~RunLock();
  RunLock(const RunLock&) = delete;
  RunLock& operator=(const RunLock&) = delete;

 private:
  int fd_ = -1;
};

/// Keys that may differ when a run resumes: they do not change what is learned (logdir: the run
/// directory may be moved or copied; atari.rom_dir: the ROMs may be moved).
bool resumable_key(const std::string& key);

/// The episode files (.npz) in `dir`; 0 when it does not exist.
int64_t count_episode_files(const std::string& dir);

/// Keys that may differ between the ranks of one data-parallel run: where and how each process runs, not what
/// it learns (logdir, threads, envs_parallel, device, atari.rom_dir, dist.rank).
bool per_rank_key(const std::string& key);

/// The first key (dotted, as "model_opt.lr") on which the config texts `a` and `b` differ, skipping the keys
/// `ignore` accepts; "" when they agree.
std::string first_config_difference(const std::string& a, const std::string& b, bool (*ignore)(const std::string&));

/// The run config stored in `<logdir>/config.yaml`; errors name that file.
ResolvedConfig read_run_config(const std::string& logdir);

/// Prepares `logdir` (locked by the caller) for a run with config text `yaml`. A new run: writes
/// config.yaml and returns false. A run there: checks that its config.yaml is valid and agrees with
/// `yaml` on every key but the resumable ones, and returns true (update_run_config writes those
/// once the run has loaded, so that a run that fails to resume changes nothing). Throws
/// dreamer::Error, changing nothing, when the configs differ (naming the first key), when
/// config.yaml is invalid, or when the directory holds part of a run: a checkpoint or episodes
/// without config.yaml, or episodes without a checkpoint.
bool prepare_logdir(const std::string& logdir, const std::string& yaml);

/// Writes `yaml` (which prepare_logdir accepted) as the run's config.yaml when it differs.
void update_run_config(const std::string& logdir, const std::string& yaml);

}  // namespace dreamer
