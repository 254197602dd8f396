// The run directory: its lock, and what a run may start or resume from (config, checkpoint, episodes).
#include "dreamer/run/run_dir.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "dreamer/core/error.h"
#include "io/atomic_file.h"

namespace fs = std::filesystem;

namespace dreamer {
namespace {

std::string read_file(const fs::path& path) {
  std::ifstream in(path);
  if (!in) throw Error("cannot read '" + path.string() + "'");
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The first key (dotted) whose values differ between two config trees, or "" when none do.
std::string first_difference(const YAML::Node& a, const YAML::Node& b, const std::string& prefix,
                             bool (*ignore)(const std::string&)) {
  if (a.IsMap() && b.IsMap()) {
    for (const auto& kv : a) {
      const std::string key = kv.first.as<std::string>();
      const std::string path = prefix.empty() ? key : prefix + "." + key;
      if (!b[key]) return path;
      if (auto d = first_difference(kv.second, b[key], path, ignore); !d.empty()) return d;
    }
    for (const auto& kv : b)
      if (!a[kv.first.as<std::string>()]) return prefix.empty() ? kv.first.as<std::string>() : prefix + "." + kv.first.as<std::string>();
    return "";
  }
  if (ignore(prefix)) return "";
  YAML::Emitter ea, eb;
  ea << YAML::Flow << a;
  eb << YAML::Flow << b;
  return std::string(ea.c_str()) == eb.c_str() ? "" : prefix;
}

}  // namespace

int64_t count_episode_files(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return 0;
  int64_t n = 0;
  for (const auto& entry : fs::directory_iterator(dir, ec))
    if (entry.path().extension() == ".npz") ++n;
  return n;
}

RunLock::RunLock(const std::string& logdir) {
  if (logdir.empty()) throw Error("no --logdir given: a run needs a directory for its config, checkpoint and episodes");
  std::error_code ec;
  fs::create_directories(logdir, ec);
  if (ec) throw Error("cannot create logdir '" + logdir + "': " + ec.message());
  const std::string path = (fs::path(logdir) / "lock").string();
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) throw Error("cannot open '" + path + "': " + std::strerror(errno));
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    const int error = errno;
    char pid[32] = {};
    const ssize_t n = ::pread(fd_, pid, sizeof(pid) - 1, 0);
    ::close(fd_);
    fd_ = -1;
    if (error != EWOULDBLOCK) throw Error("cannot lock '" + path + "': " + std::strerror(error));
    std::string who = n > 0 ? std::string(pid, size_t(n)) : std::string();
    while (!who.empty() && (who.back() == '\n' || who.back() == ' ')) who.pop_back();
    throw Error("logdir '" + logdir + "' is in use by another dreamer process" +
                (who.empty() ? std::string() : " (pid " + who + ")") +
                "; wait for it to finish or stop it, or choose another --logdir");
  }
  const std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd_, 0) != 0 || ::pwrite(fd_, pid.data(), pid.size(), 0) != ssize_t(pid.size())) {
    // The pid only makes the other process's message more helpful; the lock holds without it.
  }
}

RunLock::~RunLock() {
  if (fd_ >= 0) ::close(fd_);  // closing releases the lock
}

bool resumable_key(const std::string& key) {
  return key == "logdir" || key == "steps" || key == "threads" || key == "envs_parallel" || key == "log_every" ||
         key == "eval_every" || key == "eval_eps" || key == "device" || key == "atari.rom_dir" ||
         key == "dist.rank" || key == "dist.master_addr" || key == "dist.master_port" || key == "dist.timeout";
}

bool per_rank_key(const std::string& key) {
  return key == "logdir" || key == "threads" || key == "envs_parallel" || key == "device" || key == "atari.rom_dir" ||
         key == "dist.rank";
}

std::string first_config_difference(const std::string& a, const std::string& b, bool (*ignore)(const std::string&)) {
  return first_difference(YAML::Load(a), YAML::Load(b), "", ignore);
}

ResolvedConfig read_run_config(const std::string& logdir) {
  const fs::path path = fs::path(logdir) / "config.yaml";
  if (!fs::exists(path)) throw Error("logdir '" + logdir + "' holds no run (no config.yaml)");
  try {
    return parse_config(read_file(path));
  } catch (const Error& e) {
    throw Error("'" + path.string() + "': " + e.what());
  }
}

bool prepare_logdir(const std::string& logdir, const std::string& yaml) {
  const fs::path dir(logdir);
  const fs::path config = dir / "config.yaml";
  const bool has_checkpoint = fs::exists(dir / "checkpoint.pt");
  const int64_t episodes = count_episode_files((dir / "train_episodes").string());
  if (!fs::exists(config)) {
    if (has_checkpoint || episodes > 0)
      throw Error("logdir '" + logdir + "' holds " +
                  (has_checkpoint ? std::string("checkpoint.pt") : std::to_string(episodes) + " episode files") +
                  " but no config.yaml, so it cannot be resumed or checked against this config; put the run's "
                  "config.yaml back, or choose another --logdir (nothing was changed)");
    write_file_atomically(config.string(), yaml, "logdir");
    return false;
  }
  // Parsed first: a config.yaml a person edited is named with its key, and one written before keys were
  // added (see Reader::added_later) compares with those keys at their defaults.
  const std::string old = read_run_config(logdir).yaml;
  if (!has_checkpoint && episodes > 0)
    throw Error("logdir '" + logdir + "' holds config.yaml and " + std::to_string(episodes) +
                " episode files but no checkpoint.pt (deleted?), so the run's agent is gone; put checkpoint.pt "
                "back, or choose another --logdir (nothing was changed)");
  if (old == yaml) return true;
  const std::string key = first_config_difference(old, yaml, resumable_key);
  if (!key.empty())
    throw Error("logdir '" + logdir + "' holds a run with a different config (key '" + key + "' differs from " +
                config.string() + "); resume it with the same settings, or choose another --logdir");
  return true;
}

void update_run_config(const std::string& logdir, const std::string& yaml) {
  const fs::path config = fs::path(logdir) / "config.yaml";
  if (read_file(config) != yaml) write_file_atomically(config.string(), yaml, "logdir");
}

}  // namespace dreamer
