// Loads a trained agent from a run directory and plays its task in the program's own loop.
//
//   play_checkpoint <logdir> [episodes]      e.g. play_checkpoint runs/breakout 5
#include <dreamer/core/runtime.h>
#include <dreamer/envs/registry.h>
#include <dreamer/run/acting.h>
#include <dreamer/run/train.h>

#include <cstdio>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s <logdir> [episodes]\n", argv[0]);
    return 2;
  }
  try {
    const int episodes = argc > 2 ? std::stoi(argv[2]) : 3;
    dreamer::set_threads(1);
    dreamer::LoadedAgent agent = dreamer::load_agent(argv[1]);  // config.yaml + checkpoint.pt
    const dreamer::Config& cfg = agent.config();
    // The run's task with the run's wrappers (action repeat, time limit, ...), seeded apart from training.
    dreamer::EnvPtr env = dreamer::make_env(cfg.task, dreamer::env_options(cfg), /*seed=*/2024, /*index=*/0);
    std::vector<uint8_t> obs(size_t(env->obs_space().size()));
    for (int e = 0; e < episodes; ++e) {
      dreamer::TimeStep ts = env->reset(obs.data());
      agent.reset();  // a new episode: forget the recurrent state
      double episode_return = 0;
      int steps = 0;
      while (!ts.is_last) {
        ts = env->step(agent.act(obs.data()), obs.data());
        episode_return += ts.reward;
        ++steps;
      }
      std::printf("%s episode %d: return %.2f in %d steps\n", cfg.task.c_str(), e + 1, episode_return, steps);
    }
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
}
