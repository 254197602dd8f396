// The MuJoCo tasks: our own MJCF models and rewards in the style of the DeepMind Control Suite.
#include <cmath>

#include "dreamer/envs/mujoco.h"
#include "envs/mujoco/mujoco_env.h"
#include "envs/mujoco/rewards.h"
#include "envs/mujoco/tasks.h"

namespace dreamer {
namespace mujoco {
namespace {

// Cartpole: a cart on a 3.6 m rail (slider), a 1 m pole on a hinge; the motor pushes the cart with up to 10 N.
// Physics step 0.01 s, one per control step. Camera 5 m in front of the rail: the whole rail in view.
const char* const kCartpoleXml = R"(
<mujoco model="cartpole">
  <option timestep="0.01" integrator="RK4"/>
  <visual><headlight ambient=".4 .4 .4" diffuse=".8 .8 .8" specular=".1 .1 .1"/></visual>
  <default><geom contype="0" conaffinity="0"/></default>
  <worldbody>
    <light pos="0 -1 4" dir="0 .2 -1"/>
    <camera name="fixed" pos="0 -5 1" zaxis="0 -1 0"/>
    <geom name="floor" type="plane" pos="0 0 -.05" size="4 4 .5" rgba=".25 .3 .35 1"/>
    <geom name="rail" type="box" pos="0 .07 1" size="1.8 .02 .03" rgba=".6 .6 .6 1"/>
    <body name="cart" pos="0 0 1">
      <joint name="slider" type="slide" axis="1 0 0" limited="true" range="-1.8 1.8" damping="5e-4"/>
      <geom name="cart" type="box" size=".2 .15 .1" mass="1" rgba=".8 .55 .3 1"/>
      <body name="pole">
        <joint name="hinge" type="hinge" axis="0 1 0" damping="2e-6"/>
        <geom name="pole" type="capsule" fromto="0 0 0 0 0 1" size=".045" mass=".1" rgba=".45 .5 .8 1"/>
      </body>
    </body>
  </worldbody>
  <actuator><motor name="push" joint="slider" gear="10" ctrllimited="true" ctrlrange="-1 1"/></actuator>
</mujoco>
)";

// Swing the pole up from hanging down and balance it. DMC's cartpole swingup reward: upright (cos + 1) / 2, times
// (1 + centred) / 2 with centred = tolerance(cart x, margin 2), times (4 + small control) / 5 with small control =
// tolerance(u, margin 1, quadratic, 0), times (1 + slow) / 2 with slow = tolerance(pole angular velocity, margin 5).
class CartpoleSwingup final : public Task {
 public:
  std::string xml() const override { return kCartpoleXml; }
  std::string camera() const override { return "fixed"; }
  void initialize_episode(const mjModel*, mjData* d, UniformSource& rng) const override {
    d->qpos[0] = 0.01 * normal(rng);         // cart position
    d->qpos[1] = M_PI + 0.01 * normal(rng);  // pole angle: hanging down
    d->qvel[0] = 0.01 * normal(rng);
    d->qvel[1] = 0.01 * normal(rng);
  }
  double reward(const mjModel*, const mjData* d) const override {
    const double upright = (std::cos(d->qpos[1]) + 1.0) / 2.0;
    const double centred = (1.0 + tolerance(d->qpos[0], 0.0, 0.0, 2.0)) / 2.0;
    const double small_control = (4.0 + tolerance(d->ctrl[0], 0.0, 0.0, 1.0, Sigmoid::quadratic, 0.0)) / 5.0;
    const double slow = (1.0 + tolerance(d->qvel[1], 0.0, 0.0, 5.0)) / 2.0;
    return upright * centred * small_control * slow;
  }
};

// Pendulum: a 1 kg mass 0.5 m from a damped hinge, a motor of at most 1 N m (too weak to lift it directly).
// Physics step 0.02 s. Camera 1.5 m in front of the hinge.
const char* const kPendulumXml = R"(
<mujoco model="pendulum">
  <option timestep="0.02"/>
  <visual><headlight ambient=".4 .4 .4" diffuse=".8 .8 .8" specular=".1 .1 .1"/></visual>
  <default><geom contype="0" conaffinity="0"/></default>
  <worldbody>
    <light pos="0 -1 4" dir="0 .2 -1"/>
    <camera name="fixed" pos="0 -1.5 1.3" zaxis="0 -1 0"/>
    <geom name="floor" type="plane" size="2 2 .5" rgba=".25 .3 .35 1"/>
    <geom name="mount" type="cylinder" pos="0 .03 1.3" zaxis="0 1 0" size=".03 .02" rgba=".6 .6 .6 1"/>
    <body name="pole" pos="0 0 1.3">
      <joint name="hinge" type="hinge" axis="0 1 0" damping=".1"/>
      <geom name="pole" type="capsule" fromto="0 0 0 0 0 .5" size=".02" mass="0" rgba=".45 .5 .8 1"/>
      <geom name="mass" type="sphere" pos="0 0 .5" size=".06" mass="1" rgba=".8 .55 .3 1"/>
    </body>
  </worldbody>
  <actuator><motor name="torque" joint="hinge" gear="1" ctrllimited="true" ctrlrange="-1 1"/></actuator>
</mujoco>
)";

// Swing up from a uniformly random angle and hold the mass within 30 degrees of upright: DMC's pendulum swingup
// reward, tolerance(cos angle, [cos 30 deg, 1]) with no margin, so 1 there and 0 elsewhere.
class PendulumSwingup final : public Task {
 public:
  std::string xml() const override { return kPendulumXml; }
  std::string camera() const override { return "fixed"; }
  void initialize_episode(const mjModel*, mjData* d, UniformSource& rng) const override {
    d->qpos[0] = M_PI * (2.0 * rng.uniform() - 1.0);
  }
  double reward(const mjModel*, const mjData* d) const override {
    return tolerance(std::cos(d->qpos[0]), std::cos(M_PI / 6.0), 1.0);
  }
};

// Planar walker: a torso and two legs (thigh, leg, foot) moving in the x-z plane, six hinge motors of gear 100.
// Physics step 0.0025 s, 10 per control step of 0.025 s. The camera follows the centre of mass from the side.
const char* const kWalkerXml = R"(
<mujoco model="walker">
  <option timestep="0.0025"/>
  <visual><headlight ambient=".4 .4 .4" diffuse=".8 .8 .8" specular=".1 .1 .1"/></visual>
  <default>
    <joint type="hinge" axis="0 -1 0" damping=".1" armature=".01" limited="true" solimplimit="0 .99 .01"/>
    <geom type="capsule" contype="1" conaffinity="0" friction=".7 .1 .1" rgba=".8 .55 .3 1"/>
    <motor ctrllimited="true" ctrlrange="-1 1" gear="100"/>
  </default>
  <worldbody>
    <light pos="0 -1 6" dir="0 .2 -1" mode="trackcom"/>
    <geom name="floor" type="plane" conaffinity="1" size="60 3 3" rgba=".25 .3 .35 1"/>
    <body name="torso" pos="0 0 1.3">
      <camera name="side" pos="0 -3.5 0" xyaxes="1 0 0 0 0 1" mode="trackcom"/>
      <joint name="rootz" type="slide" axis="0 0 1" limited="false" armature="0" damping="0"/>
      <joint name="rootx" type="slide" axis="1 0 0" limited="false" armature="0" damping="0"/>
      <joint name="rooty" type="hinge" axis="0 1 0" limited="false" armature="0" damping="0"/>
      <geom name="torso" size=".07 .3"/>
      <body name="right_thigh" pos="0 -.05 -.3">
        <joint name="right_hip" range="-20 100"/>
        <geom name="right_thigh" pos="0 0 -.225" size=".05 .225"/>
        <body name="right_leg" pos="0 0 -.7">
          <joint name="right_knee" pos="0 0 .25" range="-150 0"/>
          <geom name="right_leg" size=".04 .25"/>
          <body name="right_foot" pos=".06 0 -.25">
            <joint name="right_ankle" pos="-.06 0 0" range="-45 45"/>
            <geom name="right_foot" zaxis="1 0 0" size=".05 .1"/>
          </body>
        </body>
      </body>
      <body name="left_thigh" pos="0 .05 -.3">
        <joint name="left_hip" range="-20 100"/>
        <geom name="left_thigh" pos="0 0 -.225" size=".05 .225" rgba=".45 .5 .8 1"/>
        <body name="left_leg" pos="0 0 -.7">
          <joint name="left_knee" pos="0 0 .25" range="-150 0"/>
          <geom name="left_leg" size=".04 .25" rgba=".45 .5 .8 1"/>
          <body name="left_foot" pos=".06 0 -.25">
            <joint name="left_ankle" pos="-.06 0 0" range="-45 45"/>
            <geom name="left_foot" zaxis="1 0 0" size=".05 .1" rgba=".45 .5 .8 1"/>
          </body>
        </body>
      </body>
    </body>
  </worldbody>
  <sensor><subtreelinvel name="torso_subtreelinvel" body="torso"/></sensor>
  <actuator>
    <motor name="right_hip" joint="right_hip"/>
    <motor name="right_knee" joint="right_knee"/>
    <motor name="right_ankle" joint="right_ankle"/>
    <motor name="left_hip" joint="left_hip"/>
    <motor name="left_knee" joint="left_knee"/>
    <motor name="left_ankle" joint="left_ankle"/>
  </actuator>
</mujoco>
)";

