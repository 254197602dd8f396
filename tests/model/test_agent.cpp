// Tests of the agent: the acting policy carries its state; explore mode acts uniformly and filters like train mode.
#include <gtest/gtest.h>

#include "dreamer/model/agent.h"
#include "helpers.h"

using namespace dreamer;
using namespace dreamer::testing;

TEST(Agent, PolicyActsAndCarriesItsState) {
  auto cfg = preset({"debug"});
  torch::manual_seed(4);
  Agent agent(cfg, square_space(), square_actions());
  auto state = agent->initial_policy_state(5);
  auto obs = moving_square(5, 1).image.select(1, 0);
  auto is_first = torch::ones({5}, torch::kBool);
  auto a = agent->policy(obs, is_first, state, PolicyMode::train);
  EXPECT_EQ(a.sizes(), (std::vector<int64_t>{5, 3}));
  EXPECT_TRUE((a.sum(-1) == 1).all().item<bool>());
  EXPECT_TRUE(torch::equal(state.action, a));
  auto greedy = agent->policy(obs, torch::zeros({5}, torch::kBool), state, PolicyMode::eval);
  auto logits = agent->ac->actor(agent->wm->rssm->get_feat(state.latent));
  EXPECT_TRUE(torch::equal(greedy.argmax(-1), logits.argmax(-1)));
}

TEST(Agent, ExploreModeActsUniformlyAndFiltersTheStateAsTrainMode) {
  auto cfg = preset({"debug"});
  torch::manual_seed(5);
  Agent agent(cfg, square_space(), square_actions());
  const int64_t n = 3000;
  auto obs = moving_square(n, 1).image.select(1, 0);
  auto is_first = torch::ones({n}, torch::kBool);
  auto explored = agent->initial_policy_state(n), trained = agent->initial_policy_state(n);
  torch::manual_seed(6);
  auto a = agent->policy(obs, is_first, explored, PolicyMode::explore);
  torch::manual_seed(6);
  auto b = agent->policy(obs, is_first, trained, PolicyMode::train);
  // The same posterior as train mode (sampled first, from the same seed); the action is not the actor's.
  EXPECT_TRUE(torch::equal(explored.latent.stoch, trained.latent.stoch));
  EXPECT_TRUE(torch::equal(explored.latent.deter, trained.latent.deter));
  EXPECT_TRUE(torch::equal(explored.action, a));
  EXPECT_TRUE((a.sum(-1) == 1).all().item<bool>());
  // Uniform over the 3 actions: 1000 expected each, binomial sd ~26.
  auto counts = a.sum(0);
  for (int i = 0; i < 3; ++i) EXPECT_NEAR(counts[i].item<double>(), 1000.0, 130.0) << "action " << i;
  EXPECT_FALSE(torch::equal(a, b));
}

// carry_state: rows that start mid-sequence (no is_first) begin from the previous batch's last posterior of their
// row; rows that start an episode reset it, so there it changes nothing.
TEST(Agent, CarryStateStartsRowsFromThePreviousBatch) {
  auto run = [](bool carry, bool second_starts_episodes) {
    auto cfg = preset({"debug"}, {{"carry_state", carry ? "true" : "false"}});
    torch::manual_seed(2);
    Agent agent(cfg, square_space(), square_actions());
    auto first = moving_square(3, 5, 10, 3, 1);
    auto second = moving_square(3, 5, 10, 3, 2);
    if (!second_starts_episodes) second.is_first.zero_();
    torch::manual_seed(3);
    agent->train(first);
    torch::manual_seed(4);
    return agent->train(second).at("model_loss");
  };
  EXPECT_EQ(run(true, true), run(false, true));
  EXPECT_NE(run(true, false), run(false, false));
  EXPECT_EQ(run(false, false), run(false, false));  // the difference is the carried state, not noise
}
