// The typed configuration: plain structs mirroring configs/configs.yaml, and how they are resolved.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace YAML {
class Node;
}

namespace dreamer {

/// A value that may follow training's progress, counted in environment frames: a number, or one of the official
/// configs' schedules: `linear(a, b, n)` (a to b over n frames, then b), `warmup(n, v)` (0 to v over n frames,
/// then v), `exp(a, b, h)` (b + (a - b) 0.5^(frames / h)). The official code counts the same in agent steps.
struct Schedule {
  enum class Kind { constant, linear, warmup, exp };
  Kind kind = Kind::constant;
  double a = 0, b = 0, n = 1;
  std::string text;  // as written in the config

  /// A constant.
  Schedule(double value = 0);  // NOLINT: a number is a constant schedule
  /// Parses a number or a schedule; throws dreamer::Error naming `key` and the text otherwise.
  static Schedule parse(const std::string& key, const std::string& text);
  /// The value after `frames` environment frames.
  double operator()(int64_t frames) const;
  bool constant() const { return kind == Kind::constant; }
};

/// An optimizer: Adam with epsilon, global-norm gradient clipping and decoupled weight decay.
struct OptConfig {
  std::string opt;  // only "adam"
  double lr = 0;    // learning rate
  double eps = 0;   // Adam epsilon
  double clip = 0;  // global gradient-norm clip, 0 = none
  double wd = 0;    // decoupled weight decay: params *= (1 - wd) before each step
  bool tf_eps = false;  // epsilon added to the uncorrected sqrt(v), as TensorFlow's Adam (the official code's);
                        // false: to the bias-corrected one, as PyTorch's (31.6x smaller at update 1, alike after ~5k)
};

/// An MLP head: `layers` hidden layers of `units`, then an output layer for `dist`.
struct HeadConfig {
  int layers = 0;
  int units = 0;
  std::string act;   // elu, relu, tanh, silu or none
  std::string norm;  // none or layer
  std::string dist;  // the output distribution: mse, binary, twohot (DreamerV3's symlog bins; reward, critic)
};

/// The recurrent state-space model (paper section 2.1).
struct RSSMConfig {
  int ensemble = 1;     // prior heads (Plan2Explore); only 1 is supported
  int hidden = 0;       // units of the dense layers around the GRU
  int deter = 0;        // size of the deterministic GRU state h_t
  int stoch = 0;        // number of latent variables (categoricals) in z_t
  int discrete = 0;     // classes per categorical; 0 = Gaussian latents (DreamerV1)
  std::string act;      // activation of the dense layers
  std::string norm;     // none or layer, for the dense layers (the GRU always uses LayerNorm)
  std::string std_act;  // Gaussian std: sigmoid2 (2 sigmoid(x/2)), softplus or sigmoid
  double min_std = 0;   // added to the Gaussian std
  double unimix = 0;    // DreamerV3: share of the uniform distribution mixed into the latent categoricals
  bool gru_norm = true; // LayerNorm on the GRU's gates (false: the paper's "no layer norm" ablation)
};

/// The observation encoder or decoder.
struct CoderConfig {
  std::string net;               // cnn or mlp
  std::string act;
  std::string norm;
  int cnn_depth = 0;             // channels of the first (encoder) / last hidden (decoder) conv
  std::vector<int> cnn_kernels;  // kernel sizes, no padding
  int cnn_stride = 2;            // stride of every (transposed) convolution; the paper's is 2
  std::vector<int> mlp_layers;   // hidden units of the mlp path
  std::string dist;              // decoder only: mse or binary
};

struct LossScales {
  double kl = 1, image = 1, reward = 1, discount = 1;
};

/// KL balancing (paper section 2.2): balance alpha weighs the prior's side.
struct KLConfig {
  double free = 0;       // free nats
  bool forward = false;  // KL(prior || post) instead of KL(post || prior)
  double balance = 0.8;  // alpha; 0.5 gives the plain KL
  bool free_avg = true;  // clip the batch-mean KL instead of each KL
  bool split = false;    // DreamerV3: dyn x KL(sg(post) || prior) + rep x KL(post || sg(prior)), each clipped at
                         // `free`, instead of balance
  double dyn = 0.5;      // split: weight of the dynamics term (trains the prior)
  double rep = 0.1;      // split: weight of the representation term (trains the posterior)
};

struct ReplayConfig {
  int64_t capacity = 0;  // environment steps kept
  bool ongoing = false;  // sample from unfinished episodes too
  int minlen = 0;        // shortest sampled sequence
  int maxlen = 0;        // longest sampled sequence
  bool prioritize_ends = true;
};

struct DatasetConfig {
  int batch = 0;   // B: sequences per batch
  int length = 0;  // T: steps per sequence
};

struct ActorConfig {
  int layers = 0;
  int units = 0;
  std::string act;
  std::string norm;
  std::string dist;  // auto (onehot for discrete, trunc_normal for continuous), onehot, trunc_normal
  double min_std = 0;
  double unimix = 0;  // DreamerV3: share of the uniform distribution mixed into a discrete actor's categorical
};

/// DreamerV3's return normalisation: advantages (and the dynamics objective) divided by max(limit, S), S the
/// range between the `low` and `high` quantiles of the lambda-returns, each tracked with `decay`.
struct ReturnNormConfig {
  bool enabled = false;
  double decay = 0.99;
  double limit = 1.0;
  double low = 0.05, high = 0.95;
};

struct RewardNormConfig {
  double momentum = 1, scale = 1, eps = 1e-8;
};

/// Atari through ALE (the paper's protocol; the other parts are the flat keys action_repeat, sticky,
/// minimal_actions, time_limit, render_size, atari_grayscale, clip_rewards). These defaults equal
/// configs.yaml's: a run directory written before the block existed reads them.
struct AtariConfig {
  std::string rom_dir;    // folder of <game>.bin ROMs; empty = $ALE_ROM_DIR
  int noops = 30;         // reset: a uniform number in [1, noops] of no-op frames
  bool life_loss = false; // a lost life is a terminal for the discount (the episode goes on)
  bool max_pool = true;   // observation = max over the last two raw frames of the repeat
  std::string resize = "area";  // area or bilinear, 210x160 -> render_size
};

/// Data-parallel training (docs/distributed.md): `world_size` learner processes, each with its own envs and replay
/// shard, average their gradients every update over torch.distributed's Gloo backend. The CLI takes the
/// rendezvous from torchrun's variables (WORLD_SIZE, RANK, MASTER_ADDR, MASTER_PORT) unless --dist.* is given.
struct DistConfig {
  int world_size = 1;                     // processes training this run; 1 = no group
  int rank = 0;                           // this process, 0..world_size-1 (rank 0 writes checkpoint and logs)
  std::string master_addr = "127.0.0.1";  // rank 0's host: the rendezvous store and the Gloo device's address
  int master_port = 29500;                // the rendezvous store's TCP port on master_addr
  double timeout = 300;                   // seconds a collective waits for the other ranks before the run stops
};

/// Every setting of a run. Field names are the YAML keys.
struct Config {
  // Run
  std::string logdir;
  int64_t seed = 0;
  std::string task;
  std::string device;
  int threads = 0;
  DistConfig dist;
  int envs = 1;
  int envs_parallel = 0;
  std::vector<int> render_size;
  bool atari_grayscale = true;
  AtariConfig atari;
  double sticky = -1;
  bool minimal_actions = false;
  int time_limit = 0;
  int action_repeat = 1;
  int64_t steps = 0;
  int64_t log_every = 0;
  int64_t eval_every = 0;
  int eval_eps = 0;
  int64_t prefill = 0;
  int pretrain = 0;
  int train_every = 0;
  int train_steps = 0;
  int64_t expl_until = 0;
  ReplayConfig replay;
  DatasetConfig dataset;
  bool carry_state = false;  // each training row starts from the previous batch's last posterior of that row
  int precision = 32;
  // Agent
  std::string clip_rewards;
  std::string expl_behavior;
  double expl_noise = 0;
  double eval_noise = 0;
  bool eval_state_mean = false;
  // World model
  std::vector<std::string> grad_heads;
  bool pred_discount = true;
  RSSMConfig rssm;
  CoderConfig encoder;
  CoderConfig decoder;
  HeadConfig reward_head;
  HeadConfig discount_head;
  LossScales loss_scales;
  KLConfig kl;
  OptConfig model_opt;
  // Actor critic
  ActorConfig actor;
  HeadConfig critic;
  OptConfig actor_opt;
  OptConfig critic_opt;
  double discount = 0;
  double discount_lambda = 0;
  int imag_horizon = 0;
  int64_t imag_starts = 0;  // start states drawn per update from the B x T posteriors, 0 = all
  std::string actor_grad;
  Schedule actor_grad_mix;  // the share of dynamics backprop with actor_grad both; a number or a schedule
  Schedule actor_ent;       // the entropy bonus's scale; a number or a schedule
  bool slow_target = true;
  int slow_target_update = 0;
  double slow_target_fraction = 1;
  bool slow_baseline = true;
  double slow_reg = 0;  // DreamerV3: weight of the critic's regression onto the slow critic's prediction
  RewardNormConfig reward_norm;
  ReturnNormConfig return_norm;

