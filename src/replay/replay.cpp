// Replay: episodes of uint8 frames kept in memory and as .npz files on disk, sampled as
// fixed-length sequences the way the official DreamerV2 replay does.
#include "dreamer/replay/replay.h"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <numeric>

#include "dreamer/core/error.h"
#include "dreamer/io/npz.h"

namespace fs = std::filesystem;

namespace dreamer {

double Episode::score() const { return std::accumulate(reward.begin(), reward.end(), 0.0); }

void Episode::append(const uint8_t* obs, const float* act, const TimeStep& ts) {
  image.insert(image.end(), obs, obs + obs_space.size());
  action.insert(action.end(), act, act + act_dim);
  reward.push_back(ts.reward);
  is_first.push_back(ts.is_first);
  is_last.push_back(ts.is_last);
  is_terminal.push_back(ts.is_terminal);
}

int64_t Episode::bytes() const {
  return int64_t(image.size() + action.size() * sizeof(float) + reward.size() * sizeof(float) + is_first.size() +
                 is_last.size() + is_terminal.size());
}

void save_episode(const std::string& path, const Episode& ep) {
  const int64_t L = ep.length();
  const auto& s = ep.obs_space;
  std::map<std::string, NpyArray> arrays;
  arrays["image"] = make_npy("|u1", {L, s.height, s.width, s.channels}, ep.image.data(), ep.image.size());
  arrays["action"] = make_npy("<f4", {L, ep.act_dim}, ep.action.data(), ep.action.size() * sizeof(float));
  arrays["reward"] = make_npy("<f4", {L}, ep.reward.data(), ep.reward.size() * sizeof(float));
  arrays["is_first"] = make_npy("|b1", {L}, ep.is_first.data(), ep.is_first.size());
  arrays["is_last"] = make_npy("|b1", {L}, ep.is_last.data(), ep.is_last.size());
  arrays["is_terminal"] = make_npy("|b1", {L}, ep.is_terminal.data(), ep.is_terminal.size());
  write_npz(path, arrays);
}

Episode load_episode(const std::string& path, const ObsSpace& space, int64_t act_dim) {
  auto arrays = read_npz(path);
  auto take = [&](const std::string& key, const std::string& descr, std::vector<int64_t> shape) -> NpyArray& {
    auto it = arrays.find(key);
    if (it == arrays.end()) throw Error("replay: '" + path + "' has no array '" + key + "'");
    if (it->second.descr != descr || it->second.shape != shape) {
      std::string want;
      for (auto d : shape) want += (want.empty() ? "" : ", ") + std::to_string(d);
      throw Error("replay: '" + path + "' array '" + key + "' is not " + descr + " of shape (" + want +
                  ") as this task and config need");
    }
    return it->second;
  };
  auto reward_it = arrays.find("reward");
  if (reward_it == arrays.end() || reward_it->second.shape.size() != 1)
    throw Error("replay: '" + path + "' has no 1-d array 'reward'");
  const int64_t L = reward_it->second.shape[0];
  if (L < 1) throw Error("replay: '" + path + "' holds an episode of no steps");
  Episode ep;
  ep.obs_space = space;
  ep.act_dim = act_dim;
  ep.image = std::move(take("image", "|u1", {L, space.height, space.width, space.channels}).data);
  auto floats = [](const NpyArray& a) {
    std::vector<float> v(size_t(a.numel()));
    std::memcpy(v.data(), a.data.data(), a.data.size());
    return v;
  };
  ep.action = floats(take("action", "<f4", {L, act_dim}));
  ep.reward = floats(take("reward", "<f4", {L}));
  ep.is_first = std::move(take("is_first", "|b1", {L}).data);
  ep.is_last = std::move(take("is_last", "|b1", {L}).data);
  ep.is_terminal = std::move(take("is_terminal", "|b1", {L}).data);
  return ep;
}

Replay::Replay(const ReplayConfig& cfg, const ObsSpace& obs_space, int64_t act_dim, uint64_t seed,
               std::string directory)
    : cfg_(cfg), obs_space_(obs_space), act_dim_(act_dim), directory_(std::move(directory)),
      streams_{Stream(seed), Stream(seed ^ 0x9e3779b97f4a7c15ULL)} {
  if (cfg_.minlen < 1 || cfg_.maxlen < cfg_.minlen)
    throw Error("config: replay.minlen " + std::to_string(cfg_.minlen) + " and replay.maxlen " +
                std::to_string(cfg_.maxlen) + " must satisfy 1 <= minlen <= maxlen");
  if (!directory_.empty()) fs::create_directories(directory_);
}

void Replay::add_step(int worker, const uint8_t* obs, const float* action, const TimeStep& ts) {
  auto& ep = ongoing_[worker];
  if (ts.is_first) ep = Episode{obs_space_, act_dim_, {}, {}, {}, {}, {}, {}};
  if (ep.act_dim == 0) throw Error("replay: env " + std::to_string(worker) + " sent a step before its first one");
  ep.append(obs, action, ts);
  if (ts.is_last) {
    add_episode(std::make_shared<const Episode>(std::move(ep)));
    ongoing_.erase(worker);
  }
}

void Replay::add_episode(std::shared_ptr<const Episode> episode, bool write) {
  if (episode->length() < cfg_.minlen) return;
  if (write && !directory_.empty()) {
    char name[64];
    std::snprintf(name, sizeof(name), "%08lld-%lld.npz", static_cast<long long>(next_file_),
                  static_cast<long long>(episode->length()));
    save_episode((fs::path(directory_) / name).string(), *episode);
  }
  ++next_file_;
  steps_ += episode->length();
  bytes_ += episode->bytes();
  episodes_.push_back(std::move(episode));
  enforce_capacity();
}

int64_t Replay::load_directory(int64_t until, bool load) {
  if (directory_.empty() || !fs::exists(directory_)) return 0;
  std::vector<std::pair<int64_t, fs::path>> files;
  for (const auto& entry : fs::directory_iterator(directory_)) {
    if (entry.path().extension() != ".npz") continue;
    const std::string stem = entry.path().stem().string();
    const size_t digits = stem.find_first_not_of("0123456789");
    if (digits == 0 || digits == std::string::npos || digits > 18) continue;  // not one of ours
    files.emplace_back(std::stoll(stem.substr(0, digits)), entry.path());
  }
  std::sort(files.begin(), files.end());
  int64_t loaded = 0;
  for (const auto& [number, path] : files) {
    if (until >= 0 && number >= until) {
      std::error_code ec;
      fs::remove(path, ec);
      if (ec) throw Error("replay: cannot remove '" + path.string() + "' (written after the checkpoint): " + ec.message());
      continue;
    }
    if (load) {
      add_episode(std::make_shared<const Episode>(load_episode(path.string(), obs_space_, act_dim_)), /*write=*/false);
      ++loaded;
    }
    next_file_ = std::max<int64_t>(next_file_, number + 1);
  }
  if (until >= 0) next_file_ = std::max(next_file_, until);
  return loaded;
}

void Replay::enforce_capacity() {
  while (episodes_.size() > 1 && steps_ > cfg_.capacity) {
    steps_ -= episodes_.front()->length();
    bytes_ -= episodes_.front()->bytes();
    episodes_.pop_front();
  }
}

void Replay::draw_chunk(Stream& stream, Chunk& chunk) {
  auto uniform = [&](int64_t n) { return std::uniform_int_distribution<int64_t>(0, n - 1)(stream.rng); };
  auto episode = episodes_[size_t(uniform(int64_t(episodes_.size())))];
  const int64_t total = episode->length();
  int64_t length = std::min<int64_t>(total, cfg_.maxlen);
  length -= uniform(cfg_.minlen);  // vary chunk ends when all episodes have one length
  length = std::max<int64_t>(std::min<int64_t>(cfg_.minlen, total), length);
  int64_t upper = total - length + 1;
  if (cfg_.prioritize_ends) upper += cfg_.minlen;
  chunk.episode = episode;
  chunk.start = std::min(uniform(upper), total - length);
  chunk.length = length;
  chunk.fresh = true;
}

Batch Replay::sample(int64_t B, int64_t T, SampleStream which, SampleRows rows) {
  if (episodes_.empty()) throw Error("replay: no finished episode to sample from yet");
  const int64_t obs_size = obs_space_.size();
  auto image = torch::empty({B, T, obs_space_.height, obs_space_.width, obs_space_.channels}, torch::kUInt8);
  auto action = torch::empty({B, T, act_dim_});
  auto reward = torch::empty({B, T});
  auto is_first = torch::empty({B, T}, torch::kBool);
  auto is_terminal = torch::empty({B, T}, torch::kBool);
  uint8_t* img = image.data_ptr<uint8_t>();
  float* act = action.data_ptr<float>();
  float* rew = reward.data_ptr<float>();
  bool* first = is_first.data_ptr<bool>();
  bool* term = is_terminal.data_ptr<bool>();
  Stream& stream = streams_[which == SampleStream::train ? 0 : 1];
  // continued: one chunk per row (a changed batch size starts the rows anew).
  const size_t n_chunks = rows == SampleRows::continued ? size_t(B) : 1;
  if (stream.chunks.size() != n_chunks) stream.chunks.assign(n_chunks, Chunk{});
  for (int64_t b = 0; b < B; ++b) {
    Chunk& chunk = stream.chunks[rows == SampleRows::continued ? size_t(b) : 0];
    int64_t filled = 0;
    while (filled < T) {
      if (chunk.length == 0) draw_chunk(stream, chunk);
      const Episode& ep = *chunk.episode;
      const int64_t start = chunk.start;
      const int64_t n = std::min(chunk.length, T - filled);
      const int64_t at = b * T + filled;
      std::memcpy(img + at * obs_size, ep.image.data() + start * obs_size, size_t(n * obs_size));
      std::memcpy(act + at * act_dim_, ep.action.data() + start * act_dim_, size_t(n * act_dim_) * sizeof(float));
      for (int64_t i = 0; i < n; ++i) {
        rew[at + i] = ep.reward[size_t(start + i)];
        first[at + i] = (i == 0 && chunk.fresh) || ep.is_first[size_t(start + i)];
        term[at + i] = ep.is_terminal[size_t(start + i)];
      }
      filled += n;
      // What did not fit goes on in the next row (one_stream) or this row's next call (continued), unmarked.
      chunk.start += n;
      chunk.length -= n;
      chunk.fresh = false;
      if (chunk.length == 0) chunk.episode.reset();
    }
  }
  return {image, action, reward, is_first, is_terminal};
}

}  // namespace dreamer
