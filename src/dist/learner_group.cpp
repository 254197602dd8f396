// The learner processes of one data-parallel run, joined over torch.distributed's Gloo backend (c10d).
#include "dreamer/dist/learner_group.h"

#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <map>
#include <utility>

namespace dreamer {

struct LearnerGroup::Impl {
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<c10d::ProcessGroupGloo> gloo;
  std::string address;  // master_addr:master_port, for messages
};

namespace {

bool is_loopback(const std::string& host) { return host == "localhost" || host.rfind("127.", 0) == 0 || host == "::1"; }

// The Gloo device this rank sends from: the interface GLOO_SOCKET_IFNAME names (as PyTorch reads it), else
// loopback for a group on one machine, else the address this machine's hostname resolves to.
std::shared_ptr<::gloo::transport::Device> make_device(const std::string& master_addr) {
  if (const char* ifname = std::getenv("GLOO_SOCKET_IFNAME"); ifname && *ifname)
    return c10d::ProcessGroupGloo::createDeviceForInterface(ifname);
  if (is_loopback(master_addr)) return c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1");
  return c10d::ProcessGroupGloo::createDefaultDevice();
}

// Tensors of `tensors` grouped by dtype, each group with the positions it came from.
std::map<c10::ScalarType, std::vector<torch::Tensor>> by_dtype(const std::vector<torch::Tensor>& tensors) {
  std::map<c10::ScalarType, std::vector<torch::Tensor>> groups;
  for (const auto& t : tensors) groups[t.scalar_type()].push_back(t);
  return groups;
}

// One flat buffer of `tensors` (all of one dtype), and the copy back into them.
torch::Tensor flatten(const std::vector<torch::Tensor>& tensors) {
  torch::NoGradGuard no_grad;
  return at::flatten_dense_tensors(tensors);
}
void unflatten(const torch::Tensor& buffer, const std::vector<torch::Tensor>& tensors) {
  torch::NoGradGuard no_grad;
  const auto parts = at::unflatten_dense_tensors(buffer, tensors);
  for (size_t i = 0; i < tensors.size(); ++i) tensors[i].copy_(parts[i]);
}

}  // namespace

int free_loopback_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  const bool ok = fd >= 0 && ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
                  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0;
  if (fd >= 0) ::close(fd);
  if (!ok) throw Error("dist: cannot find a free TCP port on 127.0.0.1");
  return ntohs(addr.sin_port);
}

LearnerGroup::LearnerGroup(const DistConfig& cfg)
    : impl_(std::make_unique<Impl>()), rank_(cfg.rank), size_(cfg.world_size), timeout_s_(cfg.timeout) {
  if (size_ < 1 || rank_ < 0 || rank_ >= size_)
    throw Error("dist: rank " + std::to_string(rank_) + " is not in a group of " + std::to_string(size_));
  impl_->address = cfg.master_addr + ":" + std::to_string(cfg.master_port);
  const auto timeout = std::chrono::milliseconds(int64_t(cfg.timeout * 1000));
  try {
    c10d::TCPStoreOptions store;
    store.port = uint16_t(cfg.master_port);
    store.isServer = rank_ == 0;
    store.numWorkers = size_t(size_);
    store.waitWorkers = true;
    store.timeout = timeout;
    impl_->store = c10::make_intrusive<c10d::TCPStore>(cfg.master_addr, store);
    auto options = c10d::ProcessGroupGloo::Options::create(timeout);
    options->devices.push_back(make_device(cfg.master_addr));
    impl_->gloo = c10::make_intrusive<c10d::ProcessGroupGloo>(impl_->store, rank_, size_, options);
  } catch (const std::exception& e) {
    throw GroupError("dist: rank " + std::to_string(rank_) + " of " + std::to_string(size_) +
                     " could not join the group at " + impl_->address + " within " + std::to_string(int(cfg.timeout)) +
                     " s (dist.timeout): " + reason(e) + ". Start every rank with the same dist.world_size, "
                     "MASTER_ADDR and MASTER_PORT, ranks 0.." + std::to_string(size_ - 1) + " once each, and a port "
                     "no other process holds");
  }
}

LearnerGroup::~LearnerGroup() = default;

// Runs one collective, turning what Gloo throws into a GroupError that says what happened.
template <typename F>
static void collective(int rank, int size, double timeout_s, const char* what, F&& f) {
  try {
    f();
  } catch (const GroupError&) {
    throw;
  } catch (const std::exception& e) {
    throw GroupError("dist: rank " + std::to_string(rank) + " of " + std::to_string(size) + ": the " + what +
                     " with the other ranks failed (" + reason(e) + "): another rank has died, stopped, or not "
                     "answered within dist.timeout (" + std::to_string(int(timeout_s)) + " s)");
  }
}

