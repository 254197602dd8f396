// Atari aggregate scores: per-game normalisation against random and human scores, then the
// paper's gamer median / mean, record mean and clipped record mean.
#include "dreamer/run/score.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <numeric>
#include <set>

#include "dreamer/core/error.h"
#include "dreamer/core/resources.h"

namespace dreamer {
namespace fs = std::filesystem;

std::string default_atari_baselines_path() {
  if (const char* dir = std::getenv("DREAMER_DATA")) return std::string(dir) + "/atari_baselines.json";
  return shipped_file("data/atari_baselines.json");
}

AtariBaselines load_atari_baselines(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw Error("score: cannot read the Atari baselines '" + path + "'");
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw Error("score: '" + path + "' is not valid JSON: " + e.what());
  }
  if (!doc.is_object()) throw Error("score: '" + path + "' must map game names to scores");
  AtariBaselines out;
  for (const auto& [game, fields] : doc.items()) {
    auto number = [&](const char* key) {
      if (!fields.is_object() || !fields.contains(key) || !fields[key].is_number())
        throw Error("score: '" + path + "': game '" + game + "' lacks a numeric '" + key + "'");
      return fields[key].get<double>();
    };
    AtariBaseline b;
    b.random = number("random");
    auto optional = [&](const char* key) {
      return fields.contains(key) && !fields[key].is_null() ? std::optional<double>(number(key)) : std::nullopt;
    };
    b.human_gamer = optional("human_gamer");
    b.human_record = optional("human_record");
    for (const auto& [key, value] : fields.items())
      if (key != "random" && key != "human_gamer" && key != "human_record" && value.is_number())
        b.agents[key] = value.get<double>();
    out[game] = b;
  }
  return out;
}

std::map<std::string, double> published_atari_scores(const std::string& name, const AtariBaselines& baselines) {
  std::map<std::string, double> scores;
  if (name == "dreamerv2") {
    const std::string path = fs::path(default_atari_baselines_path()).parent_path() / "atari_dreamerv2.json";
    std::ifstream in(path);
    if (!in) throw Error("score: cannot read '" + path + "'");
    try {
      const auto doc = nlohmann::json::parse(in);
      for (const auto& [game, fields] : doc.items())
        scores[game] = fields.at("mean_final_200M").get<double>();
    } catch (const nlohmann::json::exception& e) {
      throw Error("score: '" + path + "' is not a map of games to {mean_final_200M}: " + e.what());
    }
    return scores;
  }
  std::set<std::string> known{"dreamerv2"};
  for (const auto& [game, b] : baselines) {
    for (const auto& [agent, score] : b.agents) known.insert(agent);
    if (auto it = b.agents.find(name); it != b.agents.end()) scores[game] = it->second;
  }
  if (scores.empty()) {
    std::string list;
    for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
    throw Error("score: no published scores named '" + name + "'; known: " + list);
  }
  return scores;
}

AtariAggregate aggregate_atari(const std::map<std::string, double>& scores, const AtariBaselines& baselines,
                               const std::map<std::string, int>& runs) {
  if (scores.empty()) throw Error("score: no Atari scores to aggregate");
  AtariAggregate agg;
  std::vector<double> gamer, record;
  for (const auto& [game, score] : scores) {
    GameScore g;
    g.game = game;
    g.score = score;
    auto r = runs.find(game);
    g.runs = r == runs.end() ? 1 : r->second;
    auto it = baselines.find(game);
    if (it == baselines.end()) {  // e.g. tetris: listed without normalised scores, left out of the aggregates
      agg.games.push_back(g);
      continue;
    }
    const AtariBaseline& b = it->second;
    if (b.human_gamer) g.gamer = (score - b.random) / (*b.human_gamer - b.random);
    if (b.human_record) g.record = (score - b.random) / (*b.human_record - b.random);
    if (g.gamer && g.record) {  // the paper's 55 games have both: the aggregates are over these
      gamer.push_back(*g.gamer);
      record.push_back(*g.record);
    }
    agg.games.push_back(g);
  }
  auto mean = [](const std::vector<double>& v) { return std::accumulate(v.begin(), v.end(), 0.0) / double(v.size()); };
  agg.gamer_games = int(gamer.size());
  if (gamer.empty()) {
    std::string names;
    for (const auto& g : agg.games) names += (names.empty() ? "" : ", ") + g.game;
    throw Error("score: none of the games (" + names + ") has human gamer and record scores (the paper's 55 do)");
  }
  std::sort(gamer.begin(), gamer.end());
  const size_t n = gamer.size();
  agg.gamer_median = n % 2 ? gamer[n / 2] : 0.5 * (gamer[n / 2 - 1] + gamer[n / 2]);
  agg.gamer_mean = mean(gamer);
  agg.record_mean = mean(record);
  double clipped = 0;
  for (double x : record) clipped += std::min(1.0, x);
  agg.clipped_record_mean = clipped / double(record.size());
  return agg;
}

namespace {
// The last eval_return of a metrics.jsonl, if any.
std::optional<double> last_eval_return(const fs::path& metrics) {
  std::ifstream in(metrics);
  if (!in) throw Error("score: cannot read '" + metrics.string() + "'");
  std::optional<double> last;
  int number = 0;
  for (std::string line; std::getline(in, line);) {
    ++number;
    if (line.find("eval_return") == std::string::npos) continue;
    nlohmann::json record;
    try {
      record = nlohmann::json::parse(line);
    } catch (const nlohmann::json::exception&) {
      throw Error("score: '" + metrics.string() + "' line " + std::to_string(number) + " is not a JSON object");
    }
    if (record.contains("eval_return") && record["eval_return"].is_number()) last = record["eval_return"].get<double>();
  }
  return last;
}
}  // namespace

std::map<std::string, std::vector<double>> collect_atari_scores(const std::string& runs_dir,
                                                                std::vector<std::string>* skipped) {
  if (!fs::is_directory(runs_dir)) throw Error("score: --runs '" + runs_dir + "' is not a directory");
  std::vector<fs::path> dirs{fs::path(runs_dir)};
  for (const auto& entry : fs::recursive_directory_iterator(runs_dir))
    if (entry.is_directory()) dirs.push_back(entry.path());
  std::sort(dirs.begin(), dirs.end());
  std::map<std::string, std::vector<double>> scores;
  auto skip = [&](const fs::path& dir, const std::string& why) {
    if (skipped) skipped->push_back(dir.string() + ": " + why);
  };
  for (const auto& dir : dirs) {
    if (!fs::exists(dir / "config.yaml") || !fs::exists(dir / "metrics.jsonl")) continue;
    std::string task;
    try {
      task = YAML::LoadFile((dir / "config.yaml").string())["task"].as<std::string>();
    } catch (const YAML::Exception& e) {
      throw Error("score: cannot read the task of '" + (dir / "config.yaml").string() + "': " + e.what());
    }
    const std::string prefix = "atari_";
    if (task.rfind(prefix, 0) != 0) {
      skip(dir, "task " + task + " is not an Atari game");
      continue;
    }
    auto score = last_eval_return(dir / "metrics.jsonl");
    if (!score) {
      skip(dir, "no evaluation yet");
      continue;
    }
    scores[task.substr(prefix.size())].push_back(*score);
  }
  return scores;
}

}  // namespace dreamer
