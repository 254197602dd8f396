// Atari aggregate scores as the paper reports them (section 4): gamer median and mean, record
// mean, clipped record mean, from the runs' final evaluations or from published per-game scores.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace dreamer {

/// One game's reference scores: random and human policies, and published agents' finals.
struct AtariBaseline {
  double random = 0;
  std::optional<double> human_gamer;  // missing for a few games outside the paper's 55
  std::optional<double> human_record;  // missing for surround
  std::map<std::string, double> agents;  // e.g. rainbow_sticky_2e8 -> score
};
using AtariBaselines = std::map<std::string, AtariBaseline>;  // by game, e.g. "pong"

/// Reads `{game: {random, human_gamer, human_record, <agent>: score ...}}` (data/atari_baselines.json).
/// Throws dreamer::Error naming the file and the game on a missing or non-numeric field.
AtariBaselines load_atari_baselines(const std::string& path);
/// $DREAMER_DATA/atari_baselines.json when set, else the shipped data/atari_baselines.json (shipped_file).
std::string default_atari_baselines_path();

/// A published agent's per-game scores: an agent column of the baselines (e.g.
/// rainbow_sticky_2e8), or "dreamerv2", the paper's final scores (data/atari_dreamerv2.json, the
/// mean over seeds at 200M frames). Throws dreamer::Error listing the known names otherwise.
std::map<std::string, double> published_atari_scores(const std::string& name, const AtariBaselines& baselines);

struct GameScore {
  std::string game;
  double score = 0;
  int runs = 0;                      // runs averaged (seeds)
  std::optional<double> gamer;       // (score - random) / (human_gamer - random)
  std::optional<double> record;      // (score - random) / (human_record - random)
};

struct AtariAggregate {
  std::vector<GameScore> games;      // by name
  int gamer_games = 0;               // games aggregated: those with both human scores
  double gamer_median = 0, gamer_mean = 0, record_mean = 0, clipped_record_mean = 0;
};

/// Normalises per-game scores (game -> score, and game -> runs behind it) and aggregates them over
/// the games with both human scores (the paper's 55 among them; the others are listed, not aggregated).
/// A game without baseline scores (tetris, say) is listed without normalised scores. Throws dreamer::Error
/// naming the games when none of them can be aggregated.
AtariAggregate aggregate_atari(const std::map<std::string, double>& scores, const AtariBaselines& baselines,
                               const std::map<std::string, int>& runs = {});

/// Scans `runs_dir` and its subdirectories for runs (config.yaml + metrics.jsonl) whose task is
/// atari_<game>, and returns per game the final score of each run: the mean return of its last
/// evaluation (its last eval_return line). Runs of other tasks or without an evaluation are
/// listed in `skipped` with the reason. Throws dreamer::Error naming a missing directory or a
/// malformed file.
std::map<std::string, std::vector<double>> collect_atari_scores(const std::string& runs_dir,
                                                                std::vector<std::string>* skipped = nullptr);

}  // namespace dreamer
