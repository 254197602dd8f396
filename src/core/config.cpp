// Config resolution: defaults + presets + `--key.sub value` overrides, checked and mapped onto structs.
#include "dreamer/core/config.h"
#include "dreamer/core/resources.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <cctype>
#include <functional>
#include <regex>
#include <set>
#include <sstream>

#include "dreamer/core/error.h"

namespace dreamer {
namespace {

std::vector<std::string> split_key(const std::string& key) {
  std::vector<std::string> parts;
  std::stringstream ss(key);
  std::string part;
  while (std::getline(ss, part, '.')) parts.push_back(part);
  if (parts.empty() || std::any_of(parts.begin(), parts.end(), [](auto& p) { return p.empty(); }))
    throw Error("config: malformed key '" + key + "'");
  return parts;
}

// Follows `parts` from `root`; returns an invalid node when a part is missing.
YAML::Node find(const YAML::Node& root, const std::vector<std::string>& parts) {
  YAML::Node cur = root;
  for (const auto& p : parts) {
    const YAML::Node& view = cur;  // const lookups never insert keys
    if (!view.IsMap() || !view[p]) return YAML::Node(YAML::NodeType::Undefined);
    cur.reset(view[p]);  // rebind; operator= would overwrite the node inside the tree
  }
  return cur;
}

// Sets the leaf at `key` in `target` to `value`, after checking that `defaults` has that key
// and that both are leaves (scalars or lists). `where` names the source for error messages.
void set_key(YAML::Node& target, const YAML::Node& defaults, const std::string& key,
             const YAML::Node& value, const std::string& where) {
  auto parts = split_key(key);
  YAML::Node def = find(defaults, parts);
  if (!def.IsDefined()) throw Error("config: unknown key '" + key + "' " + where);
  if (def.IsMap()) {
    if (!value.IsMap())
      throw Error("config: key '" + key + "' " + where + " is a block; give its fields, e.g. '" +
                  key + "." + def.begin()->first.as<std::string>() + "'");
    for (const auto& kv : value)
      set_key(target, defaults, key + "." + kv.first.as<std::string>(), kv.second, where);
    return;
  }
  if (value.IsMap()) throw Error("config: key '" + key + "' " + where + " takes a value, not a block");
  // Walk down the target, rebinding through the map's operator[].
  std::vector<YAML::Node> chain{target};
  for (size_t i = 0; i + 1 < parts.size(); ++i) chain.push_back(chain.back()[parts[i]]);
  chain.back()[parts.back()] = YAML::Clone(value);
}

void apply_block(YAML::Node& target, const YAML::Node& defaults, const YAML::Node& block,
                 const std::string& where) {
  if (!block.IsMap()) throw Error("config: " + where + " is not a mapping of keys to values");
  for (const auto& kv : block) set_key(target, defaults, kv.first.as<std::string>(), kv.second, "in " + where);
}

// Reads typed leaves out of a resolved tree and remembers which keys were read.
class Reader {
 public:
  explicit Reader(const YAML::Node& root) : root_(root) {}

  template <typename T>
  void operator()(const std::string& key, T& out) {
    used_.insert(key);
    YAML::Node node = find(root_, split_key(key));
    if (!node.IsDefined()) throw Error("config: missing key '" + key + "'");
    read(key, node, out);
  }

  // A key added after run directories were already written: where it is absent, `out` keeps its
  // default (which must equal configs.yaml's; tests/test_config.cpp checks) and the tree gets it too, so
  // that the config this resolves to, and compares with on resume, holds every key.
  template <typename T>
  void added_later(const std::string& key, T& out) {
    used_.insert(key);
    const auto parts = split_key(key);
    YAML::Node node = find(root_, parts);
    if (node.IsDefined()) {
      read(key, node, out);
      return;
    }
    std::vector<YAML::Node> chain{root_};
    for (size_t i = 0; i + 1 < parts.size(); ++i) chain.push_back(chain.back()[parts[i]]);
    chain.back()[parts.back()] = out;
  }

