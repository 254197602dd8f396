// Animated GIF encoding of video frames (giflib): for `dreamer play --out`, videos/ and TensorBoard.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace dreamer {

/// Encodes `T` frames of `H` x `W` pixels with `C` channels (1 gray or 3 RGB), laid out as
/// [T, H, W, C] uint8, into an animated, endlessly looping GIF89a shown at `fps` frames per
/// second (GIF delays are in 1/100 s, so the delay is round(100 / fps), at least 2).
/// Gray frames are stored exactly (a 256-level gray palette). RGB videos with at most 256
/// distinct colours are stored exactly too; richer ones are quantised to one 256-colour
/// palette shared by all frames (median cut). Throws dreamer::Error on bad shapes or fps.
std::vector<uint8_t> encode_gif(const std::vector<uint8_t>& frames, int T, int H, int W, int C,
                                int fps = 10);

/// encode_gif, written to `path` atomically (a temporary file in the same directory, then
/// renamed). Throws dreamer::Error naming `path` when it cannot be written.
void write_gif(const std::string& path, const std::vector<uint8_t>& frames, int T, int H, int W,
               int C, int fps = 10);

}  // namespace dreamer
