// MuJoCo tasks: offscreen rendering (non-empty, deterministic, from any thread), physics that responds to actions,
// rewards at set states against hand-computed values, 1000-step cuts, bad actions. Skipped without MuJoCo.
#include <gtest/gtest.h>

#include <cmath>
#include <set>
#include <thread>

#include "dreamer/envs/mujoco.h"
#include "dreamer/envs/registry.h"
#include "error_text.h"
#ifdef DREAMER_WITH_MUJOCO
#include "envs/mujoco/mujoco_env.h"
#endif

namespace dreamer {
namespace testing {
namespace {

#define REQUIRE_MUJOCO() \
  if (!mujoco_available()) GTEST_SKIP() << "built without MuJoCo (libmujoco-dev, libegl-dev, libgl1-mesa-dri)"

TEST(Mujoco, TasksThroughTheRegistry) {
  REQUIRE_MUJOCO();
  EnvOptions opts;
  opts.action_repeat = 2;
  for (const std::string task : {"mujoco_cartpole_swingup", "mujoco_pendulum_swingup", "mujoco_humanoid_walk"}) {
    EnvPtr env = make_env(task, opts, 0, 0);
    EXPECT_EQ(env->obs_space().height, 64) << task;
    EXPECT_EQ(env->obs_space().width, 64);
    EXPECT_EQ(env->obs_space().channels, 3);
    EXPECT_FALSE(env->act_space().discrete);
    EXPECT_EQ(env->act_space().n, task == "mujoco_humanoid_walk" ? 21 : 1);
    EXPECT_FLOAT_EQ(env->act_space().low, -1.0f);
    EXPECT_FLOAT_EQ(env->act_space().high, 1.0f);
  }
  const std::string unknown = error_of([&] { make_env("mujoco_walker_run", opts, 0, 0); });
  EXPECT_TRUE(contains(unknown, "'mujoco_walker_run'") && contains(unknown, "mujoco_cartpole_swingup")) << unknown;
}

TEST(Mujoco, WithoutMujocoTheErrorSaysHowToGetIt) {
  if (mujoco_available()) GTEST_SKIP() << "this build has MuJoCo";
  const std::string message = error_of([] { make_env("mujoco_cartpole_swingup", EnvOptions(), 0, 0); });
  EXPECT_TRUE(contains(message, "no MuJoCo") && contains(message, "libmujoco-dev")) << message;
}

#ifdef DREAMER_WITH_MUJOCO

std::unique_ptr<mujoco::MujocoEnv> cartpole(uint64_t seed = 0) {
  EnvPtr env = make_mujoco("cartpole_swingup", MujocoOptions(), seed);
  return std::unique_ptr<mujoco::MujocoEnv>(static_cast<mujoco::MujocoEnv*>(env.release()));
}

Action push(float u) { return Action{0, {u}}; }

TEST(Mujoco, RendersANonEmptyDeterministicImage) {
  auto env = cartpole(3);
  std::vector<uint8_t> a(size_t(env->obs_space().size())), b(a.size());
  env->reset(a.data());
  std::set<uint32_t> colours;
  for (size_t i = 0; i < a.size(); i += 3) colours.insert(uint32_t(a[i]) << 16 | uint32_t(a[i + 1]) << 8 | a[i + 2]);
  EXPECT_GE(colours.size(), 5u);  // floor, rail, cart, pole, background and their shading
  env->observe(b.data());
  EXPECT_EQ(a, b);  // the same state renders the same bytes
  auto again = cartpole(3);
  again->reset(b.data());
  EXPECT_EQ(a, b);  // the same seed, the same first frame
  for (int t = 0; t < 30; ++t) env->step(push(1.0f), a.data());
  EXPECT_NE(a, b);  // the cart moved in the picture
}

TEST(Mujoco, TheCartMovesWhenPushed) {
  auto env = cartpole();
  std::vector<uint8_t> obs(size_t(env->obs_space().size()));
  env->reset(obs.data());
  const double x0 = env->data()->qpos[0];
  TimeStep ts;
  for (int t = 0; t < 30; ++t) env->step_unobserved(push(1.0f), ts);
  EXPECT_GT(env->data()->qpos[0], x0 + 0.1);
  EXPECT_DOUBLE_EQ(env->data()->ctrl[0], 1.0);
  env->reset(obs.data());
  for (int t = 0; t < 30; ++t) env->step(push(-1.0f), obs.data());
  EXPECT_LT(env->data()->qpos[0], x0 - 0.1);
}

// DMC's cartpole swingup reward at set states, by hand: upright (cos + 1) / 2, centred (1 + tol(x, 2)) / 2,
// small control (4 + tol_quadratic(u, 1)) / 5, slow (1 + tol(w, 5)) / 2; tol(margin) = 0.1 at the margin.
TEST(Mujoco, CartpoleRewardAtSetStates) {
  auto env = cartpole();
  mjData* d = env->data();
  auto reward_at = [&](double x, double angle, double w, double u) {
    d->qpos[0] = x;
    d->qpos[1] = angle;
    d->qvel[0] = 0;
    d->qvel[1] = w;
    d->ctrl[0] = u;
    mj_forward(env->model(), d);
    return env->task().reward(env->model(), d);
  };
  EXPECT_NEAR(reward_at(0, 0, 0, 0), 1.0, 1e-12);               // upright, centred, still, no force
  EXPECT_NEAR(reward_at(0, M_PI, 0, 0), 0.0, 1e-12);            // hanging down
  EXPECT_NEAR(reward_at(2, M_PI / 2, 5, 1), 0.5 * 0.55 * 0.8 * 0.55, 1e-9);  // every factor at its margin
  EXPECT_NEAR(reward_at(0, 0, 0, 0.5), (4 + 0.75) / 5, 1e-12);  // quadratic control cost: 1 - 0.5^2
}

TEST(Mujoco, PendulumRewardIsOneWithinThirtyDegrees) {
  EnvPtr base = make_mujoco("pendulum_swingup", MujocoOptions(), 0);
  auto* env = static_cast<mujoco::MujocoEnv*>(base.get());
  auto reward_at = [&](double angle) {
    env->data()->qpos[0] = angle;
    mj_forward(env->model(), env->data());
    return env->task().reward(env->model(), env->data());
  };
  EXPECT_EQ(reward_at(0.0), 1.0);
  EXPECT_EQ(reward_at(29.0 * M_PI / 180), 1.0);
  EXPECT_EQ(reward_at(-29.0 * M_PI / 180), 1.0);
  EXPECT_EQ(reward_at(31.0 * M_PI / 180), 0.0);
  EXPECT_EQ(reward_at(M_PI), 0.0);
}

// DMC's walker walk reward at set states, by hand: stand = (3 standing + upright) / 4, move = linear tolerance of
// the forward speed below 1 m/s (0.5 at 0.5 m/s, 0 at 0), reward = stand (5 move + 1) / 6.
TEST(Mujoco, WalkerRewardAtSetStates) {
  EnvPtr base = make_mujoco("walker_walk", MujocoOptions(), 0);
  auto* env = static_cast<mujoco::MujocoEnv*>(base.get());
  const mjModel* m = env->model();
  mjData* d = env->data();
  const int rootx = m->jnt_dofadr[mj_name2id(m, mjOBJ_JOINT, "rootx")];
  const int rooty = m->jnt_qposadr[mj_name2id(m, mjOBJ_JOINT, "rooty")];
  auto reward_at = [&](double pitch, double speed) {
    mj_resetData(m, d);  // standing straight, the torso's centre 1.3 m up
    d->qpos[rooty] = pitch;
    d->qvel[rootx] = speed;
    mj_forward(m, d);
    return env->task().reward(m, d);
  };
  EXPECT_NEAR(reward_at(0, 0), 1.0 / 6, 1e-9);          // standing still
  EXPECT_NEAR(reward_at(0, 1), 1.0, 1e-9);              // standing, walking at the target speed
  EXPECT_NEAR(reward_at(0, 0.75), 4.75 / 6, 1e-9);      // move = 1 - 0.5 x 0.25 / 0.5
  EXPECT_NEAR(reward_at(M_PI / 2, 1), 3.5 / 4, 1e-9);   // torso horizontal at the same height: upright 1/2
  EXPECT_EQ(m->nu, 6);
}

std::unique_ptr<mujoco::MujocoEnv> humanoid(const std::string& task, uint64_t seed = 0) {
  EnvPtr env = make_mujoco(task, MujocoOptions(), seed);
  return std::unique_ptr<mujoco::MujocoEnv>(static_cast<mujoco::MujocoEnv*>(env.release()));
}

// DMC's humanoid rewards at set states, by hand. The model's default pose stands upright with the torso 1.5 m up
// and the head 0.19 m above it; set states move the root (qpos 0-6 = position, orientation; qvel 0-2 = velocity).
TEST(Mujoco, HumanoidRewardsAtSetStates) {
  auto stand = humanoid("humanoid_stand"), walk = humanoid("humanoid_walk");
  const mjModel* m = stand->model();
  EXPECT_EQ(m->nu, 21);
  EXPECT_EQ(stand->act_space().n, 21);
  auto reward_at = [&](mujoco::MujocoEnv& env, double root_z, double pitch, double vx, double u) {
    mjData* d = env.data();
    mj_resetData(m, d);
    d->qpos[2] = root_z;
    d->qpos[3] = std::cos(pitch / 2), d->qpos[5] = std::sin(pitch / 2);  // rotation about y
    d->qvel[0] = vx;
    for (int i = 0; i < m->nu; ++i) d->ctrl[i] = u;
    mj_forward(m, d);
    return env.task().reward(m, d);
  };
  // Upright, head at 1.69 m, still, no control: stand 1; walk (5 x 0 + 1) / 6.
  EXPECT_NEAR(reward_at(*stand, 1.5, 0, 0, 0), 1.0, 1e-9);
  EXPECT_NEAR(reward_at(*walk, 1.5, 0, 0, 0), 1.0 / 6, 1e-9);
  // Moving at 0.5 m/s: walk's move = 1 - 0.5 / 1; stand's dont_move = (exp(-(0.25 s)^2 / 2) + 1) / 2 with
  // s = sqrt(-2 ln 0.1) for x, 1 for y.
  EXPECT_NEAR(reward_at(*walk, 1.5, 0, 0.5, 0), 3.5 / 6, 1e-9);
  const double s = std::sqrt(-2 * std::log(0.1));
  EXPECT_NEAR(reward_at(*stand, 1.5, 0, 0.5, 0), (std::exp(-0.5 * 0.0625 * s * s) + 1) / 2, 1e-9);
  EXPECT_NEAR(reward_at(*walk, 1.5, 0, 2.0, 0), 1.0, 1e-9);  // faster than 1 m/s counts in full
  // Head at 1.05 m, a quarter of 1.4 below the stand height: standing = 0.1.
  EXPECT_NEAR(reward_at(*stand, 0.86, 0, 0, 0), 0.1, 1e-9);
  // Every motor at 0.5: small control = (4 + 1 - 0.25) / 5.
  EXPECT_NEAR(reward_at(*stand, 1.5, 0, 0, 0.5), 0.95, 1e-9);
  // Torso pitched 90 degrees, the head level with it at 1.5 m: upright = 1 - 0.9 / 1.9.
  EXPECT_NEAR(reward_at(*stand, 1.5, M_PI / 2, 0, 0), 1 - 0.9 / 1.9, 1e-9);
  // Upside down: zz = -1 is beyond the 1.9 margin, 0.
  EXPECT_NEAR(reward_at(*stand, 1.5, M_PI, 0, 0), 0.0, 1e-9);
}

// DMC's humanoid episodes start in the air at a random orientation and joint angles, with no geoms touching;
// unpowered, the body falls to the floor.
TEST(Mujoco, HumanoidStartsUntouchingAtRandomAndFalls) {
  std::set<std::vector<uint8_t>> starts;
  for (uint64_t seed = 0; seed < 3; ++seed) {
    auto env = humanoid("humanoid_walk", seed);
    std::vector<uint8_t> obs(size_t(env->obs_space().size()));
    env->reset(obs.data());
    EXPECT_EQ(env->data()->ncon, 0) << seed;
    const double* quat = env->data()->qpos + 3;
    EXPECT_NEAR(quat[0] * quat[0] + quat[1] * quat[1] + quat[2] * quat[2] + quat[3] * quat[3], 1.0, 1e-9);
    EXPECT_DOUBLE_EQ(env->data()->qpos[2], 1.5);
    starts.insert(obs);
    const int head = mj_name2id(env->model(), mjOBJ_BODY, "head");
    TimeStep ts;
    for (int t = 0; t < 80; ++t) env->step_unobserved(Action{0, std::vector<float>(21, 0.0f)}, ts);  // 2 s
    EXPECT_LT(env->data()->xpos[3 * head + 2], 0.8) << seed;
    EXPECT_GT(env->data()->ncon, 0) << seed;
    EXPECT_FALSE(ts.is_last);
    EXPECT_EQ(env->instabilities(), 0);
  }
  EXPECT_EQ(starts.size(), 3u);
}

TEST(Mujoco, EpisodesEndAfter1000StepsAsACut) {
  auto env = cartpole();
  std::vector<uint8_t> obs(size_t(env->obs_space().size()));
  env->reset(obs.data());
  TimeStep ts;
  for (int t = 1; t <= 1000; ++t) {
    env->step_unobserved(push(0.0f), ts);
    ASSERT_EQ(ts.is_last, t == 1000) << t;
    ASSERT_FALSE(ts.is_terminal);
    ASSERT_GE(ts.reward, 0.0f);
    ASSERT_LE(ts.reward, 1.0f);
  }
  EXPECT_EQ(env->instabilities(), 0);
}

TEST(Mujoco, BadActionsAreRefusedOrClipped) {
  auto env = cartpole();
  std::vector<uint8_t> obs(size_t(env->obs_space().size()));
  env->reset(obs.data());
  EXPECT_TRUE(contains(error_of([&] { env->step(push(std::nanf("")), obs.data()); }), "action value 0 is nan"));
  EXPECT_TRUE(contains(error_of([&] { env->step(Action{0, {0.1f, 0.2f}}, obs.data()); }), "has 2 values, expected 1"));
  env->step(push(5.0f), obs.data());
  EXPECT_DOUBLE_EQ(env->data()->ctrl[0], 1.0);  // clipped to the range
  env->step(push(-0.5f), obs.data());
  EXPECT_DOUBLE_EQ(env->data()->ctrl[0], -0.5);
}

// Several envs in one process, each with its own context, and an env rendering on a thread other than the one
// that made it (BatchEnv's pool and dreamer play rely on both).
TEST(Mujoco, SeveralEnvsAndThreadsRenderTheSameImages) {
  auto a = cartpole(1), b = cartpole(1);
  EnvPtr pendulum = make_mujoco("pendulum_swingup", MujocoOptions(), 2);
  std::vector<uint8_t> obs_a(size_t(a->obs_space().size())), obs_b(obs_a.size()), other(obs_a.size());
  a->reset(obs_a.data());
  pendulum->reset(other.data());
  std::thread worker([&] { b->reset(obs_b.data()); });
  worker.join();
  EXPECT_EQ(obs_a, obs_b);
  EXPECT_NE(obs_a, other);
  for (int t = 0; t < 5; ++t) {
    a->step(push(0.3f), obs_a.data());
    pendulum->step(push(0.3f), other.data());
    std::thread step([&] { b->step(push(0.3f), obs_b.data()); });
    step.join();
    ASSERT_EQ(obs_a, obs_b) << t;
  }
}

#endif  // DREAMER_WITH_MUJOCO

}  // namespace
}  // namespace testing
}  // namespace dreamer
