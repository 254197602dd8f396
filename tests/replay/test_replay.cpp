// Tests of the replay: .npz episodes round-trip, sequence sampling, capacity, and bad files.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "dreamer/core/error.h"
#include "dreamer/io/npz.h"
#include "dreamer/replay/replay.h"

using namespace dreamer;
namespace fs = std::filesystem;

namespace {
const ObsSpace kSpace{3, 2, 1, 255};

// An episode of `length` steps whose frames are filled with the step index and rewards = index.
Episode counting_episode(int64_t length, int64_t act_dim = 2, int64_t offset = 0) {
  Episode ep{kSpace, act_dim, {}, {}, {}, {}, {}, {}};
  std::vector<uint8_t> obs(static_cast<size_t>(kSpace.size()));
  std::vector<float> act(static_cast<size_t>(act_dim));
  for (int64_t t = 0; t < length; ++t) {
    std::fill(obs.begin(), obs.end(), uint8_t(offset + t));
    std::fill(act.begin(), act.end(), t == 0 ? 0.0f : float(t));
    TimeStep ts{float(offset + t), t == 0, t + 1 == length, t + 1 == length};
    ep.append(obs.data(), act.data(), ts);
  }
  return ep;
}

std::string temp_dir(const std::string& name) {
  auto dir = fs::temp_directory_path() / ("dreamer_replay_" + name);
  fs::remove_all(dir);
  return dir.string();
}

ReplayConfig replay_cfg(int minlen, int maxlen, int64_t capacity = 1000000, bool prioritize_ends = false) {
  ReplayConfig c;
  c.capacity = capacity;
  c.minlen = minlen;
  c.maxlen = maxlen;
  c.prioritize_ends = prioritize_ends;
  return c;
}
}  // namespace

TEST(Npz, EpisodeRoundTrip) {
  auto dir = temp_dir("roundtrip");
  fs::create_directories(dir);
  auto ep = counting_episode(7);
  save_episode(dir + "/a.npz", ep);
  auto back = load_episode(dir + "/a.npz", kSpace, 2);
  EXPECT_EQ(back.image, ep.image);
  EXPECT_EQ(back.action, ep.action);
  EXPECT_EQ(back.reward, ep.reward);
  EXPECT_EQ(back.is_first, ep.is_first);
  EXPECT_EQ(back.is_last, ep.is_last);
  EXPECT_EQ(back.is_terminal, ep.is_terminal);
  EXPECT_FALSE(fs::exists(dir + "/a.npz.tmp"));
  fs::remove_all(dir);
}

TEST(Npz, BadFilesAreErrorsNamingThem) {
  auto dir = temp_dir("bad");
  fs::create_directories(dir);
  { std::ofstream(dir + "/junk.npz") << "this is no zip"; }
  try {
    load_episode(dir + "/junk.npz", kSpace, 2);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("junk.npz"), std::string::npos) << e.what();
  }
  save_episode(dir + "/ok.npz", counting_episode(4));
  EXPECT_THROW(load_episode(dir + "/ok.npz", ObsSpace{4, 4, 1, 255}, 2), Error);  // other obs shape
  EXPECT_THROW(load_episode(dir + "/ok.npz", kSpace, 3), Error);                 // other action size
  // A truncated file fails its checks rather than crashing.
  auto size = fs::file_size(dir + "/ok.npz");
  fs::resize_file(dir + "/ok.npz", size / 2);
  EXPECT_THROW(load_episode(dir + "/ok.npz", kSpace, 2), Error);
  fs::remove_all(dir);
}

TEST(Replay, SamplesRowsOfChunksMarkedIsFirst) {
  Replay replay(replay_cfg(/*minlen=*/3, /*maxlen=*/5), kSpace, 2, /*seed=*/0);
  replay.add_episode(std::make_shared<const Episode>(counting_episode(12)));
  auto batch = replay.sample(4, 9);
  ASSERT_EQ(batch.image.sizes(), (std::vector<int64_t>{4, 9, 3, 2, 1}));
  ASSERT_EQ(batch.action.sizes(), (std::vector<int64_t>{4, 9, 2}));
  EXPECT_TRUE(batch.is_first[0][0].item<bool>());
  for (int64_t b = 0; b < 4; ++b) {
    int64_t run = 0;
    for (int64_t t = 0; t < 9; ++t) {
      const float r = batch.reward[b][t].item<float>();
      EXPECT_EQ(batch.image[b][t][0][0][0].item<uint8_t>(), uint8_t(r));  // frames travel with their step
      if (batch.is_first[b][t].item<bool>()) {
        run = 1;
      } else if (t == 0) {
        // The rest of the previous row's last chunk, continued.
        EXPECT_EQ(r, batch.reward[b - 1][8].item<float>() + 1);
        run = 1;
      } else {
        EXPECT_EQ(r, batch.reward[b][t - 1].item<float>() + 1);  // consecutive inside a chunk
        ++run;
      }
      EXPECT_LE(run, 5);  // chunks are at most maxlen long
    }
  }
}