void LearnerGroup::average(const std::vector<torch::Tensor>& tensors) {
  if (size_ == 1) return;
  for (const auto& [dtype, group] : by_dtype(tensors)) {
    if (!c10::isFloatingType(dtype)) throw Error("dist: average needs floating-point tensors");
    std::vector<torch::Tensor> io{flatten(group)};
    collective(rank_, size_, timeout_s_, "all-reduce", [&] { impl_->gloo->allreduce(io)->wait(); });
    io[0].div_(double(size_));
    unflatten(io[0], group);
  }
}

void LearnerGroup::average_gradients(const std::vector<torch::Tensor>& params) {
  std::vector<torch::Tensor> grads;
  grads.reserve(params.size());
  for (auto p : params) {
    if (!p.grad().defined()) p.mutable_grad() = torch::zeros_like(p);
    grads.push_back(p.grad());
  }
  average(grads);
}

void LearnerGroup::broadcast(const std::vector<torch::Tensor>& tensors) {
  if (size_ == 1) return;
  for (const auto& [dtype, group] : by_dtype(tensors)) {
    std::vector<torch::Tensor> io{flatten(group)};
    collective(rank_, size_, timeout_s_, "broadcast", [&] { impl_->gloo->broadcast(io)->wait(); });
    unflatten(io[0], group);
  }
}

std::string LearnerGroup::broadcast(const std::string& text) {
  if (size_ == 1) return text;
  std::vector<torch::Tensor> length{torch::tensor({int64_t(text.size())})};
  collective(rank_, size_, timeout_s_, "broadcast", [&] { impl_->gloo->broadcast(length)->wait(); });
  const int64_t n = length[0].item<int64_t>();
  std::vector<torch::Tensor> bytes{torch::empty({n}, torch::kUInt8)};
  if (rank_ == 0 && n > 0) std::memcpy(bytes[0].data_ptr(), text.data(), size_t(n));
  collective(rank_, size_, timeout_s_, "broadcast", [&] { impl_->gloo->broadcast(bytes)->wait(); });
  return std::string(static_cast<const char*>(bytes[0].data_ptr()), size_t(n));
}

std::vector<std::string> LearnerGroup::all_gather(const std::string& text) {
  if (size_ == 1) return {text};
  std::vector<int64_t> lengths(size_t(size_), 0);
  lengths[size_t(rank_)] = int64_t(text.size());
  lengths = sum(lengths);
  int64_t longest = 1;
  for (int64_t n : lengths) longest = std::max(longest, n);
  std::vector<torch::Tensor> in{torch::zeros({longest}, torch::kUInt8)};
  if (!text.empty()) std::memcpy(in[0].data_ptr(), text.data(), text.size());
  std::vector<std::vector<torch::Tensor>> out(1);
  for (int r = 0; r < size_; ++r) out[0].push_back(torch::empty({longest}, torch::kUInt8));
  collective(rank_, size_, timeout_s_, "all-gather", [&] { impl_->gloo->allgather(out, in)->wait(); });
  std::vector<std::string> texts;
  for (int r = 0; r < size_; ++r)
    texts.emplace_back(static_cast<const char*>(out[0][size_t(r)].data_ptr()), size_t(lengths[size_t(r)]));
  return texts;
}

std::vector<std::vector<double>> LearnerGroup::all_gather(const std::vector<double>& values) {
  if (size_ == 1) return {values};
  const int64_t n = int64_t(values.size());
  std::vector<torch::Tensor> in{torch::tensor(values, torch::kFloat64)};
  if (n == 0) in[0] = torch::empty({0}, torch::kFloat64);
  std::vector<std::vector<torch::Tensor>> out(1);
  for (int r = 0; r < size_; ++r) out[0].push_back(torch::empty({n}, torch::kFloat64));
  collective(rank_, size_, timeout_s_, "all-gather", [&] { impl_->gloo->allgather(out, in)->wait(); });
  std::vector<std::vector<double>> gathered;
  for (const auto& t : out[0]) {
    const double* p = t.data_ptr<double>();
    gathered.emplace_back(p, p + n);
  }
  return gathered;
}

std::vector<int64_t> LearnerGroup::sum(const std::vector<int64_t>& values) {
  if (size_ == 1 || values.empty()) return values;
  std::vector<torch::Tensor> io{torch::tensor(values, torch::kInt64)};
  collective(rank_, size_, timeout_s_, "all-reduce", [&] { impl_->gloo->allreduce(io)->wait(); });
  const int64_t* p = io[0].data_ptr<int64_t>();
  return std::vector<int64_t>(p, p + values.size());
}

void LearnerGroup::check(const std::string& problem) {
  const auto problems = all_gather(problem);
  for (int r = 0; r < int(problems.size()); ++r)
    if (!problems[size_t(r)].empty())
      throw Error(r == rank_ ? problems[size_t(r)] : "dist: rank " + std::to_string(r) + " refused: " + problems[size_t(r)]);
}

}  // namespace dreamer