// Walk forward at 1 m/s. DMC's walker reward: stand = (3 standing + upright) / 4 with standing =
// tolerance(torso height, [1.2, inf), margin 0.6) and upright = (1 + torso's z-axis z) / 2; move =
// tolerance(forward velocity of the centre of mass, [1, inf), margin 0.5, linear, 0.5); reward =
// stand (5 move + 1) / 6.
class WalkerWalk final : public Task {
 public:
  std::string xml() const override { return kWalkerXml; }
  std::string camera() const override { return "side"; }
  int substeps() const override { return 10; }
  void initialize_episode(const mjModel* m, mjData* d, UniformSource& rng) const override {
    randomize_joints(m, d, rng);
  }
  double reward(const mjModel* m, const mjData* d) const override {
    const int torso = mj_name2id(m, mjOBJ_BODY, "torso");
    const double height = d->xpos[3 * torso + 2], upright = d->xmat[9 * torso + 8];
    const double standing = tolerance(height, 1.2, HUGE_VAL, 0.6);
    const double stand = (3.0 * standing + (1.0 + upright) / 2.0) / 4.0;
    const double speed = d->sensordata[0];  // torso_subtreelinvel, x
    const double move = tolerance(speed, 1.0, HUGE_VAL, 0.5, Sigmoid::linear, 0.5);
    return stand * (5.0 * move + 1.0) / 6.0;
  }
};

}  // namespace

