// Trains DreamerV2 on a program's own environment through the library, then acts with the trained agent.
//
//   custom_env <logdir> [frames]     e.g. custom_env runs/chase 4000
//
// The env, "chase": a 10x10 board, the agent (channel 0) and a target (channel 1) in random cells; five actions
// (stay, up, down, left, right); reward 1 and the episode over when the agent reaches the target, cut after 20
// steps. A random policy reaches it in about 9% of the episodes.
#include <dreamer/core/config.h>
#include <dreamer/core/runtime.h>
#include <dreamer/envs/evaluate.h>
#include <dreamer/envs/random.h>
#include <dreamer/envs/registry.h>
#include <dreamer/run/acting.h>
#include <dreamer/run/train.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

class Chase final : public dreamer::Env {
 public:
  explicit Chase(uint64_t seed) : rng_(seed) {}
  const dreamer::ObsSpace& obs_space() const override { return obs_space_; }
  const dreamer::ActSpace& act_space() const override { return act_space_; }
  dreamer::TimeStep reset(uint8_t* obs) override {
    agent_ = cell(), target_ = cell();
    while (target_ == agent_) target_ = cell();
    t_ = 0;
    draw(obs);
    return {0.0f, /*is_first=*/true, false, false};
  }
  dreamer::TimeStep step(const dreamer::Action& action, uint8_t* obs) override {
    static const int dy[5] = {0, -1, 1, 0, 0}, dx[5] = {0, 0, 0, -1, 1};
    if (action.index < 0 || action.index > 4) throw dreamer::Error("chase: action " + std::to_string(action.index));
    const int y = std::clamp(agent_ / 10 + dy[action.index], 0, 9), x = std::clamp(agent_ % 10 + dx[action.index], 0, 9);
    agent_ = 10 * y + x;
    draw(obs);
    const bool reached = agent_ == target_;
    return {reached ? 1.0f : 0.0f, false, /*is_last=*/reached || ++t_ >= 20, /*is_terminal=*/reached};
  }
  dreamer::Image render() const override {
    dreamer::Image image{10, 10, std::vector<uint8_t>(300, 0)};
    image.rgb[3 * agent_ + 1] = 255, image.rgb[3 * target_ + 0] = 255;
    return image;
  }

 private:
  int cell() { return int(rng_.uniform() * 100) % 100; }
  void draw(uint8_t* obs) const {
    std::fill(obs, obs + 200, uint8_t(0));
    obs[2 * agent_] = 1, obs[2 * target_ + 1] = 1;
  }
  dreamer::ObsSpace obs_space_{10, 10, 2, 1};  // [H, W, C] with values 0/1, as MinAtar's boards
  dreamer::ActSpace act_space_{true, 5, -1.0f, 1.0f};
  dreamer::Xoshiro256 rng_;
  int agent_ = 0, target_ = 0, t_ = 0;
};

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s <logdir> [frames]\n", argv[0]);
    return 2;
  }
  try {
    // The suite "chase" with its one task "grid": the task name "chase_grid" now works like "minatar_breakout".
    dreamer::register_suite("chase", [](const std::string&, const dreamer::EnvOptions&, uint64_t seed) {
      return std::make_unique<Chase>(seed);
    }, {"grid"});
    dreamer::set_threads(1);  // threads and seeds are the program's choice
    dreamer::seed_everything(0);
    // The debug preset (a small model for 10x10 boards) on our task; keys as on the CLI.
    const std::string frames = argc > 2 ? argv[2] : "20000";
    dreamer::ResolvedConfig rc = dreamer::load_config(dreamer::default_configs_path(), {"debug"},
        {{"task", "chase_grid"}, {"logdir", argv[1]}, {"steps", frames}, {"time_limit", "0"}, {"threads", "1"}});
    dreamer::TrainHooks hooks;
    hooks.report = [](const dreamer::Progress& p) {
      if (p.has_eval && p.phase == "train") std::printf("%lld frames: eval return %.2f\n", (long long)p.step, p.eval_return);
    };
    dreamer::train(rc, hooks);

    // The trained agent acting in our own loop.
    dreamer::LoadedAgent agent = dreamer::load_agent(argv[1]);
    Chase env(/*seed=*/123);
    std::vector<uint8_t> obs(size_t(env.obs_space().size()));
    double total = 0;
    const int episodes = 20;
    for (int e = 0; e < episodes; ++e) {
      dreamer::TimeStep ts = env.reset(obs.data());
      agent.reset();
      while (!ts.is_last) {
        ts = env.step(agent.act(obs.data()), obs.data());
        total += ts.reward;
      }
    }
    const auto random = dreamer::evaluate_random("chase_grid", dreamer::EnvOptions(), 200, 7);
    std::printf("greedy agent: %.2f targets per episode over %d episodes; random policy: %.2f\n", total / episodes,
                episodes, random.mean_return);
    return 0;
  } catch (const dreamer::Error& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
}
