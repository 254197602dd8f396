// MinAtar Freeway (spec §5): a chicken crossing eight wrapping lanes of cars, 2 501 steps per episode.
#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "dreamer/envs/minatar.h"
#include "envs/board.h"

namespace dreamer {
namespace minatar {

namespace {
constexpr int kChickenCol = 4;
constexpr int kMoveCooldown = 3;
int wrap(int col) { return (col + kGrid) % kGrid; }
}  // namespace

const std::vector<int>& Freeway::minimal_actions() {
  static const std::vector<int> actions = {kNoop, kUp, kDown};
  return actions;
}

void Freeway::draw_cars(UniformSource& rng) {
  int speed[8];
  for (int& k : speed) k = uniform_int(rng, 1, 5);
  for (int i = 0; i < 8; ++i) {
    const int sign = rng.uniform() < 0.5 ? -1 : 1;
    state.cars[i].velocity = sign * speed[i];
    state.cars[i].countdown = speed[i];
  }
}

void Freeway::reset(UniformSource& rng) {
  state = State();
  draw_cars(rng);
  for (Car& car : state.cars) car.col = 0;
}

int Freeway::step(int action, UniformSource& rng) {
  State& s = state;
  if (s.terminal) return 0;
  // 1. Player.
  if (action == kUp && s.cooldown == 0) {
    s.cooldown = kMoveCooldown;
    s.chicken_row = std::max(0, s.chicken_row - 1);
  } else if (action == kDown && s.cooldown == 0) {
    s.cooldown = kMoveCooldown;
    s.chicken_row = std::min(9, s.chicken_row + 1);
  }
  // 2. Crossing.
  int reward = 0;
  if (s.chicken_row == 0) {
    reward = 1;
    draw_cars(rng);
    s.chicken_row = 9;
  }
  // 3. Cars, rows 1 to 8.
  for (int i = 0; i < 8; ++i) {
    Car& car = s.cars[i];
    const int row = i + 1;
    if (row == s.chicken_row && car.col == kChickenCol) s.chicken_row = 9;
    if (countdown_fires(car.countdown, std::abs(car.velocity))) {
      car.col = wrap(car.col + (car.velocity > 0 ? 1 : -1));
      if (row == s.chicken_row && car.col == kChickenCol) s.chicken_row = 9;
    }
  }
  // 4. Counters.
  if (s.cooldown > 0) --s.cooldown;
  if (--s.time < 0) s.terminal = true;
  return reward;
}

void Freeway::observe(uint8_t* obs) const {
  std::memset(obs, 0, kGrid * kGrid * kChannels);
  set_board_cell(obs, kGrid, kChannels, state.chicken_row, kChickenCol, 0);
  for (int i = 0; i < 8; ++i) {
    const Car& car = state.cars[i];
    set_board_cell(obs, kGrid, kChannels, i + 1, car.col, 1);
    const int back = wrap(car.col - (car.velocity > 0 ? 1 : -1));
    set_board_cell(obs, kGrid, kChannels, i + 1, back, 1 + std::abs(car.velocity));
  }
}

}  // namespace minatar
}  // namespace dreamer
