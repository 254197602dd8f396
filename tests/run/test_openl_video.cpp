// Tests of the open-loop prediction video: truth, model and error rows per sequence.
#include <gtest/gtest.h>

#include "dreamer/envs/render.h"
#include "dreamer/run/openl_video.h"
#include "helpers.h"

using namespace dreamer;
using namespace dreamer::testing;

TEST(OpenLoopVideo, TruthModelAndErrorRowsPerSequence) {
  auto cfg = preset({"debug"});
  auto wm = make_model(cfg, 4);
  auto batch = moving_square(2, 6);
  const ObsSpace space = square_space();
  torch::manual_seed(9);  // the posteriors are sampled: the same draws for the video and the check
  const Video video = openl_video(*wm, batch, /*context=*/2, space);
  const int64_t h = 160, w = 160;  // a 10x10 board at 16 px per cell
  ASSERT_EQ(video.frames, 6);
  ASSERT_EQ(video.height, 3 * h);
  ASSERT_EQ(video.width, 2 * w);
  ASSERT_EQ(video.rgb.size(), size_t(6 * 3 * h * 2 * w * 3));
  auto pixel = [&](int64_t t, int64_t y, int64_t x, int c) {
    return video.rgb[size_t(((t * video.height + y) * video.width + x) * 3 + c)];
  };
  torch::manual_seed(9);
  auto model = (wm->video_pred(batch, 2) > 0.5).to(torch::kUInt8).contiguous();
  for (int64_t t : {0, 4})
    for (int64_t b = 0; b < 2; ++b) {
      auto truth = render_observation(batch.image[b][t].contiguous().data_ptr<uint8_t>(), space);
      auto predicted = render_observation(model[b][t].data_ptr<uint8_t>(), space);
      for (int64_t y = 0; y < h; y += 8)
        for (int64_t x = 0; x < w; x += 8) {
          const size_t i = size_t((y * w + x) * 3);
          ASSERT_EQ(pixel(t, y, b * w + x, 0), truth.rgb[i]) << "truth t " << t << " b " << b;
          ASSERT_EQ(pixel(t, h + y, b * w + x, 0), predicted.rgb[i]) << "model t " << t << " b " << b;
          // Error: lit exactly where truth and model differ.
          const bool differs = truth.rgb[i] != predicted.rgb[i];
          ASSERT_EQ(pixel(t, 2 * h + y, b * w + x, 0) != 0, differs) << "error t " << t << " b " << b;
        }
    }
}
