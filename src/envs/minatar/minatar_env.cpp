// The MinAtar Env (spec §2 wrapper semantics: sticky actions, minimal action sets) over any game core.
#include <memory>
#include <string>

#include "dreamer/envs/minatar.h"
#include "envs/board.h"

namespace dreamer {

namespace minatar {

bool CellMask::empty() const {
  uint16_t any = 0;
  for (uint16_t row : rows) any = uint16_t(any | row);
  return any == 0;
}

int CellMask::count() const {
  int n = 0;
  for (uint16_t row : rows) n += __builtin_popcount(row);
  return n;
}

uint16_t CellMask::columns() const {
  uint16_t any = 0;
  for (uint16_t row : rows) any = uint16_t(any | row);
  return any;
}

}  // namespace minatar

namespace {

/// MinAtarEnv for one game core. The core's state lives inline; the step path allocates nothing.
template <class Game>
class MinAtarGameEnv final : public MinAtarEnv {
 public:
  MinAtarGameEnv(const MinAtarOptions& options, uint64_t seed, std::unique_ptr<UniformSource> rng)
      : game_(options.ramping), sticky_(options.sticky), name_(Game::kName) {
    if (!(options.sticky >= 0.0 && options.sticky <= 1.0))
      throw Error("minatar: sticky probability must be in [0, 1], got " + std::to_string(options.sticky));
    rng_ = rng ? std::move(rng) : std::make_unique<Xoshiro256>(seed);
    obs_space_ = ObsSpace{minatar::kGrid, minatar::kGrid, Game::kChannels, /*high=*/1};
    if (options.minimal_actions) actions_ = Game::minimal_actions();
    else
      for (int a = 0; a < minatar::kNumActions; ++a) actions_.push_back(a);
    act_space_.discrete = true;
    act_space_.n = int(actions_.size());
  }

  const ObsSpace& obs_space() const override { return obs_space_; }
  const ActSpace& act_space() const override { return act_space_; }

  TimeStep reset(uint8_t* obs) override {
    game_.reset(*rng_);  // the sticky memory survives resets (spec §2)
    started_ = true;
    game_.observe(obs);
    TimeStep ts;
    ts.is_first = true;
    return ts;
  }

  TimeStep step(const Action& action, uint8_t* obs) override {
    if (!started_) throw Error("minatar_" + name_ + ": step() called before reset()");
    if (action.index < 0 || action.index >= act_space_.n)
      throw Error("minatar_" + name_ + ": action index " + std::to_string(action.index) + " is outside [0, " +
                  std::to_string(act_space_.n) + ")");
    const int requested = actions_[action.index];
    // One sticky draw per call, before the game's own draws, also on a terminated game.
    const int executed = rng_->uniform() < sticky_ ? previous_ : requested;
    previous_ = executed;
    TimeStep ts;
    ts.reward = float(game_.step(executed, *rng_));
    ts.is_last = ts.is_terminal = game_.terminal();
    game_.observe(obs);
    return ts;
  }

  Image render() const override {
    uint8_t board[minatar::kGrid * minatar::kGrid * Game::kChannels];
    game_.observe(board);
    return render_board(board, minatar::kGrid, minatar::kGrid, Game::kChannels);
  }

  const std::string& game() const override { return name_; }
  int ramp_level() const override { return game_.ramp_level(); }
  int last_executed_action() const override { return previous_; }

 private:
  Game game_;
  double sticky_;
  std::string name_;
  std::unique_ptr<UniformSource> rng_;
  std::vector<int> actions_;  // agent index -> full action index
  ObsSpace obs_space_;
  ActSpace act_space_;
  int previous_ = minatar::kNoop;  // previous executed action; no-op when the env is created
  bool started_ = false;
};

}  // namespace

const std::vector<std::string>& minatar_games() {
  static const std::vector<std::string> games = {"breakout", "asterix", "freeway", "seaquest", "space_invaders"};
  return games;
}

std::unique_ptr<MinAtarEnv> make_minatar(const std::string& game, const MinAtarOptions& options, uint64_t seed,
                                         std::unique_ptr<UniformSource> rng) {
  using namespace minatar;
  if (game == Breakout::kName) return std::make_unique<MinAtarGameEnv<Breakout>>(options, seed, std::move(rng));
  if (game == Asterix::kName) return std::make_unique<MinAtarGameEnv<Asterix>>(options, seed, std::move(rng));
  if (game == Freeway::kName) return std::make_unique<MinAtarGameEnv<Freeway>>(options, seed, std::move(rng));
  if (game == Seaquest::kName) return std::make_unique<MinAtarGameEnv<Seaquest>>(options, seed, std::move(rng));
  if (game == SpaceInvaders::kName)
    return std::make_unique<MinAtarGameEnv<SpaceInvaders>>(options, seed, std::move(rng));
  std::string valid;
  for (const auto& g : minatar_games()) valid += (valid.empty() ? "" : ", ") + g;
  throw Error("unknown MinAtar game '" + game + "'; valid games: " + valid);
}

}  // namespace dreamer