  // Every leaf of the tree must have been read: catches keys the structs don't know.
  void check_all_used() const { check_used(root_, ""); }

 private:
  static std::string text(const YAML::Node& n) {
    YAML::Emitter e;
    e << YAML::Flow << n;
    return e.c_str();
  }
  static Error bad(const std::string& key, const YAML::Node& n, const std::string& want) {
    return Error("config: key '" + key + "' has value '" + text(n) + "', expected " + want);
  }
  static double number(const std::string& key, const YAML::Node& n) {
    if (!n.IsScalar()) throw bad(key, n, "a number");
    const std::string s = n.Scalar();
    char* end = nullptr;
    double v = std::strtod(s.c_str(), &end);
    if (s.empty() || *end != '\0' || !std::isfinite(v)) throw bad(key, n, "a number");
    return v;
  }
  static int64_t integer(const std::string& key, const YAML::Node& n) {
    double v = number(key, n);  // accepts 1e6 as YAML configs customarily write step counts
    if (v != std::floor(v) || std::fabs(v) > 9.0e15) throw bad(key, n, "an integer");
    return static_cast<int64_t>(v);
  }
  void read(const std::string& key, const YAML::Node& n, double& out) { out = number(key, n); }
  void read(const std::string& key, const YAML::Node& n, int64_t& out) { out = integer(key, n); }
  void read(const std::string& key, const YAML::Node& n, int& out) {
    int64_t v = integer(key, n);
    if (v < INT32_MIN || v > INT32_MAX) throw bad(key, n, "a 32-bit integer");
    out = static_cast<int>(v);
  }
  void read(const std::string& key, const YAML::Node& n, bool& out) {
    if (!n.IsScalar() || !YAML::convert<bool>::decode(n, out)) throw bad(key, n, "true or false");
  }
  void read(const std::string& key, const YAML::Node& n, Schedule& out) {
    if (!n.IsScalar()) throw bad(key, n, "a number or a schedule");
    out = Schedule::parse(key, n.Scalar());
  }
  void read(const std::string& key, const YAML::Node& n, std::string& out) {
    if (!n.IsScalar()) throw bad(key, n, "a string");
    out = n.Scalar();
  }
  template <typename T>
  void read(const std::string& key, const YAML::Node& n, std::vector<T>& out) {
    if (!n.IsSequence()) throw bad(key, n, "a list");
    out.clear();
    for (size_t i = 0; i < n.size(); ++i) {
      T v{};
      read(key + "[" + std::to_string(i) + "]", n[i], v);
      out.push_back(v);
    }
  }
  void check_used(const YAML::Node& n, const std::string& prefix) const {
    if (n.IsMap()) {
      for (const auto& kv : n)
        check_used(kv.second, (prefix.empty() ? "" : prefix + ".") + kv.first.as<std::string>());
    } else if (!used_.count(prefix)) {
      throw Error("config: key '" + prefix + "' is not used by this build of dreamer");
    }
  }

