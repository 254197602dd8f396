// Shared test fixtures: configs from the shipped presets, a synthetic moving-square data set, scratch
// directories and files, and the text of a thrown error.
#pragma once

#include <torch/torch.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <utility>
#include <vector>

#include "dreamer/core/config.h"
#include "dreamer/model/world_model.h"
#include "envs/error_text.h"

namespace dreamer::testing {

/// The shipped configs.yaml resolved with `presets` and `overrides`.
inline Config preset(const std::vector<std::string>& presets,
                     const std::vector<std::pair<std::string, std::string>>& overrides = {}) {
  return load_config(default_configs_path(), presets, overrides).config;
}

/// B sequences of T frames of a 2x2 square bouncing in a size x size single-channel board
/// (values 0/1). The reward is 1 on the steps where the square touches an edge. Actions are
/// random one-hots of `actions` choices that do not affect the square.
inline Batch moving_square(int64_t B, int64_t T, int64_t size = 10, int64_t actions = 3, uint64_t seed = 0) {
  torch::manual_seed(seed);
  auto image = torch::zeros({B, T, size, size, 1}, torch::kUInt8);
  auto reward = torch::zeros({B, T});
  auto start = torch::randint(0, size - 1, {B, 2});
  auto velocity = torch::randint(0, 2, {B, 2}) * 2 - 1;
  auto acc = image.accessor<uint8_t, 5>();
  for (int64_t b = 0; b < B; ++b) {
    int64_t y = start[b][0].item<int64_t>(), x = start[b][1].item<int64_t>();
    int64_t vy = velocity[b][0].item<int64_t>(), vx = velocity[b][1].item<int64_t>();
    for (int64_t t = 0; t < T; ++t) {
      for (int64_t dy = 0; dy < 2; ++dy)
        for (int64_t dx = 0; dx < 2; ++dx) acc[b][t][y + dy][x + dx][0] = 1;
      if (y == 0 || x == 0 || y == size - 2 || x == size - 2) reward[b][t] = 1.0f;
      if (y + vy < 0 || y + vy > size - 2) vy = -vy;
      if (x + vx < 0 || x + vx > size - 2) vx = -vx;
      y += vy;
      x += vx;
    }
  }
  auto action = torch::one_hot(torch::randint(0, actions, {B, T}), actions).to(torch::kFloat32);
  action.select(1, 0).zero_();
  auto is_first = torch::zeros({B, T}, torch::kBool);
  is_first.select(1, 0).fill_(true);
  return {image, action, reward, is_first, torch::zeros({B, T}, torch::kBool)};
}

inline ObsSpace square_space(int size = 10);
inline ActSpace square_actions(int n = 3);

/// A world model of `cfg` for the moving square, its weights drawn under `seed`.
inline WorldModel make_model(const Config& cfg, uint64_t seed) {
  torch::manual_seed(seed);
  return WorldModel(cfg, square_space(), square_actions());
}

/// A fresh directory under the system's temporary directory, removed at scope exit.
struct TempDir {
  std::filesystem::path path;
  explicit TempDir(const std::string& name) : path(std::filesystem::temp_directory_path() / ("dreamer_test_" + name)) {
    std::filesystem::remove_all(path);
    std::filesystem::create_directories(path);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  std::string operator/(const std::string& f) const { return (path / f).string(); }
};

inline std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

inline void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

inline ObsSpace square_space(int size) { return {size, size, 1, 1}; }
inline ActSpace square_actions(int n) { return {true, n, -1.0f, 1.0f}; }

}  // namespace dreamer::testing
