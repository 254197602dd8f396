// The training batch: B sequences of T steps as replay samples them and the world model learns from them.
#include "dreamer/replay/batch.h"

namespace dreamer {

Batch Batch::to(torch::Device device) const {
  return {image.to(device), action.to(device), reward.to(device), is_first.to(device), is_terminal.to(device)};
}

}  // namespace dreamer
