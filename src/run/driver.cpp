// The driver: steps a batch of envs with a policy and hands every transition to its consumers.
#include "dreamer/run/driver.h"

#include <algorithm>
#include <memory>

namespace dreamer {

Driver::Driver(BatchEnv& envs)
    : envs_(envs),
      obs_(size_t(envs.size() * envs.obs_size())),
      actions_(size_t(envs.size())),
      action_vec_(size_t(envs.act_space().n)) {}

void Driver::emit(const StepFn& on_step, const std::vector<Action>* actions) {
  const auto& space = envs_.act_space();
  for (int i = 0; i < envs_.size(); ++i) {
    const TimeStep& ts = steps_[size_t(i)];
    if (ts.is_first || !actions) {
      std::fill(action_vec_.begin(), action_vec_.end(), 0.0f);
    } else {
      action_vector(space, (*actions)[size_t(i)], action_vec_.data());
    }
    on_step(i, obs_.data() + i * envs_.obs_size(), action_vec_.data(), ts);
  }
}

int64_t Driver::step(const Policy& policy, const StepFn& on_step) {
  if (!started_) {
    envs_.reset(obs_.data(), steps_);
    started_ = true;
    emit(on_step, nullptr);
    return 0;
  }
  policy(obs_.data(), steps_, actions_);
  envs_.step(actions_, obs_.data(), steps_);
  emit(on_step, &actions_);
  return std::count_if(steps_.begin(), steps_.end(), [](const TimeStep& ts) { return !ts.is_first; });
}

void action_vector(const ActSpace& space, const Action& action, float* out) {
  if (space.discrete) {
    std::fill(out, out + space.n, 0.0f);
    out[action.index] = 1.0f;
  } else {
    std::copy(action.values.begin(), action.values.end(), out);
  }
}

Policy random_policy(const ActSpace& space, uint64_t seed) {
  auto rng = std::make_shared<std::mt19937_64>(seed);
  return [space, rng](const uint8_t*, const std::vector<TimeStep>& steps, std::vector<Action>& actions) {
    actions.resize(steps.size());
    for (auto& a : actions) {
      if (space.discrete) {
        a.index = std::uniform_int_distribution<int>(0, space.n - 1)(*rng);
      } else {
        a.values.resize(size_t(space.n));
        for (auto& v : a.values) v = std::uniform_real_distribution<float>(space.low, space.high)(*rng);
      }
    }
  };
}

}  // namespace dreamer