void randomize_joints(const mjModel* m, mjData* d, UniformSource& rng) {
  for (int j = 0; j < m->njnt; ++j) {
    const int q = m->jnt_qposadr[j];
    if (m->jnt_type[j] == mjJNT_FREE) {
      double quat[4];
      for (double& x : quat) x = normal(rng);
      mju_normalize4(quat);
      for (int i = 0; i < 4; ++i) d->qpos[q + 3 + i] = quat[i];
    } else if (m->jnt_limited[j]) {
      const double lo = m->jnt_range[2 * j], hi = m->jnt_range[2 * j + 1];
      d->qpos[q] = lo + (hi - lo) * rng.uniform();
    } else if (m->jnt_type[j] == mjJNT_HINGE) {
      d->qpos[q] = M_PI * (2.0 * rng.uniform() - 1.0);
    }
  }
}

}  // namespace mujoco

std::vector<std::string> mujoco_tasks() { return {"cartpole_swingup", "pendulum_swingup", "walker_walk", "humanoid_stand", "humanoid_walk"}; }

EnvPtr make_mujoco(const std::string& name, const MujocoOptions& opts, uint64_t seed) {
  std::unique_ptr<mujoco::Task> task;
  if (name == "cartpole_swingup") task = std::make_unique<mujoco::CartpoleSwingup>();
  if (name == "pendulum_swingup") task = std::make_unique<mujoco::PendulumSwingup>();
  if (name == "walker_walk") task = std::make_unique<mujoco::WalkerWalk>();
  if (name == "humanoid_stand") task = mujoco::humanoid_task(0.0);
  if (name == "humanoid_walk") task = mujoco::humanoid_task(1.0);
  if (!task) {
    std::string names;
    for (const auto& t : mujoco_tasks()) names += (names.empty() ? "mujoco_" : ", mujoco_") + t;
    throw Error("unknown task 'mujoco_" + name + "'; the MuJoCo tasks are: " + names);
  }
  return std::make_unique<mujoco::MujocoEnv>(name, std::move(task), opts.height, opts.width, seed);
}

}  // namespace dreamer
