// The world model's open-loop prediction video: rendered truth, model and error, side by side.
#include "dreamer/run/openl_video.h"

#include <cstring>

#include "dreamer/envs/render.h"

namespace dreamer {

Video openl_video(WorldModelImpl& wm, const Batch& batch, int64_t context, const ObsSpace& space) {
  auto truth = batch.image.to(torch::kCPU).contiguous();  // [B, T, H, W, C] uint8
  auto pred = wm.video_pred(batch, context).to(torch::kCPU);
  const bool board = space.high == 1;
  auto model = (board ? (pred > 0.5) : pred.round().clamp(0, 255)).to(torch::kUInt8).contiguous();
  auto error = (board ? (model != truth) : ((model.to(torch::kInt16) - truth.to(torch::kInt16) + 255) / 2))
                   .to(torch::kUInt8)
                   .contiguous();
  const int64_t B = truth.size(0), T = truth.size(1), obs_size = space.size();
  const Image probe = render_observation(truth.data_ptr<uint8_t>(), space);
  const int64_t h = probe.height, w = probe.width;
  Video video;
  video.frames = T;
  video.height = 3 * h;
  video.width = B * w;
  video.rgb.assign(size_t(T * video.height * video.width * 3), 0);
  const torch::Tensor rows[3] = {truth, model, error};
  for (int64_t t = 0; t < T; ++t)
    for (int64_t b = 0; b < B; ++b)
      for (int64_t r = 0; r < 3; ++r) {
        const Image image = render_observation(rows[r].data_ptr<uint8_t>() + (b * T + t) * obs_size, space);
        for (int64_t y = 0; y < h; ++y) {
          uint8_t* dst = &video.rgb[size_t(((t * video.height + r * h + y) * video.width + b * w) * 3)];
          std::memcpy(dst, &image.rgb[size_t(y * w * 3)], size_t(w * 3));
        }
      }
  return video;
}

}  // namespace dreamer
