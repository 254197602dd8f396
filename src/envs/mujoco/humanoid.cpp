// The humanoid tasks on Debian's humanoid model (libmujoco-samples): DMC's humanoid stand and walk.
#include <cmath>
#include <fstream>
#include <sstream>

#include "envs/mujoco/rewards.h"
#include "envs/mujoco/tasks.h"

namespace dreamer {
namespace mujoco {
namespace {

// DMC's model (21 motors, 27 degrees of freedom), physics step 0.005 s. It has no sensors; we add the velocity of
// the centre of mass (the torso's subtree) that the rewards need.
const char* const kHumanoidFile = "/usr/share/mujoco/model/humanoid/humanoid.xml";
constexpr double kStandHeight = 1.4;  // m, of the head

std::string humanoid_xml() {
  std::ifstream in(kHumanoidFile);
  if (!in)
    throw Error(std::string("mujoco_humanoid_*: cannot read ") + kHumanoidFile +
                "; it comes with Debian's libmujoco-samples (scripts/install-deps.sh installs it)");
  std::stringstream text;
  text << in.rdbuf();
  std::string xml = text.str();
  const size_t end = xml.rfind("</mujoco>");
  if (end == std::string::npos) throw Error(std::string("mujoco_humanoid_*: ") + kHumanoidFile + " is not an MJCF model");
  xml.insert(end, R"(<sensor><subtreelinvel name="torso_subtreelinvel" body="torso"/></sensor>)");
  return xml;
}

// A new episode: joints and the root's orientation at random (randomize_joints), the torso 1.5 m up, redrawn until
// no geoms touch (DMC redraws without a bound; after 1000 draws the last one stands).
// Reward, DMC's: standing = tolerance(head height, [1.4, inf), margin 0.35); upright = tolerance(torso's z-axis z,
// [0.9, inf), linear, margin 1.9, 0); small control = (4 + mean over motors of tolerance(u, margin 1, quadratic,
// 0)) / 5. Standing still (move_speed 0): standing x upright x small control x mean over x, y of
// tolerance(centre-of-mass velocity, margin 2). Moving: standing x upright x small control x (5 move + 1) / 6 with
// move = tolerance(|horizontal centre-of-mass velocity|, [speed, inf), linear, margin speed, 0).
class Humanoid final : public Task {
 public:
  explicit Humanoid(double move_speed) : move_speed_(move_speed) {}
  std::string xml() const override { return humanoid_xml(); }
  std::string camera() const override { return "back"; }  // tracks the centre of mass from behind
  int substeps() const override { return 5; }              // control step 0.025 s
  void initialize_episode(const mjModel* m, mjData* d, UniformSource& rng) const override {
    for (int draw = 0; draw < 1000; ++draw) {
      randomize_joints(m, d, rng);
      mj_forward(m, d);
      if (d->ncon == 0) break;
    }
  }
  double reward(const mjModel* m, const mjData* d) const override {
    const double head_height = d->xpos[3 * mj_name2id(m, mjOBJ_BODY, "head") + 2];
    const double torso_upright = d->xmat[9 * mj_name2id(m, mjOBJ_BODY, "torso") + 8];
    const double* com_velocity = d->sensordata + m->sensor_adr[mj_name2id(m, mjOBJ_SENSOR, "torso_subtreelinvel")];
    const double standing = tolerance(head_height, kStandHeight, HUGE_VAL, kStandHeight / 4);
    const double upright = tolerance(torso_upright, 0.9, HUGE_VAL, 1.9, Sigmoid::linear, 0.0);
    double control = 0.0;
    for (int i = 0; i < m->nu; ++i) control += tolerance(d->ctrl[i], 0.0, 0.0, 1.0, Sigmoid::quadratic, 0.0);
    const double small_control = (4.0 + control / m->nu) / 5.0;
    const double stand = standing * upright * small_control;
    if (move_speed_ == 0.0)
      return stand * (tolerance(com_velocity[0], 0.0, 0.0, 2.0) + tolerance(com_velocity[1], 0.0, 0.0, 2.0)) / 2.0;
    const double speed = std::hypot(com_velocity[0], com_velocity[1]);
    const double move = tolerance(speed, move_speed_, HUGE_VAL, move_speed_, Sigmoid::linear, 0.0);
    return stand * (5.0 * move + 1.0) / 6.0;
  }

 private:
  double move_speed_;
};

}  // namespace

std::unique_ptr<Task> humanoid_task(double move_speed) { return std::make_unique<Humanoid>(move_speed); }

}  // namespace mujoco
}  // namespace dreamer