  YAML::Node root_;
  std::set<std::string> used_;
};

void read_opt(Reader& r, const std::string& k, OptConfig& o) {
  r(k + ".opt", o.opt);
  r(k + ".lr", o.lr);
  r(k + ".eps", o.eps);
  r(k + ".clip", o.clip);
  r(k + ".wd", o.wd);
  r.added_later(k + ".tf_eps", o.tf_eps);
}

void read_head(Reader& r, const std::string& k, HeadConfig& h) {
  r(k + ".layers", h.layers);
  r(k + ".units", h.units);
  r(k + ".act", h.act);
  r(k + ".norm", h.norm);
  r(k + ".dist", h.dist);
}

void read_coder(Reader& r, const std::string& k, CoderConfig& c, bool decoder) {
  r(k + ".net", c.net);
  r(k + ".act", c.act);
  r(k + ".norm", c.norm);
  r(k + ".cnn_depth", c.cnn_depth);
  r(k + ".cnn_kernels", c.cnn_kernels);
  r(k + ".cnn_stride", c.cnn_stride);
  r(k + ".mlp_layers", c.mlp_layers);
  if (decoder) r(k + ".dist", c.dist);
}

// The widest layer a config may ask for: far beyond the paper's (deter 600 in Atari, 1024 in MuJoCo).
constexpr int64_t kMaxWidth = 65536;

void require(bool ok, const std::string& key, const std::string& value, const std::string& want) {
  if (!ok) throw Error("config: key '" + key + "' has value '" + value + "', expected " + want);
}

void require_one_of(const std::string& key, const std::string& value,
                    const std::vector<std::string>& choices) {
  if (std::find(choices.begin(), choices.end(), value) != choices.end()) return;
  std::string list;
  for (const auto& c : choices) list += (list.empty() ? "" : ", ") + c;
  throw Error("config: key '" + key + "' has value '" + value + "', expected one of: " + list);
}

// Checks the values that have a closed set of choices or a range.
void validate(const Config& c) {
  const std::vector<std::string> acts{"elu", "relu", "tanh", "silu", "none"};
  const std::vector<std::string> norms{"none", "layer"};
  auto positive = [](const std::string& key, double v) {
    require(v > 0, key, std::to_string(v), "a positive number");
  };
  for (auto* p : {&c.model_opt, &c.actor_opt, &c.critic_opt}) {
    const std::string k = p == &c.model_opt ? "model_opt" : p == &c.actor_opt ? "actor_opt" : "critic_opt";
    require_one_of(k + ".opt", p->opt, {"adam"});
    positive(k + ".lr", p->lr);
    positive(k + ".eps", p->eps);
    require(p->clip >= 0, k + ".clip", std::to_string(p->clip), "0 (off) or a positive number");
    require(p->wd >= 0 && p->wd < 1, k + ".wd", std::to_string(p->wd), "a number in [0, 1)");
  }
  // Widths are bounded up front: a typo such as 1e9 would otherwise fail deep inside LibTorch.
  auto width = [](const std::string& key, int64_t v) {
    require(v >= 1 && v <= kMaxWidth, key, std::to_string(v), "a size in [1, " + std::to_string(kMaxWidth) + "]");
  };
  require(c.rssm.ensemble == 1, "rssm.ensemble", std::to_string(c.rssm.ensemble), "1");
  width("rssm.hidden", c.rssm.hidden);
  width("rssm.deter", c.rssm.deter);
  width("rssm.stoch", c.rssm.stoch);
  require(c.rssm.discrete <= kMaxWidth, "rssm.discrete", std::to_string(c.rssm.discrete), "at most " + std::to_string(kMaxWidth));
  require(c.rssm.discrete >= 0, "rssm.discrete", std::to_string(c.rssm.discrete), "0 (Gaussian) or a class count");
  require_one_of("rssm.act", c.rssm.act, acts);
  require_one_of("rssm.norm", c.rssm.norm, norms);
  require_one_of("rssm.std_act", c.rssm.std_act, {"sigmoid2", "softplus", "sigmoid"});
  for (auto* cd : {&c.encoder, &c.decoder}) {
    const std::string k = cd == &c.encoder ? "encoder" : "decoder";
    require_one_of(k + ".net", cd->net, {"cnn", "mlp"});
    require_one_of(k + ".act", cd->act, acts);
    require_one_of(k + ".norm", cd->norm, norms);
    width(k + ".cnn_depth", cd->cnn_depth);
    require(!cd->cnn_kernels.empty(), k + ".cnn_kernels", "[]", "at least one kernel");
    for (int kk : cd->cnn_kernels) positive(k + ".cnn_kernels", kk);
    positive(k + ".cnn_stride", cd->cnn_stride);
    for (int u : cd->mlp_layers) width(k + ".mlp_layers", u);
  }
  require_one_of("decoder.dist", c.decoder.dist, {"mse", "binary"});
  require(!c.encoder.mlp_layers.empty() || c.encoder.net != "mlp", "encoder.mlp_layers", "[]",
          "at least one layer for the mlp encoder");
  for (auto* h : {&c.reward_head, &c.discount_head, &c.critic}) {
    const std::string k = h == &c.reward_head ? "reward_head" : h == &c.discount_head ? "discount_head" : "critic";
    require(h->layers >= 0, k + ".layers", std::to_string(h->layers), "a count >= 0");
    width(k + ".units", h->units);
    require_one_of(k + ".act", h->act, acts);
    require_one_of(k + ".norm", h->norm, norms);
  }
  require_one_of("reward_head.dist", c.reward_head.dist, {"mse", "twohot"});
  require_one_of("critic.dist", c.critic.dist, {"mse", "twohot"});
  auto share = [](const std::string& key, double v) {
    require(v >= 0 && v < 1, key, std::to_string(v), "a share in [0, 1)");
  };
  share("rssm.unimix", c.rssm.unimix);
  share("actor.unimix", c.actor.unimix);
  require(c.rssm.unimix == 0 || c.rssm.discrete > 0, "rssm.unimix", std::to_string(c.rssm.unimix),
          "0 with Gaussian latents (rssm.discrete 0)");
  require(c.kl.dyn >= 0, "kl.dyn", std::to_string(c.kl.dyn), "a number >= 0");
  require(c.kl.rep >= 0, "kl.rep", std::to_string(c.kl.rep), "a number >= 0");
  require(c.slow_reg >= 0, "slow_reg", std::to_string(c.slow_reg), "a number >= 0");
  require(c.dist.world_size >= 1, "dist.world_size", std::to_string(c.dist.world_size), "a process count >= 1");
  require(c.dist.rank >= 0 && c.dist.rank < c.dist.world_size, "dist.rank", std::to_string(c.dist.rank),
          "a rank in [0, dist.world_size - 1] (world_size " + std::to_string(c.dist.world_size) + ")");
  require(c.dist.master_port >= 1 && c.dist.master_port <= 65535, "dist.master_port",
          std::to_string(c.dist.master_port), "a TCP port in [1, 65535]");
  require(!c.dist.master_addr.empty(), "dist.master_addr", "", "a host name or address");
  positive("dist.timeout", c.dist.timeout);
  require(c.return_norm.decay >= 0 && c.return_norm.decay < 1, "return_norm.decay",
          std::to_string(c.return_norm.decay), "a number in [0, 1)");
  positive("return_norm.limit", c.return_norm.limit);
  require(c.return_norm.low >= 0 && c.return_norm.low < c.return_norm.high && c.return_norm.high <= 1,
          "return_norm.low", std::to_string(c.return_norm.low) + ", high " + std::to_string(c.return_norm.high),
          "quantiles with 0 <= low < high <= 1");
  require_one_of("discount_head.dist", c.discount_head.dist, {"binary"});
  require_one_of("actor.dist", c.actor.dist, {"auto", "onehot", "trunc_normal"});
  require_one_of("actor.act", c.actor.act, acts);
  require_one_of("actor.norm", c.actor.norm, norms);
  for (const auto& h : c.grad_heads) require_one_of("grad_heads", h, {"decoder", "reward", "discount"});
  require(c.kl.balance >= 0 && c.kl.balance <= 1, "kl.balance", std::to_string(c.kl.balance), "a number in [0, 1]");
  require(c.kl.free >= 0, "kl.free", std::to_string(c.kl.free), "a number >= 0");
  require_one_of("clip_rewards", c.clip_rewards, {"tanh", "identity", "sign"});
  require_one_of("actor_grad", c.actor_grad, {"auto", "reinforce", "dynamics", "both"});
  require_one_of("expl_behavior", c.expl_behavior, {"greedy", "random"});
  require(c.precision == 32 || c.precision == 16, "precision", std::to_string(c.precision), "32 or 16");
  width("actor.units", c.actor.units);
  width("dataset.batch", c.dataset.batch);
  width("dataset.length", c.dataset.length);
  require(c.threads >= 0, "threads", std::to_string(c.threads), "0 (all cores) or a count");
  require(c.envs >= 1, "envs", std::to_string(c.envs), "at least 1");
  require(c.action_repeat >= 1, "action_repeat", std::to_string(c.action_repeat), "at least 1");
  require(c.render_size.size() == 2, "render_size", std::to_string(c.render_size.size()) + " values",
          "[height, width]");
  for (int side : c.render_size) require(side >= 1 && side <= 4096, "render_size", std::to_string(side), "sides in [1, 4096]");
  require(c.sticky == -1 || (c.sticky >= 0 && c.sticky <= 1), "sticky", std::to_string(c.sticky),
          "-1 (the task's own) or a probability in [0, 1]");
  require(c.atari.noops >= 0, "atari.noops", std::to_string(c.atari.noops), "0 or more");
  require_one_of("atari.resize", c.atari.resize, {"area", "bilinear"});
  require(c.imag_horizon >= 1, "imag_horizon", std::to_string(c.imag_horizon), "at least 1");
  require(c.imag_starts >= 0, "imag_starts", std::to_string(c.imag_starts), "0 (every start state) or a count");
  for (auto [key, value] : {std::pair<const char*, int64_t>{"log_every", c.log_every}, {"eval_every", c.eval_every},
                            {"train_every", c.train_every}, {"slow_target_update", c.slow_target_update},
                            {"steps", c.steps}})
    require(value >= 1, key, std::to_string(value), "at least 1");
  for (auto [key, value] : {std::pair<const char*, int64_t>{"prefill", c.prefill}, {"pretrain", c.pretrain},
                            {"train_steps", c.train_steps}, {"eval_eps", c.eval_eps}, {"time_limit", c.time_limit}})
    require(value >= 0, key, std::to_string(value), "0 or more");
  require(c.steps >= c.prefill * c.action_repeat, "steps", std::to_string(c.steps),
          "at least prefill x action_repeat = " + std::to_string(c.prefill * c.action_repeat) +
              " frames (the run would end before its first update)");
  require(c.replay.capacity >= 1, "replay.capacity", std::to_string(c.replay.capacity), "at least 1");
  require(c.discount > 0 && c.discount <= 1, "discount", std::to_string(c.discount), "a number in (0, 1]");
}

}  // namespace

Schedule::Schedule(double value) : a(value), text(std::to_string(value)) {}

Schedule Schedule::parse(const std::string& key, const std::string& text) {
  auto number = [&](const std::string& s, double& out) {
    char* end = nullptr;
    out = std::strtod(s.c_str(), &end);
    while (end && std::isspace(static_cast<unsigned char>(*end))) ++end;
    return !s.empty() && end && *end == '\0' && std::isfinite(out);
  };
  Schedule s;
  s.text = text;
  if (number(text, s.a)) return s;
  static const std::regex form(R"(\s*(linear|warmup|exp)\(([^,()]+),([^,()]+)(?:,([^,()]+))?\)\s*)");
  std::smatch m;
  const std::string want = "a number or a schedule: linear(a, b, frames), warmup(frames, value), exp(a, b, halflife)";
  if (!std::regex_match(text, m, form)) throw Error("config: key '" + key + "' has value '" + text + "', expected " + want);
  const std::string name = m[1];
  const bool three = name != "warmup";
  if (m[4].matched != three) throw Error("config: key '" + key + "' has value '" + text + "', expected " + want);
  double v[3] = {0, 0, 0};
  for (int i = 0; i < (three ? 3 : 2); ++i)
    if (!number(m[size_t(i) + 2], v[i])) throw Error("config: key '" + key + "' has value '" + text + "', expected " + want);
  if (name == "linear") {
    s.kind = Kind::linear;
    s.a = v[0], s.b = v[1], s.n = v[2];
  } else if (name == "warmup") {
    s.kind = Kind::warmup;
    s.n = v[0], s.b = v[1];
  } else {
    s.kind = Kind::exp;
    s.a = v[0], s.b = v[1], s.n = v[2];
  }
  if (!(s.n > 0)) throw Error("config: key '" + key + "' has value '" + text + "', expected a positive frame count");
  return s;
}

double Schedule::operator()(int64_t frames) const {
  const double progress = std::clamp(double(frames) / n, 0.0, 1.0);
  switch (kind) {
    case Kind::constant: return a;
    case Kind::linear: return (1 - progress) * a + progress * b;
    case Kind::warmup: return progress * b;
    case Kind::exp: return b + (a - b) * std::pow(0.5, double(frames) / n);
  }
  return a;
}

namespace {

ResolvedConfig from_tree(const YAML::Node& tree) {
  Reader r(tree);
  Config c;
  r("logdir", c.logdir);
  r("seed", c.seed);
  r("task", c.task);
  r("device", c.device);
  r("threads", c.threads);
  r.added_later("dist.world_size", c.dist.world_size);
  r.added_later("dist.rank", c.dist.rank);
  r.added_later("dist.master_addr", c.dist.master_addr);
  r.added_later("dist.master_port", c.dist.master_port);
  r.added_later("dist.timeout", c.dist.timeout);
  r("envs", c.envs);
  r("envs_parallel", c.envs_parallel);
  r("render_size", c.render_size);
  r("atari_grayscale", c.atari_grayscale);
  r.added_later("atari.rom_dir", c.atari.rom_dir);
  r.added_later("atari.noops", c.atari.noops);
  r.added_later("atari.life_loss", c.atari.life_loss);
  r.added_later("atari.max_pool", c.atari.max_pool);
  r.added_later("atari.resize", c.atari.resize);
  r("sticky", c.sticky);
  r("minimal_actions", c.minimal_actions);
  r("time_limit", c.time_limit);
  r("action_repeat", c.action_repeat);
  r("steps", c.steps);
  r("log_every", c.log_every);
  r("eval_every", c.eval_every);
  r("eval_eps", c.eval_eps);
  r("prefill", c.prefill);
  r("pretrain", c.pretrain);
  r("train_every", c.train_every);
  r("train_steps", c.train_steps);
  r("expl_until", c.expl_until);
  r("replay.capacity", c.replay.capacity);
  r("replay.ongoing", c.replay.ongoing);
  r("replay.minlen", c.replay.minlen);
  r("replay.maxlen", c.replay.maxlen);
  r("replay.prioritize_ends", c.replay.prioritize_ends);
  r("dataset.batch", c.dataset.batch);
  r("dataset.length", c.dataset.length);
  r.added_later("carry_state", c.carry_state);
  r("precision", c.precision);
  r("clip_rewards", c.clip_rewards);
  r("expl_behavior", c.expl_behavior);
  r("expl_noise", c.expl_noise);
  r("eval_noise", c.eval_noise);
  r("eval_state_mean", c.eval_state_mean);
  r("grad_heads", c.grad_heads);
  r("pred_discount", c.pred_discount);
  r("rssm.ensemble", c.rssm.ensemble);
  r("rssm.hidden", c.rssm.hidden);
  r("rssm.deter", c.rssm.deter);
  r("rssm.stoch", c.rssm.stoch);
  r("rssm.discrete", c.rssm.discrete);
  r("rssm.act", c.rssm.act);
  r("rssm.norm", c.rssm.norm);
  r("rssm.std_act", c.rssm.std_act);
  r("rssm.min_std", c.rssm.min_std);
  r.added_later("rssm.unimix", c.rssm.unimix);
  r.added_later("rssm.gru_norm", c.rssm.gru_norm);
  read_coder(r, "encoder", c.encoder, false);
  read_coder(r, "decoder", c.decoder, true);
  read_head(r, "reward_head", c.reward_head);
  read_head(r, "discount_head", c.discount_head);
  r("loss_scales.kl", c.loss_scales.kl);
  r("loss_scales.image", c.loss_scales.image);
  r("loss_scales.reward", c.loss_scales.reward);
  r("loss_scales.discount", c.loss_scales.discount);
  r("kl.free", c.kl.free);
  r("kl.forward", c.kl.forward);
  r("kl.balance", c.kl.balance);
  r("kl.free_avg", c.kl.free_avg);
  r.added_later("kl.split", c.kl.split);
  r.added_later("kl.dyn", c.kl.dyn);
  r.added_later("kl.rep", c.kl.rep);
  read_opt(r, "model_opt", c.model_opt);
  r("actor.layers", c.actor.layers);
  r("actor.units", c.actor.units);
  r("actor.act", c.actor.act);
  r("actor.norm", c.actor.norm);
  r("actor.dist", c.actor.dist);
  r("actor.min_std", c.actor.min_std);
  r.added_later("actor.unimix", c.actor.unimix);
  read_head(r, "critic", c.critic);
  read_opt(r, "actor_opt", c.actor_opt);
  read_opt(r, "critic_opt", c.critic_opt);
  r("discount", c.discount);
  r("discount_lambda", c.discount_lambda);
  r("imag_horizon", c.imag_horizon);
  r("imag_starts", c.imag_starts);
  r("actor_grad", c.actor_grad);
  r("actor_grad_mix", c.actor_grad_mix);
  r("actor_ent", c.actor_ent);
  r("slow_target", c.slow_target);
  r("slow_target_update", c.slow_target_update);
  r("slow_target_fraction", c.slow_target_fraction);
  r("slow_baseline", c.slow_baseline);
  r.added_later("slow_reg", c.slow_reg);
  r("reward_norm.momentum", c.reward_norm.momentum);
  r("reward_norm.scale", c.reward_norm.scale);
  r("reward_norm.eps", c.reward_norm.eps);
  r.added_later("return_norm.enabled", c.return_norm.enabled);
  r.added_later("return_norm.decay", c.return_norm.decay);
  r.added_later("return_norm.limit", c.return_norm.limit);
  r.added_later("return_norm.low", c.return_norm.low);
  r.added_later("return_norm.high", c.return_norm.high);
  r.check_all_used();
  validate(c);
  YAML::Emitter out;
  out << tree;
  return {c, std::string(out.c_str()) + "\n"};
}

YAML::Node load_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw Error("config: cannot read '" + path + "'");
  try {
    return YAML::Load(in);
  } catch (const YAML::Exception& e) {
    throw Error("config: '" + path + "' is not valid YAML: " + e.what());
  }
}

// A configs file (defaults and presets); throws unless it has a `defaults` block.
YAML::Node load_configs_file(const std::string& path) {
  YAML::Node file = load_file(path);
  if (!file.IsMap() || !file["defaults"] || !file["defaults"].IsMap())
    throw Error("config: '" + path + "' has no 'defaults' block");
  return file;
}

// Applies ("key.sub", "value") pairs, each typed against `defaults`.
void apply_overrides(YAML::Node& tree, const YAML::Node& defaults,
                     const std::vector<std::pair<std::string, std::string>>& overrides) {
  for (const auto& [key, text] : overrides) {
    YAML::Node value;
    try {
      value = YAML::Load(text);
    } catch (const YAML::Exception& e) {
      throw Error("config: value '" + text + "' of --" + key + " is not valid YAML");
    }
    if (value.IsNull()) value = YAML::Node(text);
    set_key(tree, defaults, key, value, "(from --" + key + ")");
  }
}

}  // namespace