  /// True when `name` is in grad_heads.
  bool grad_head(const std::string& name) const;
};

/// A resolved config: the typed struct and the YAML text it came from (written as config.yaml).
struct ResolvedConfig {
  Config config;
  std::string yaml;
};

/// Applies `presets` in order over `defaults` of the YAML file at `path`, then each
/// ("key.sub", "value") override. Throws dreamer::Error naming an unknown preset, an unknown key
/// or an ill-typed value.
ResolvedConfig load_config(const std::string& path, const std::vector<std::string>& presets,
                           const std::vector<std::pair<std::string, std::string>>& overrides);

/// A run's stored config.yaml (every key present) with ("key.sub", "value") overrides applied,
/// typed against the defaults of the configs file at `path`: how `dreamer train --logdir X`
/// without --configs resumes a run. Throws dreamer::Error naming the file, key or value.
ResolvedConfig load_stored_config(const std::string& stored_path, const std::string& path,
                                  const std::vector<std::pair<std::string, std::string>>& overrides);

/// Parses a full config from YAML text, as written to config.yaml (every key must be present).
ResolvedConfig parse_config(const std::string& yaml_text);

/// $DREAMER_CONFIGS when set, else the shipped configs/configs.yaml (shipped_file: the source tree's or the installed).
std::string default_configs_path();

}  // namespace dreamer
