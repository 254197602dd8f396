// The driver: steps a batch of envs with a policy and hands every transition to its consumers; the random policy.
#include "dreamer/envs/driver.h"

#include <algorithm>
#include <memory>
#include <string>

namespace dreamer {

Driver::Driver(BatchEnv& envs)
    : envs_(envs),
      obs_(size_t(envs.size() * envs.obs_size())),
      actions_(size_t(envs.size())),
      zeros_(size_t(envs.act_space().n), 0.0f) {}

void Driver::emit(const StepFn& on_step) {
  for (int i = 0; i < envs_.size(); ++i) {
    const TimeStep& ts = steps_[size_t(i)];
    const float* action = ts.is_first ? zeros_.data() : actions_[size_t(i)].values.data();
    on_step(i, obs_.data() + i * envs_.obs_size(), action, ts);
  }
}

int64_t Driver::step(const Policy& policy, const StepFn& on_step) {
  if (!started_) {
    envs_.reset(obs_.data(), steps_);
    started_ = true;
    emit(on_step);
    return 0;
  }
  policy(obs_.data(), steps_, actions_);
  for (size_t i = 0; i < actions_.size(); ++i)
    if (!steps_[i].is_last && actions_[i].values.size() != zeros_.size())
      throw Error("driver: the policy's action for env " + std::to_string(i) + " has " +
                  std::to_string(actions_[i].values.size()) + " values, expected " + std::to_string(zeros_.size()));
  envs_.step(actions_, obs_.data(), steps_);
  emit(on_step);
  return std::count_if(steps_.begin(), steps_.end(), [](const TimeStep& ts) { return !ts.is_first; });
}

void random_action(const ActSpace& space, Xoshiro256& rng, Action& action) {
  action.values.resize(size_t(space.n));
  if (space.discrete) {
    action.index = int(rng.below(uint32_t(space.n)));
    std::fill(action.values.begin(), action.values.end(), 0.0f);
    action.values[size_t(action.index)] = 1.0f;
  } else {
    for (float& v : action.values) v = space.low + float(rng.uniform()) * (space.high - space.low);
  }
}

Policy random_policy(const ActSpace& space, uint64_t seed) {
  auto rng = std::make_shared<Xoshiro256>(seed);
  return [space, rng](const uint8_t*, const std::vector<TimeStep>& steps, std::vector<Action>& actions) {
    actions.resize(steps.size());
    for (size_t i = 0; i < steps.size(); ++i)
      if (!steps[i].is_last) random_action(space, *rng, actions[i]);
  };
}

}  // namespace dreamer
