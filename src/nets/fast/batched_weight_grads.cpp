// Linear layers applied once per step of a loop, with their weight gradients taken in one product
// over all steps instead of one small product per step.
#include "nets/fast/batched_weight_grads.h"

#include "dreamer/core/runtime.h"

namespace dreamer {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// The rows x_t and output gradients dy_t of every step of one layer, in the order the steps'
// backward ran; the layer's weight gradient consumes them.
struct StepRows : torch::CustomClassHolder {
  std::vector<torch::Tensor> x, dy;
};

c10::intrusive_ptr<StepRows> rows_of(AutogradContext* ctx) {
  return c10::static_intrusive_pointer_cast<StepRows>(ctx->saved_data["rows"].toCapsule());
}

// The dtype the products run in: autocast's where it is on for the weight's device.
torch::ScalarType product_dtype(const torch::Tensor& weight) {
  return autocast_dtype(weight.is_cuda()).value_or(weight.scalar_type());
}

// The weight and bias in the product dtype, as every step uses them. Its backward runs after the
// backward of every step that used them (each is an edge into it) and returns their gradients
// from all steps' rows at once: dW = [dy_1; ...; dy_T]^T [x_1; ...; x_T], db = sum of the dy rows.
// weight: [out, in], bias: [out] -> {weight, bias} in `dtype`
struct WeightOverSteps : torch::autograd::Function<WeightOverSteps> {
  static variable_list forward(AutogradContext* ctx, const torch::Tensor& weight, const torch::Tensor& bias,
                               torch::ScalarType dtype, c10::intrusive_ptr<StepRows> rows) {
    ctx->saved_data["rows"] = c10::IValue::make_capsule(std::move(rows));
    ctx->saved_data["weight_type"] = int64_t(weight.scalar_type());
    ctx->saved_data["bias_type"] = int64_t(bias.scalar_type());
    ctx->set_materialize_grads(false);
    return {weight.to(dtype), bias.to(dtype)};
  }

  static variable_list backward(AutogradContext* ctx, variable_list /*grads: none, the steps return none*/) {
    auto rows = rows_of(ctx);
    if (rows->x.empty()) return {torch::Tensor(), torch::Tensor(), torch::Tensor(), torch::Tensor()};
    auto x = torch::cat(rows->x), dy = torch::cat(rows->dy);  // [T * M, in], [T * M, out]
    rows->x.clear();
    rows->dy.clear();
    auto dweight = torch::mm(dy.t(), x).to(torch::ScalarType(ctx->saved_data["weight_type"].toInt()));
    auto dbias = dy.sum(0).to(torch::ScalarType(ctx->saved_data["bias_type"].toInt()));
    return {dweight, dbias, torch::Tensor(), torch::Tensor()};
  }
};

// One step: y = x W^T + b. Its backward returns x's gradient only and hands (x, dy) to `rows`.
// x: [M, in], weight: [out, in] and bias: [out] from WeightOverSteps -> [M, out]
struct StepLinear : torch::autograd::Function<StepLinear> {
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& x, const torch::Tensor& weight,
                               const torch::Tensor& bias, c10::intrusive_ptr<StepRows> rows) {
    auto xc = x.to(weight.scalar_type());
    ctx->save_for_backward({xc, weight});
    ctx->saved_data["rows"] = c10::IValue::make_capsule(std::move(rows));
    ctx->saved_data["x_type"] = int64_t(x.scalar_type());
    ctx->set_materialize_grads(false);
    return torch::addmm(bias, xc, weight.t());
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    variable_list out(4);
    if (!grads[0].defined()) return out;
    auto saved = ctx->get_saved_variables();
    const auto& weight = saved[1];
    auto dy = grads[0].to(weight.scalar_type());
    auto rows = rows_of(ctx);
    rows->x.push_back(saved[0]);
    rows->dy.push_back(dy);
    if (ctx->needs_input_grad(0))
      out[0] = torch::mm(dy, weight).to(torch::ScalarType(ctx->saved_data["x_type"].toInt()));
    return out;
  }
};

thread_local BatchedWeightGrads* active_scope = nullptr;

}  // namespace

struct BatchedWeightGrads::Layer {
  const c10::TensorImpl* key;  // the layer's weight
  torch::Tensor weight, bias;  // WeightOverSteps' outputs
  c10::intrusive_ptr<StepRows> rows;
};

BatchedWeightGrads::BatchedWeightGrads(const std::vector<torch::nn::Linear>& layers) : outer_(active_scope) {
  if (torch::GradMode::is_enabled() && kernels() == Kernels::fast) {
    for (const auto& linear : layers) {
      if (!linear->weight.requires_grad() || !linear->bias.defined()) continue;
      auto layer = std::make_unique<Layer>();
      layer->key = linear->weight.unsafeGetTensorImpl();
      layer->rows = c10::make_intrusive<StepRows>();
      auto cast = WeightOverSteps::apply(linear->weight, linear->bias, product_dtype(linear->weight), layer->rows);
      layer->weight = cast[0];
      layer->bias = cast[1];
      layers_.push_back(std::move(layer));
    }
  }
  active_scope = this;
}

BatchedWeightGrads::~BatchedWeightGrads() { active_scope = outer_; }

const BatchedWeightGrads::Layer* BatchedWeightGrads::find(const torch::Tensor& weight) {
  for (const BatchedWeightGrads* scope = active_scope; scope; scope = scope->outer_)
    for (const auto& layer : scope->layers_)
      if (layer->key == weight.unsafeGetTensorImpl()) return layer.get();
  return nullptr;
}

torch::Tensor BatchedWeightGrads::linear(const Layer& layer, const torch::Tensor& x) {
  TORCH_CHECK(x.dim() == 2 && x.size(1) == layer.weight.size(1), "BatchedWeightGrads: input must be [M, ",
              layer.weight.size(1), "], got ", x.sizes());
  return StepLinear::apply(x, layer.weight, layer.bias, layer.rows);
}

}  // namespace dreamer
