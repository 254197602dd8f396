// An agent replicated over the learners of a data-parallel run: rank 0's state everywhere, gradients averaged.
#include "dreamer/dist/replicas.h"

namespace dreamer {

std::vector<torch::Tensor> replicate(Agent& agent, LearnerGroup& group) {
  std::vector<torch::Tensor> state = agent->parameters(), statistics;
  for (const auto& b : agent->buffers()) {
    state.push_back(b);
    if (b.is_floating_point()) statistics.push_back(b);
  }
  group.broadcast(state);
  for (auto* opt : {&agent->wm->optimizer(), &agent->ac->actor_opt(), &agent->ac->critic_opt()})
    opt->set_gradient_sync([&group](const std::vector<torch::Tensor>& params) { group.average_gradients(params); });
  return statistics;
}

}  // namespace dreamer