bool Config::grad_head(const std::string& name) const {
  return std::find(grad_heads.begin(), grad_heads.end(), name) != grad_heads.end();
}

namespace {
// Runs `load`, turning what yaml-cpp throws beyond our checks (a map key that is not a scalar, say)
// into dreamer::Error naming `path`.
ResolvedConfig yaml_errors_named(const std::string& path, const std::function<ResolvedConfig()>& load) {
  try {
    return load();
  } catch (const YAML::Exception& e) {
    throw Error("config: '" + path + "' is not a valid config: " + e.what());
  }
}
}  // namespace

std::string default_configs_path() {
  if (const char* env = std::getenv("DREAMER_CONFIGS")) return env;
  return shipped_file("configs/configs.yaml");
}

// Applies the presets named in `presets` in order. With `pixels`, each preset's `pixel_tasks` block
// (the coders it wants on 64x64 images rather than 10x10 boards) applies right after that preset.
void apply_presets(YAML::Node& tree, const YAML::Node& file, const std::vector<std::string>& presets, bool pixels) {
  const YAML::Node defaults = file["defaults"];
  for (const auto& name : presets) {
    if (name == "defaults") continue;
    if (!file[name]) {
      std::string names;
      for (const auto& kv : file) names += (names.empty() ? "" : ", ") + kv.first.as<std::string>();
      throw Error("config: unknown preset '" + name + "'; the presets are: " + names);
    }
    YAML::Node block = YAML::Clone(file[name]);
    YAML::Node pixel_block;
    const bool has_pixel_block = block.IsMap() && block["pixel_tasks"];
    if (has_pixel_block) {
      pixel_block = block["pixel_tasks"];
      block.remove("pixel_tasks");
    }
    apply_block(tree, defaults, block, "preset '" + name + "'");
    if (pixels && has_pixel_block) apply_block(tree, defaults, pixel_block, "preset '" + name + "' (pixel_tasks)");
  }
}