// The official replay's chunk stream: a chunk longer than what is left of a row goes on in the
// next row and the next call, so every step of every drawn chunk is used.
TEST(Replay, CarriesTheRestOfAChunkIntoTheNextRow) {
  Replay replay(replay_cfg(/*minlen=*/20, /*maxlen=*/20), kSpace, 2, /*seed=*/0);
  replay.add_episode(std::make_shared<const Episode>(counting_episode(20)));
  // The only chunk is the whole episode 0..19: rows of 6 read it as one stream.
  std::vector<float> stream;
  for (int call = 0; call < 2; ++call) {
    auto batch = replay.sample(2, 6);
    for (int64_t b = 0; b < 2; ++b)
      for (int64_t t = 0; t < 6; ++t) {
        stream.push_back(batch.reward[b][t].item<float>());
        EXPECT_EQ(batch.is_first[b][t].item<bool>(), stream.back() == 0) << "call " << call << " row " << b;
      }
  }
  for (size_t i = 0; i < stream.size(); ++i) EXPECT_EQ(stream[i], float(i % 20)) << i;
}

// SampleRows::continued (for carry_state): row b goes on where row b of the previous call stopped, so
// a row's first step either starts a chunk (is_first) or is the step after the same row's last one.
TEST(Replay, ContinuedRowsGoOnWhereTheirRowStopped) {
  Replay replay(replay_cfg(/*minlen=*/2, /*maxlen=*/11), kSpace, 2, /*seed=*/3);
  for (int i = 0; i < 3; ++i)
    replay.add_episode(std::make_shared<const Episode>(counting_episode(12, 2, 100 * i)));
  const int64_t B = 4, T = 3;
  torch::Tensor last;
  int64_t continued = 0, started = 0;
  for (int call = 0; call < 30; ++call) {
    auto batch = replay.sample(B, T, SampleStream::train, SampleRows::continued);
    for (int64_t b = 0; b < B; ++b) {
      for (int64_t t = 1; t < T; ++t) {
        if (!batch.is_first[b][t].item<bool>()) {
          EXPECT_EQ(batch.reward[b][t].item<float>(), batch.reward[b][t - 1].item<float>() + 1);
        }
      }
      if (!last.defined()) {
        EXPECT_TRUE(batch.is_first[b][0].item<bool>());  // nothing to go on from yet
      } else if (batch.is_first[b][0].item<bool>()) {
        ++started;
      } else {
        EXPECT_EQ(batch.reward[b][0].item<float>(), last[b].item<float>() + 1) << "call " << call << " row " << b;
        ++continued;
      }
    }
    last = batch.reward.select(1, T - 1).clone();
  }
  EXPECT_GT(continued, 20);  // chunks of 2-11 steps in rows of 3: many rows go on...
  EXPECT_GE(started, 5);     // ...and some start a new chunk
  // One-stream rows do not: row 1 goes on from row 0.
  Replay stream(replay_cfg(11, 11), kSpace, 2, 3);
  stream.add_episode(std::make_shared<const Episode>(counting_episode(11)));
  auto batch = stream.sample(2, 3);
  EXPECT_EQ(batch.reward[1][0].item<float>(), 3.0f);
  batch = stream.sample(2, 3, SampleStream::train, SampleRows::continued);  // a new row layout starts afresh
  EXPECT_TRUE(batch.is_first[0][0].item<bool>());
  EXPECT_TRUE(batch.is_first[1][0].item<bool>());
}

