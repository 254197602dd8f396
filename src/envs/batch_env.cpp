// BatchEnv: stepping N envs into one [N, H, W, C] buffer, with an optional persistent worker pool.
#include "dreamer/envs/batch_env.h"

#include <algorithm>

namespace dreamer {

BatchEnv::BatchEnv(std::vector<EnvPtr> envs, int threads) : envs_(std::move(envs)) {
  if (envs_.empty()) throw Error("BatchEnv needs at least one env");
  for (const auto& e : envs_) {
    if (!e) throw Error("BatchEnv: null env");
    const ObsSpace& a = e->obs_space();
    const ObsSpace& b = envs_[0]->obs_space();
    if (a.height != b.height || a.width != b.width || a.channels != b.channels || a.high != b.high ||
        e->act_space().n != envs_[0]->act_space().n || e->act_space().discrete != envs_[0]->act_space().discrete)
      throw Error("BatchEnv: all envs must have the same observation and action spaces");
  }
  needs_reset_.assign(envs_.size(), true);
  threads_ = std::clamp(threads, 1, int(envs_.size()));
  for (int id = 1; id < threads_; ++id) workers_.emplace_back(&BatchEnv::worker, this, id);
}

BatchEnv::~BatchEnv() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  start_.notify_all();
  for (auto& w : workers_) w.join();
}

void BatchEnv::run(int begin, int end) {
  const int64_t size = obs_size();
  for (int i = begin; i < end; ++i) {
    uint8_t* obs = obs_ + i * size;
    TimeStep& ts = (*out_)[size_t(i)];
    if (force_reset_ || needs_reset_[size_t(i)])
      ts = envs_[size_t(i)]->reset(obs);
    else
      ts = envs_[size_t(i)]->step((*actions_)[size_t(i)], obs);
  }
}

void BatchEnv::guarded_run(int begin, int end) {
  try {
    run(begin, end);
  } catch (...) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!error_) error_ = std::current_exception();
  }
}

void BatchEnv::parallel_for() {
  const int n = size();
  if (threads_ <= 1) {
    run(0, n);
  } else {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      pending_ = threads_ - 1;
      ++generation_;
    }
    start_.notify_all();
    guarded_run(0, n / threads_);  // chunk 0 on the calling thread
    std::unique_lock<std::mutex> lock(mutex_);
    done_.wait(lock, [this] { return pending_ == 0; });
    if (error_) {
      std::exception_ptr error = error_;
      error_ = nullptr;
      std::rethrow_exception(error);  // e.g. a bad action; needs_reset_ is left as it was
    }
  }
  // needs_reset_ is updated here, on one thread (std::vector<bool> packs bits: no concurrent writes).
  for (int i = 0; i < n; ++i) needs_reset_[size_t(i)] = (*out_)[size_t(i)].is_last;
}

void BatchEnv::worker(int id) {
  uint64_t seen = 0;
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mutex_);
      start_.wait(lock, [&] { return stop_ || generation_ != seen; });
      if (stop_) return;
      seen = generation_;
    }
    const int n = size();
    guarded_run(int(int64_t(n) * id / threads_), int(int64_t(n) * (id + 1) / threads_));
    {
      std::lock_guard<std::mutex> lock(mutex_);
      --pending_;
    }
    done_.notify_one();
  }
}

void BatchEnv::reset(uint8_t* obs, std::vector<TimeStep>& out) {
  out.resize(envs_.size());
  obs_ = obs;
  out_ = &out;
  actions_ = nullptr;
  force_reset_ = true;
  parallel_for();
}

void BatchEnv::step(const std::vector<Action>& actions, uint8_t* obs, std::vector<TimeStep>& out) {
  if (actions.size() != envs_.size())
    throw Error("BatchEnv::step: got " + std::to_string(actions.size()) + " actions for " +
                std::to_string(envs_.size()) + " envs");
  out.resize(envs_.size());
  obs_ = obs;
  out_ = &out;
  actions_ = &actions;
  force_reset_ = false;
  parallel_for();
}

}  // namespace dreamer
