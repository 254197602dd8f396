// Coloured rendering of boolean boards, shared by MinAtar and the debug tasks, and of any observation.
#include "envs/board.h"

#include "dreamer/core/error.h"
#include "dreamer/envs/render.h"

namespace dreamer {

namespace {
// Distinct, readable colours; channel i uses kPalette[i % 12].
constexpr uint8_t kPalette[12][3] = {
    {255, 255, 255}, {230, 60, 60},  {90, 90, 90},   {250, 200, 40}, {60, 130, 240}, {60, 200, 90},
    {200, 80, 220},  {60, 220, 220}, {250, 140, 40}, {150, 110, 70}, {180, 230, 90}, {240, 150, 190}};
}  // namespace

Image render_board(const uint8_t* obs, int height, int width, int channels, int scale) {
  Image image;
  image.height = height * scale;
  image.width = width * scale;
  image.rgb.assign(size_t(image.height) * image.width * 3, 0);
  for (int r = 0; r < height; ++r) {
    for (int c = 0; c < width; ++c) {
      int top = -1;
      for (int ch = 0; ch < channels; ++ch)
        if (obs[(r * width + c) * channels + ch]) top = ch;
      if (top < 0) continue;
      const uint8_t* colour = kPalette[top % 12];
      for (int y = r * scale; y < (r + 1) * scale; ++y)
        for (int x = c * scale; x < (c + 1) * scale; ++x) std::memcpy(&image.rgb[(size_t(y) * image.width + x) * 3], colour, 3);
    }
  }
  return image;
}

Image render_observation(const uint8_t* obs, const ObsSpace& space, int board_scale) {
  if (space.high == 1) return render_board(obs, space.height, space.width, space.channels, board_scale);
  if (space.channels != 1 && space.channels != 3)
    throw Error("render_observation: pixels need 1 or 3 channels, got " + std::to_string(space.channels));
  Image image;
  image.height = space.height;
  image.width = space.width;
  const size_t pixels = size_t(space.height) * space.width;
  image.rgb.resize(pixels * 3);
  for (size_t i = 0; i < pixels; ++i)
    for (int c = 0; c < 3; ++c) image.rgb[i * 3 + c] = obs[i * space.channels + (space.channels == 3 ? c : 0)];
  return image;
}

}  // namespace dreamer
