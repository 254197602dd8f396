// Private helpers for 10x10xC boolean boards: cell writes and the coloured rendering shared by MinAtar and debug tasks.
#pragma once

#include <cstdint>
#include <cstring>

#include "dreamer/envs/env.h"

namespace dreamer {

/// Sets cell (row, col, channel) of a [rows][cols][channels] board of `cols` columns.
inline void set_board_cell(uint8_t* obs, int cols, int channels, int row, int col, int channel) {
  obs[(row * cols + col) * channels + channel] = 1;
}

/// Renders a [height][width][channels] 0/1 board as RGB, each cell `scale` px square. Each channel has its own
/// colour; where several channels are set, the highest channel wins. Empty cells are black.
Image render_board(const uint8_t* obs, int height, int width, int channels, int scale = 16);

}  // namespace dreamer