TEST(Replay, ReportSamplesLeaveTheTrainingStreamAlone) {
  auto filled = [] {
    Replay replay(replay_cfg(/*minlen=*/3, /*maxlen=*/9), kSpace, 2, /*seed=*/5);
    for (int i = 0; i < 4; ++i)
      replay.add_episode(std::make_shared<const Episode>(counting_episode(7 + 3 * i, 2, 100 * i)));
    return replay;
  };
  Replay plain = filled(), interleaved = filled();
  bool report_differs = false;
  for (int call = 0; call < 5; ++call) {
    auto report = interleaved.sample(2, 5, SampleStream::report);
    auto train = interleaved.sample(3, 4);
    auto expected = plain.sample(3, 4);
    EXPECT_TRUE(torch::equal(train.reward, expected.reward)) << "call " << call;
    EXPECT_TRUE(torch::equal(train.is_first, expected.is_first)) << "call " << call;
    report_differs |= !torch::equal(report.reward.slice(0, 0, 2).slice(1, 0, 4), expected.reward.slice(0, 0, 2));
  }
  EXPECT_TRUE(report_differs);  // the report stream is a stream of its own
}

TEST(Replay, SkipsShortEpisodesAndKeepsCapacity) {
  Replay replay(replay_cfg(3, 5, /*capacity=*/20), kSpace, 2, 0);
  replay.add_episode(std::make_shared<const Episode>(counting_episode(2)));
  EXPECT_EQ(replay.episodes(), 0);
  for (int i = 0; i < 5; ++i) replay.add_episode(std::make_shared<const Episode>(counting_episode(8, 2, 10 * i)));
  EXPECT_EQ(replay.steps(), 16);  // the oldest episodes went out
  EXPECT_EQ(replay.episodes(), 2);
  EXPECT_GT(replay.bytes_per_step(), kSpace.size());
  auto batch = replay.sample(8, 4);
  EXPECT_GE(batch.reward.min().item<float>(), 30.0f);  // only the two newest remain
}

TEST(Replay, StepsBecomeEpisodesOnDiskAndLoadBack) {
  auto dir = temp_dir("disk");
  {
    Replay replay(replay_cfg(1, 5), kSpace, 2, 0, dir);
    auto ep = counting_episode(6);
    for (int64_t t = 0; t < ep.length(); ++t) {
      TimeStep ts{ep.reward[size_t(t)], bool(ep.is_first[size_t(t)]), bool(ep.is_last[size_t(t)]), bool(ep.is_terminal[size_t(t)])};
      replay.add_step(0, ep.image.data() + t * kSpace.size(), ep.action.data() + t * 2, ts);
    }
    EXPECT_EQ(replay.episodes(), 1);
  }
  Replay again(replay_cfg(1, 5), kSpace, 2, 0, dir);
  EXPECT_EQ(again.load_directory(), 1);
  EXPECT_EQ(again.steps(), 6);
  again.add_episode(std::make_shared<const Episode>(counting_episode(3)));
  EXPECT_EQ(std::distance(fs::directory_iterator(dir), fs::directory_iterator{}), 2);  // a new name, not an overwrite
  fs::remove_all(dir);
}

// Resuming from a checkpoint that recorded the file counter: files written after it are deleted
// unread, and numbering goes on from the counter, so no episode of the lost segment stays.
TEST(Replay, LoadingUpToACheckpointsCounterDropsLaterFiles) {
  auto dir = temp_dir("until");
  int64_t mark = 0;
  {
    Replay replay(replay_cfg(1, 5), kSpace, 2, 0, dir);
    replay.add_episode(std::make_shared<const Episode>(counting_episode(4)));
    replay.add_episode(std::make_shared<const Episode>(counting_episode(5)));
    mark = replay.next_file();
    replay.add_episode(std::make_shared<const Episode>(counting_episode(6)));  // after the checkpoint
  }
  EXPECT_EQ(mark, 2);
  { std::ofstream(dir + "/notes.npz") << "not ours"; }  // a file without the counter is left alone
  Replay again(replay_cfg(1, 5), kSpace, 2, 0, dir);
  EXPECT_EQ(again.load_directory(mark), 2);
  EXPECT_EQ(again.steps(), 9);
  EXPECT_FALSE(fs::exists(dir + "/00000002-6.npz"));
  EXPECT_TRUE(fs::exists(dir + "/notes.npz"));
  EXPECT_EQ(again.next_file(), 2);
  // Only numbering (an evaluation store): nothing is held in memory.
  Replay numbering(replay_cfg(1, 5), kSpace, 2, 0, dir);
  EXPECT_EQ(numbering.load_directory(-1, /*load=*/false), 0);
  EXPECT_EQ(numbering.episodes(), 0);
  EXPECT_EQ(numbering.next_file(), 2);
  fs::remove_all(dir);
}

