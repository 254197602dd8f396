// Random-policy evaluation: episode return and length statistics.
#include "dreamer/envs/evaluate.h"

#include <cmath>
#include <tuple>
#include <vector>

#include "dreamer/envs/random.h"

namespace dreamer {

namespace {
/// Mean and standard error of the mean.
std::pair<double, double> mean_stderr(const std::vector<double>& xs) {
  const double n = double(xs.size());
  double mean = 0;
  for (double x : xs) mean += x;
  mean /= n;
  if (xs.size() < 2) return {mean, 0.0};
  double ss = 0;
  for (double x : xs) ss += (x - mean) * (x - mean);
  return {mean, std::sqrt(ss / (n - 1)) / std::sqrt(n)};
}
}  // namespace

ReturnStats summarize_episodes(const std::vector<double>& returns, const std::vector<double>& lengths) {
  if (returns.empty() || returns.size() != lengths.size())
    throw Error("summarize_episodes: need equal, non-empty lists of returns and lengths");
  ReturnStats stats;
  stats.episodes = int(returns.size());
  std::tie(stats.mean_return, stats.stderr_return) = mean_stderr(returns);
  std::tie(stats.mean_length, stats.stderr_length) = mean_stderr(lengths);
  return stats;
}

ReturnStats evaluate_random(const std::string& task, const EnvOptions& opts, int episodes, uint64_t seed) {
  if (episodes < 1) throw Error("evaluate_random: episodes must be >= 1, got " + std::to_string(episodes));
  EnvPtr env = make_env(task, opts, seed, 0);
  return evaluate_random(*env, episodes, seed);
}

ReturnStats evaluate_random(Env& env, int episodes, uint64_t seed) {
  if (episodes < 1) throw Error("evaluate_random: episodes must be >= 1, got " + std::to_string(episodes));
  const ActSpace& space = env.act_space();
  Xoshiro256 policy(env_seed(seed, -1));  // a stream apart from every env's
  std::vector<uint8_t> obs(size_t(env.obs_space().size()));
  Action action;
  if (!space.discrete) action.values.resize(size_t(space.n));
  std::vector<double> returns, lengths;
  for (int ep = 0; ep < episodes; ++ep) {
    TimeStep ts = env.reset(obs.data());
    double ret = 0;
    int64_t length = 0;
    while (!ts.is_last) {
      if (space.discrete)
        action.index = int(policy.below(uint32_t(space.n)));
      else
        for (float& v : action.values) v = space.low + float(policy.uniform()) * (space.high - space.low);
      ts = env.step(action, obs.data());
      ret += ts.reward;
      ++length;
    }
    returns.push_back(ret);
    lengths.push_back(double(length));
  }
  return summarize_episodes(returns, lengths);
}

}  // namespace dreamer
