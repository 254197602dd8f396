// Playing episodes and summarising them: the episode tracker, play_episodes, and the random-policy baseline.
#include "dreamer/envs/evaluate.h"

#include <cmath>
#include <tuple>

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

namespace {
// Pools groups given as (count, mean, standard error) into one: the sum of squared deviations of each group
// (its sample variance times count - 1) plus the groups' deviations from the pooled mean (Chan et al.).
std::pair<double, double> pool(const std::vector<ReturnStats>& parts, double ReturnStats::*mean,
                               double ReturnStats::*stderr_of) {
  double n = 0, total = 0;
  for (const auto& p : parts) n += p.episodes, total += p.episodes * (p.*mean);
  const double pooled = total / n;
  if (n < 2) return {pooled, 0.0};
  double ss = 0;
  for (const auto& p : parts) {
    const double sd = (p.*stderr_of) * std::sqrt(double(p.episodes));
    ss += sd * sd * (p.episodes - 1) + p.episodes * ((p.*mean) - pooled) * ((p.*mean) - pooled);
  }
  return {pooled, std::sqrt(ss / (n - 1)) / std::sqrt(n)};
}
}  // namespace

ReturnStats merge_stats(const std::vector<ReturnStats>& parts) {
  std::vector<ReturnStats> some;
  for (const auto& p : parts)
    if (p.episodes > 0) some.push_back(p);
  if (some.empty()) throw Error("merge_stats: no episodes to merge");
  ReturnStats stats;
  for (const auto& p : some) stats.episodes += p.episodes;
  std::tie(stats.mean_return, stats.stderr_return) = pool(some, &ReturnStats::mean_return, &ReturnStats::stderr_return);
  std::tie(stats.mean_length, stats.stderr_length) = pool(some, &ReturnStats::mean_length, &ReturnStats::stderr_length);
  return stats;
}

EpisodeTracker::EpisodeTracker(int envs) : ongoing_(size_t(envs)) {}

std::optional<EpisodeResult> EpisodeTracker::add(int env, const TimeStep& ts) {
  EpisodeResult& episode = ongoing_.at(size_t(env));
  if (ts.is_first) {
    episode = {};
    return std::nullopt;
  }
  episode.ret += ts.reward;
  episode.length += 1;
  if (ts.is_last) return episode;
  return std::nullopt;
}

ReturnStats play_episodes(Driver& driver, const Policy& policy, int episodes, const StepFn& on_step) {
  if (episodes < 1) throw Error("play_episodes: episodes must be >= 1, got " + std::to_string(episodes));
  EpisodeTracker tracker(driver.envs().size());
  std::vector<double> returns, lengths;
  auto step = [&](int env, const uint8_t* obs, const float* action, const TimeStep& ts) {
    if (on_step) on_step(env, obs, action, ts);
    const auto episode = tracker.add(env, ts);
    if (episode && int(returns.size()) < episodes) {
      returns.push_back(episode->ret);
      lengths.push_back(double(episode->length));
    }
  };
  while (int(returns.size()) < episodes) driver.step(policy, step);
  return summarize_episodes(returns, lengths);
}

ReturnStats evaluate_random(const std::string& task, const EnvOptions& opts, int episodes, uint64_t seed) {
  if (episodes < 1) throw Error("evaluate_random: episodes must be >= 1, got " + std::to_string(episodes));
  std::vector<EnvPtr> env;
  env.push_back(make_env(task, opts, seed, 0));
  BatchEnv envs(std::move(env), /*threads=*/0);
  Driver driver(envs);
  return play_episodes(driver, random_policy(envs.act_space(), env_seed(seed, -1)), episodes);
}

}  // namespace dreamer
