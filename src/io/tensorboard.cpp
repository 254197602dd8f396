// TensorBoard event files: TFRecord framing around Event protos (src/io/proto/tensorboard_event.proto).
#include "dreamer/io/tensorboard.h"

#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <filesystem>
#include <system_error>

#include "dreamer/core/error.h"
#include "dreamer/io/crc32c.h"
#include "dreamer/io/gif.h"
#include "io/atomic_file.h"
#include "tensorboard_event.pb.h"

namespace dreamer {
namespace {

double wall_time_now() {
  using namespace std::chrono;
  return duration<double>(system_clock::now().time_since_epoch()).count();
}

std::string host_name() {
  char name[256] = {};
  if (gethostname(name, sizeof(name) - 1) != 0 || name[0] == '\0') return "localhost";
  return name;
}

void put_le(std::string& out, uint64_t value, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>((value >> (8 * i)) & 0xFFu));
}

tensorboard::Event make_event(int64_t step) {
  tensorboard::Event event;
  event.set_wall_time(wall_time_now());
  event.set_step(step);
  return event;
}

std::string serialize(const tensorboard::Event& event) {
  std::string bytes;
  if (!event.SerializeToString(&bytes)) throw Error("tensorboard: cannot serialize an event");
  return bytes;
}

}  // namespace

TensorBoardWriter::TensorBoardWriter(const std::string& logdir) { create(logdir); }

TensorBoardWriter::TensorBoardWriter(const std::string& logdir, const std::string& file, int64_t bytes) {
  namespace fs = std::filesystem;
  const fs::path path = fs::path(logdir) / file;
  std::error_code ec;
  const auto size = fs::file_size(path, ec);
  if (file.empty() || ec || bytes <= 0 || int64_t(size) < bytes) {
    create(logdir);
    return;
  }
  fs::resize_file(path, uint64_t(bytes), ec);
  if (ec) throw Error("tensorboard: cannot cut '" + path.string() + "' back to " + std::to_string(bytes) + " bytes: " + ec.message());
  path_ = path.string();
  out_.open(path_, std::ios::binary | std::ios::app);
  if (!out_) throw Error("tensorboard: cannot open '" + path_ + "' for appending");
}

void TensorBoardWriter::create(const std::string& logdir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(logdir, ec);
  if (ec) throw Error("tensorboard: cannot create directory '" + logdir + "': " + ec.message());
  const auto seconds = static_cast<long long>(wall_time_now());
  const std::string base = logdir + "/events.out.tfevents." + std::to_string(seconds) + "." + host_name();
  path_ = base;
  for (int suffix = 1; fs::exists(path_); ++suffix) path_ = base + "." + std::to_string(suffix);
  out_.open(path_, std::ios::binary | std::ios::trunc);
  if (!out_) throw Error("tensorboard: cannot open '" + path_ + "' for writing");

  tensorboard::Event header = make_event(0);
  header.set_file_version("brain.Event:2");
  write_record(serialize(header));
  flush();
}

TensorBoardWriter::~TensorBoardWriter() { out_.flush(); }

void TensorBoardWriter::scalar(const std::string& tag, double value, int64_t step) {
  tensorboard::Event event = make_event(step);
  tensorboard::Summary::Value* entry = event.mutable_summary()->add_value();
  entry->set_tag(tag);
  entry->set_simple_value(static_cast<float>(value));
  write_record(serialize(event));
}

void TensorBoardWriter::video(const std::string& tag, const std::vector<uint8_t>& frames, int T,
                              int H, int W, int C, int64_t step, int fps) {
  encoded_image(tag, encode_gif(frames, T, H, W, C, fps), H, W, C, step);
}

void TensorBoardWriter::encoded_image(const std::string& tag, const std::vector<uint8_t>& encoded,
                                      int H, int W, int colorspace, int64_t step) {
  tensorboard::Event event = make_event(step);
  tensorboard::Summary::Value* entry = event.mutable_summary()->add_value();
  entry->set_tag(tag);
  tensorboard::Summary::Image* image = entry->mutable_image();
  image->set_height(H);
  image->set_width(W);
  image->set_colorspace(colorspace);
  image->set_encoded_image_string(encoded.data(), encoded.size());
  write_record(serialize(event));
}

int64_t TensorBoardWriter::bytes() const {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path_, ec);
  if (ec) throw Error("tensorboard: cannot stat '" + path_ + "': " + ec.message());
  return int64_t(size);
}

void TensorBoardWriter::flush() {
  out_.flush();
  if (!out_) throw Error("tensorboard: cannot write '" + path_ + "': " + write_error_text(errno));
}

void TensorBoardWriter::write_record(const std::string& payload) {
  std::string header;
  put_le(header, payload.size(), 8);
  put_le(header, mask_crc32c(crc32c(header.data(), 8)), 4);
  std::string footer;
  put_le(footer, mask_crc32c(crc32c(payload)), 4);
  out_.write(header.data(), std::streamsize(header.size()));
  out_.write(payload.data(), std::streamsize(payload.size()));
  out_.write(footer.data(), std::streamsize(footer.size()));
  if (!out_) throw Error("tensorboard: cannot write '" + path_ + "'");
}

}  // namespace dreamer