bool is_pixel_task(const std::string& task) { return task.rfind("atari_", 0) == 0 || task.rfind("mujoco_", 0) == 0; }

ResolvedConfig load_config(const std::string& path, const std::vector<std::string>& presets,
                           const std::vector<std::pair<std::string, std::string>>& overrides) {
  return yaml_errors_named(path, [&] {
    YAML::Node file = load_configs_file(path);
    const YAML::Node defaults = file["defaults"];
    YAML::Node tree = YAML::Clone(defaults);
    apply_presets(tree, file, presets, false);
    apply_overrides(tree, defaults, overrides);
    // The task is known once everything applied; a pixel task resolves again with the presets' pixel blocks.
    const YAML::Node task = tree["task"];
    if (task && task.IsScalar() && is_pixel_task(task.Scalar())) {
      tree = YAML::Clone(defaults);
      apply_presets(tree, file, presets, true);
      apply_overrides(tree, defaults, overrides);
    }
    return from_tree(tree);
  });
}

ResolvedConfig load_stored_config(const std::string& stored_path, const std::string& path,
                                  const std::vector<std::pair<std::string, std::string>>& overrides) {
  return yaml_errors_named(stored_path, [&] {
    YAML::Node file = load_configs_file(path);
    YAML::Node tree = load_file(stored_path);
    if (!tree.IsMap()) throw Error("config: '" + stored_path + "' is not a config");
    try {
      from_tree(tree);  // the stored config on its own: errors name its file
    } catch (const Error& e) {
      throw Error("'" + stored_path + "': " + e.what());
    }
    apply_overrides(tree, file["defaults"], overrides);
    return from_tree(tree);
  });
}

ResolvedConfig parse_config(const std::string& yaml_text) {
  try {
    return from_tree(YAML::Load(yaml_text));
  } catch (const YAML::Exception& e) {
    throw Error(std::string("config: not valid YAML: ") + e.what());
  }
}

}  // namespace dreamer
