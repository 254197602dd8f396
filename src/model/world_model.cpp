// The world model (paper section 2.1): encoder, RSSM, image/reward/discount heads and their loss.
#include "dreamer/model/world_model.h"

#include "dreamer/core/error.h"

namespace dreamer {

torch::Tensor transform_reward(const torch::Tensor& reward, const std::string& clip_rewards) {
  if (clip_rewards == "tanh") return torch::tanh(reward);
  if (clip_rewards == "sign") return torch::sign(reward);
  if (clip_rewards == "identity") return reward;
  throw Error("config: key 'clip_rewards' has value '" + clip_rewards + "', expected one of: tanh, identity, sign");
}

WorldModelImpl::WorldModelImpl(const Config& cfg_, const ObsSpace& obs, const ActSpace& act)
    : cfg(cfg_), obs_space(obs), act_space(act), reward_dist(cfg_.reward_head.dist) {
  encoder = register_module("encoder", Encoder(cfg.encoder, obs));
  rssm = register_module("rssm", RSSM(cfg.rssm, encoder->embed_dim, action_dim(act)));
  const int64_t feat = rssm->feat_dim();
  decoder = register_module("decoder", Decoder(cfg.decoder, feat, obs));
  reward_head = register_module(
      "reward_head", MLP(feat, repeat_units(cfg.reward_head.layers, cfg.reward_head.units), reward_dist.out_dim(),
                         cfg.reward_head.act, cfg.reward_head.norm, latent_onehot(cfg.rssm)));
  if (cfg.pred_discount)
    discount_head = register_module(
        "discount_head", MLP(feat, repeat_units(cfg.discount_head.layers, cfg.discount_head.units), 1,
                             cfg.discount_head.act, cfg.discount_head.norm, latent_onehot(cfg.rssm)));
  glorot_init(*this);
  if (reward_dist.twohot) zero_output_layer(*reward_head);
  opt_ = std::make_unique<Optimizer>(parameters(), cfg.model_opt, "model_opt");
}

torch::Tensor WorldModelImpl::reward(const torch::Tensor& feat) { return reward_dist.mean(reward_head(feat)); }

torch::Tensor WorldModelImpl::discount_logits(const torch::Tensor& feat) {
  TORCH_CHECK(discount_head, "WorldModel: no discount head (pred_discount is false)");
  return discount_head(feat).squeeze(-1);
}

WorldModelImpl::Output WorldModelImpl::loss(const Batch& batch, std::optional<RSSMState> state) {
  TORCH_CHECK(batch.image.dim() == 5, "WorldModel::loss: image must be [B, T, H, W, C], got ", batch.image.sizes());
  auto embed = encoder(batch.image);
  auto [post, prior] = rssm->observe(embed, batch.action, batch.is_first, state);
  auto [kl_loss, kl_value] = rssm->kl_loss(post, prior, cfg.kl);
  auto feat = rssm->get_feat(post);
  auto head_input = [&](const std::string& head) { return cfg.grad_head(head) ? feat : feat.detach(); };

  auto image_loss = decoder->nll(decoder(head_input("decoder")), batch.image).mean();
  auto reward_target = transform_reward(batch.reward.to(torch::kFloat32), cfg.clip_rewards);
  // -ln p(target) without constants: the paper's unit-variance Normal, or DreamerV3's twohot.
  auto reward_loss = reward_dist.loss(reward_head(head_input("reward")), reward_target).mean();
  auto loss = cfg.loss_scales.kl * kl_loss + cfg.loss_scales.image * image_loss + cfg.loss_scales.reward * reward_loss;

  Output out;
  out.metrics["image_loss"] = image_loss.item<double>();
  out.metrics["reward_loss"] = reward_loss.item<double>();
  if (discount_head) {
    // Bernoulli on (1 - is_terminal) * gamma.
    auto target = (1 - batch.is_terminal.to(torch::kFloat32)) * cfg.discount;
    auto discount_loss = torch::binary_cross_entropy_with_logits(discount_logits(head_input("discount")), target);
    loss = loss + cfg.loss_scales.discount * discount_loss;
    out.metrics["discount_loss"] = discount_loss.item<double>();
  }
  out.metrics["kl_loss"] = kl_loss.item<double>();
  out.metrics["model_kl"] = kl_value.mean().item<double>();
  out.metrics["prior_ent"] = rssm->entropy(prior).mean().item<double>();
  out.metrics["post_ent"] = rssm->entropy(post).mean().item<double>();
  out.metrics["model_loss"] = loss.item<double>();
  out.loss = loss;
  out.post = post;
  out.prior = prior;
  return out;
}

std::pair<RSSMState, Metrics> WorldModelImpl::train(const Batch& batch, PhaseClock* clock,
                                                    std::optional<RSSMState> state) {
  auto out = loss(batch, std::move(state));
  require_finite(out.metrics, "world model");
  lap(clock, "wm_forward");
  opt_->backward(out.loss);
  lap(clock, "wm_backward");
  out.metrics["model_grad_norm"] = opt_->update();
  lap(clock, "optimizer");
  return {out.post.detach(), out.metrics};
}

torch::Tensor WorldModelImpl::video_pred(const Batch& batch, int64_t context) {
  torch::NoGradGuard no_grad;
  const int64_t T = batch.image.size(1);
  TORCH_CHECK(context >= 1 && context < T, "WorldModel::video_pred: context ", context, " must be in [1, ", T, ")");
  auto embed = encoder(batch.image.slice(1, 0, context));
  auto [post, prior] = rssm->observe(embed, batch.action.slice(1, 0, context), batch.is_first.slice(1, 0, context));
  auto last = post.map([](const torch::Tensor& t) { return t.select(1, -1); });
  auto imagined = rssm->imagine(batch.action.slice(1, context, T), last);
  auto feat = torch::cat({rssm->get_feat(post), rssm->get_feat(imagined)}, 1);
  return decoder->mode(decoder(feat));
}

int64_t WorldModelImpl::parameter_count() const { return opt_->parameter_count(); }

}  // namespace dreamer
