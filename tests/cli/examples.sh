#!/usr/bin/env bash
# The examples as an embedder builds them: this build installed into a scratch prefix, examples/ configured
# against it with find_package(dreamer), then run briefly. custom_env trains on its own env through the API and
# acts with the result; play_checkpoint plays a run the CLI trained.
set -euo pipefail
build="$1"
source_dir="$2"
source "$(dirname "$0")/lib.sh"

cmake --install "$build" --prefix "$work/prefix" >"$work/install.log" || fail "install failed: $(tail -5 "$work/install.log")"
for f in bin/dreamer include/dreamer/run/acting.h share/dreamer/configs/configs.yaml \
         share/dreamer/data/atari_baselines.json lib/cmake/dreamer/dreamerConfig.cmake; do
  [ -e "$work/prefix/$f" ] || fail "the install has no $f"
done
cmake -S "$source_dir/examples" -B "$work/examples" -DCMAKE_PREFIX_PATH="$work/prefix;${CMAKE_PREFIX_PATH:-}" \
  >"$work/configure.log" 2>&1 || fail "configuring examples/ failed: $(tail -20 "$work/configure.log")"
cmake --build "$work/examples" -j2 >"$work/build.log" 2>&1 || fail "building examples/ failed: $(grep -m5 -A5 error "$work/build.log")"

# A program's own env, trained for 1,500 frames through dreamer::train, then acting in the program's loop.
"$work/examples/custom_env" "$work/chase" 1500 >"$work/custom.out" 2>&1 || fail "custom_env: $(tail -5 "$work/custom.out")"
grep -q "greedy agent: .* targets per episode over 20 episodes; random policy:" "$work/custom.out" \
  || fail "custom_env printed: $(cat "$work/custom.out")"
grep -q '^task: chase_grid' "$work/chase/config.yaml" || fail "the run's config does not name chase_grid"
[ -s "$work/chase/checkpoint.pt" ] || fail "custom_env left no checkpoint"

# A run trained by the installed CLI, played by the example through load_agent.
"$work/prefix/bin/dreamer" train --configs debug --task debug_catch --logdir "$work/catch" --steps 1000 --prefill 300 \
  --threads 1 >/dev/null 2>"$work/train.log" || fail "dreamer train: $(tail -5 "$work/train.log")"
"$work/examples/play_checkpoint" "$work/catch" 2 >"$work/play.out" 2>&1 || fail "play_checkpoint: $(cat "$work/play.out")"
[ "$(grep -c '^debug_catch episode [12]: return .* in 9 steps$' "$work/play.out")" = 2 ] \
  || fail "play_checkpoint printed: $(cat "$work/play.out")"
expect_error 1 "holds no run" -- "$work/examples/play_checkpoint" "$work/nothing"
echo "examples: built against the install, custom_env trained and acted, play_checkpoint played"
