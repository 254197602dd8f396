// What the data-parallel tests train, the same in the learner processes (dist_worker) and in the one-process
// reference they are compared with.
#pragma once

#include <torch/torch.h>

#include <utility>
#include <vector>

#include "dreamer/dist/learner_group.h"
#include "dreamer/dist/replicas.h"
#include "dreamer/model/agent.h"
#include "dreamer/nets/optimizer.h"
#include "helpers.h"

namespace dreamer::testing {

/// The regression data of the MLP scenario: x [8, 4], y [8, 1] (rank r of 2 trains on rows 4r..4r+3).
inline std::pair<torch::Tensor, torch::Tensor> mlp_data() {
  torch::manual_seed(7);
  auto x = torch::randn({8, 4});
  return {x, torch::sin(x.sum(1, true))};
}

/// Three Adam steps (clipping at 0.05 so that it acts, weight decay 0.01) of a 4-16-1 MLP on the mean squared error
/// over `x` [N, 4], `y` [N, 1], from weights drawn under seed 100 + rank. With a group, rank 0's weights are
/// broadcast first and the gradients averaged before clipping. Returns the parameters, flattened.
inline torch::Tensor train_mlp(LearnerGroup* group, int rank, const torch::Tensor& x, const torch::Tensor& y) {
  torch::manual_seed(100 + rank);
  torch::nn::Sequential net(torch::nn::Linear(4, 16), torch::nn::Tanh(), torch::nn::Linear(16, 1));
  OptConfig oc;
  oc.lr = 0.01;
  oc.eps = 1e-5;
  oc.clip = 0.05;
  oc.wd = 0.01;
  Optimizer opt(net->parameters(), oc, "opt");
  if (group) {
    group->broadcast(net->parameters());
    opt.set_gradient_sync([group](const std::vector<torch::Tensor>& p) { group->average_gradients(p); });
  }
  for (int i = 0; i < 3; ++i) opt.step(torch::mse_loss(net->forward(x), y));
  std::vector<torch::Tensor> flat;
  for (const auto& p : net->parameters()) flat.push_back(p.detach().reshape({-1}));
  return torch::cat(flat);
}

/// Two updates of the debug preset's agent (world model, actor, critic) on rank `rank`'s own moving-square batch
/// [4, 10], from weights drawn under seed 100 + rank; with a group, as the Trainer runs it: replicate() (rank 0's
/// state broadcast, gradients averaged in every optimizer), running statistics averaged after each update. Returns
/// the parameters and buffers, flattened (float64).
inline torch::Tensor train_agent(LearnerGroup* group, int rank) {
  const Config cfg = preset({"debug"});
  torch::manual_seed(100 + rank);
  Agent agent = make_agent(cfg, square_space(), square_actions());
  std::vector<torch::Tensor> statistics;
  if (group) statistics = replicate(agent, *group);  // as the Trainer does
  else
    for (const auto& b : agent->buffers())
      if (b.is_floating_point()) statistics.push_back(b);
  const Batch batch = moving_square(4, 10, 10, 3, /*seed=*/10 + uint64_t(rank));
  torch::manual_seed(200 + rank);
  for (int i = 0; i < 2; ++i) {
    agent->train(batch);
    if (group) group->average(statistics);
  }
  std::vector<torch::Tensor> flat;
  for (const auto& p : agent->parameters()) flat.push_back(p.detach().reshape({-1}).to(torch::kFloat64));
  for (const auto& b : statistics) flat.push_back(b.reshape({-1}).to(torch::kFloat64));
  return torch::cat(flat);
}

}  // namespace dreamer::testing
