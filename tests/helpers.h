// Shared test fixtures: configs from the shipped presets and a synthetic moving-square data set.
#pragma once

#include <torch/torch.h>

#include <string>
#include <utility>
#include <vector>

#include "dreamer/core/config.h"
#include "dreamer/model/world_model.h"

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

inline ObsSpace square_space(int size = 10) { return {size, size, 1, 1}; }
inline ActSpace square_actions(int n = 3) { return {true, n, -1.0f, 1.0f}; }

}  // namespace dreamer::testing
