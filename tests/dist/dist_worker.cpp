// A learner process for the data-parallel tests: joins the group torchrun's variables describe (WORLD_SIZE, RANK,
// MASTER_PORT on 127.0.0.1) and trains one scenario of scenarios.h, saving the result to a file.
#include <cstdlib>
#include <iostream>
#include <stdexcept>
#include <string>

#include "scenarios.h"

namespace {
int variable(const char* name) {
  const char* value = std::getenv(name);
  if (!value) throw std::runtime_error(std::string(name) + " is not set");
  return std::atoi(value);
}
}  // namespace

int main(int argc, char** argv) {
  using namespace dreamer;
  if (argc != 3) {
    std::cerr << "usage: dist_worker mlp|agent OUT\n";
    return 2;
  }
  const std::string scenario = argv[1], out = argv[2];
  try {
    torch::set_num_threads(1);
    DistConfig cfg;
    cfg.world_size = variable("WORLD_SIZE");
    cfg.rank = variable("RANK");
    cfg.master_port = variable("MASTER_PORT");
    cfg.timeout = 60;
    LearnerGroup group(cfg);
    torch::Tensor result;
    if (scenario == "mlp") {
      auto [x, y] = testing::mlp_data();
      const int64_t rows = x.size(0) / group.size();
      result = testing::train_mlp(&group, group.rank(), x.narrow(0, rows * group.rank(), rows),
                                  y.narrow(0, rows * group.rank(), rows));
    } else if (scenario == "agent") {
      result = testing::train_agent(&group, group.rank());
    } else {
      std::cerr << "unknown scenario '" << scenario << "'\n";
      return 2;
    }
    torch::save(result, out);
  } catch (const std::exception& e) {
    std::cerr << "dist_worker: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
