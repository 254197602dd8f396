// Tests of the runtime: how many threads `threads: 0` takes under load.
#include <gtest/gtest.h>

#include "dreamer/core/runtime.h"

using namespace dreamer;

// threads: 0 takes the cores other processes leave free: hand-computed from the rule.
TEST(ThreadGovernor, TakesTheCoresOtherProcessesLeaveFree) {
  EXPECT_EQ(threads_for_load(2, 0.0), 2);
  EXPECT_EQ(threads_for_load(2, 0.3), 2);   // a little background work keeps every core
  EXPECT_EQ(threads_for_load(2, 0.35), 2);
  EXPECT_EQ(threads_for_load(2, 0.45), 1);  // from 0.4 of a core on, that core is taken
  EXPECT_EQ(threads_for_load(2, 0.5), 1);   // half a core taken (as when it shares a core with us)
  EXPECT_EQ(threads_for_load(2, 1.0), 1);
  EXPECT_EQ(threads_for_load(2, 3.0), 1);   // never below one
  EXPECT_EQ(threads_for_load(8, 2.2), 6);
  EXPECT_EQ(threads_for_load(8, -0.1), 8);  // rounding noise in the counters
  ThreadGovernor governor;
  EXPECT_EQ(governor.update(), governor.cores());  // nothing measured yet: every core
  const int threads = governor.update();
  EXPECT_GE(threads, 1);
  EXPECT_LE(threads, governor.cores());
}
