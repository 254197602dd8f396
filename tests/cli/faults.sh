#!/usr/bin/env bash
# Fault tests of a run directory (docs/run_directory.md): a full disk, a missing config or
# checkpoint, two processes, resumes, a moved directory, divergence, corruption, kill -9, torn logs,
# signals, bad sizes. `faults.sh DREAMER disk_full` runs only the full-disk case (it mounts a tmpfs;
# exit 77, skipped, where it cannot); `faults.sh DREAMER` runs the others.
set -euo pipefail
dreamer="$1"
case_name="${2:-all}"
source "$(dirname "$0")/lib.sh"

run=(train --configs debug --task debug_catch --prefill 50 --log_every 100 --eval_every 200 --eval_eps 1 --threads 1)
no_tmp() { [ -z "$(find "$1" -name '*.tmp')" ] || fail "temporary files left in $1: $(find "$1" -name '*.tmp')"; }
# steps_of DIR KEY: the steps of the metrics records that hold KEY, one per line.
steps_of() { grep "\"$2\"" "$1/metrics.jsonl" | grep -o '"step":[0-9]*' | cut -d: -f2; }

if [ "$case_name" = disk_full ]; then
  # 1. A full disk while writing: a clear error, the previous checkpoint intact, no temporary file.
  mkdir -p "$work/small"
  mount -t tmpfs -o size=24m tmpfs "$work/small" 2>/dev/null || { echo "skipped: cannot mount a tmpfs here"; exit 77; }
  trap 'umount "$work/small" 2>/dev/null; rm -rf "$work"' EXIT
  "$dreamer" "${run[@]}" --logdir "$work/small/run" --steps 200 2>"$work/first.log" || fail "first run: $(tail -3 "$work/first.log")"
  cp "$work/small/run/checkpoint.pt" "$work/ckpt.before"
  # Leave less room than a checkpoint takes.
  head -c "$(( $(df --output=avail -B1 "$work/small" | tail -1) - 32768 ))" /dev/zero >"$work/small/filler" 2>/dev/null || true
  expect_error 2 "the disk is full" -- "$dreamer" "${run[@]}" --logdir "$work/small/run" --steps 2000
  cmp -s "$work/small/run/checkpoint.pt" "$work/ckpt.before" || fail "the previous checkpoint changed on a full disk"
  no_tmp "$work/small/run"
  rm "$work/small/filler"
  "$dreamer" eval --logdir "$work/small/run" --episodes 1 >/dev/null || fail "the kept checkpoint does not evaluate"
  "$dreamer" "${run[@]}" --logdir "$work/small/run" --steps 400 2>/dev/null || fail "the run does not resume once there is room"
  echo "faults (disk full): ok"
  exit 0
fi

"$dreamer" "${run[@]}" --logdir "$work/run" --steps 400 2>/dev/null
cp -r "$work/run" "$work/pristine"

# 2. A checkpoint without its config, or a config and episodes without a checkpoint: refused, untouched.
cp -r "$work/pristine" "$work/noconfig" && rm "$work/noconfig/config.yaml"
expect_error 2 "no config.yaml" -- "$dreamer" "${run[@]}" --logdir "$work/noconfig" --steps 600
cmp -s "$work/noconfig/checkpoint.pt" "$work/pristine/checkpoint.pt" || fail "a refused run changed checkpoint.pt"
cmp -s "$work/noconfig/metrics.jsonl" "$work/pristine/metrics.jsonl" || fail "a refused run changed metrics.jsonl"
[ ! -e "$work/noconfig/config.yaml" ] || fail "a refused run wrote config.yaml"
cp -r "$work/pristine" "$work/nockpt" && rm "$work/nockpt/checkpoint.pt"
expect_error 2 "no checkpoint.pt" -- "$dreamer" "${run[@]}" --logdir "$work/nockpt" --steps 600
[ ! -e "$work/nockpt/checkpoint.pt" ] || fail "a refused run wrote a checkpoint"

# 3. Two trainers on one logdir: the second is refused while the first runs; kill -9 frees the lock.
"$dreamer" "${run[@]}" --logdir "$work/busy" --steps 1000000 2>/dev/null &
first=$!
for _ in $(seq 100); do [ -s "$work/busy/checkpoint.pt" ] && break; sleep 0.1; done
expect_error 2 "in use by another dreamer process (pid $first)" -- "$dreamer" "${run[@]}" --logdir "$work/busy" --steps 1000000
kill -9 "$first"; wait "$first" 2>/dev/null || true
"$dreamer" "${run[@]}" --logdir "$work/busy" --steps 100 2>/dev/null || fail "the lock outlived a killed process"

# 4. Resumes keep every evaluation: one per evaluation step, and every evaluation's episode file.
cp -r "$work/pristine" "$work/evals"
"$dreamer" "${run[@]}" --logdir "$work/evals" --steps 600 2>/dev/null
"$dreamer" "${run[@]}" --logdir "$work/evals" --steps 600 2>/dev/null
"$dreamer" "${run[@]}" --logdir "$work/evals" --steps 800 2>/dev/null
evals=$(steps_of "$work/evals" eval_return | wc -l)
[ "$evals" = "$(steps_of "$work/evals" eval_return | sort -u | wc -l)" ] || fail "an evaluation ran twice: $(steps_of "$work/evals" eval_return | tr '\n' ' ')"
[ "$(ls "$work/evals/eval_episodes" | wc -l)" = "$evals" ] || fail "$evals evaluations but $(ls "$work/evals/eval_episodes" | wc -l) evaluation episodes"

# 5. A moved (or copied) run directory resumes where it is.
mv "$work/evals" "$work/moved"
"$dreamer" "${run[@]}" --logdir "$work/moved" --steps 900 2>"$work/moved.log" || fail "a moved run did not resume: $(tail -2 "$work/moved.log")"
"$dreamer" train --logdir "$work/moved" --steps 1000 2>/dev/null || fail "a moved run did not resume from its stored config"
grep -q "logdir: $work/moved" "$work/moved/config.yaml" || fail "config.yaml does not name the new logdir"

# 6. Divergence: a clear message naming the loss, exit 3, the last good checkpoint kept.
for lr in 1e4 1e12; do
  expect_error 3 "training diverged at step" -- "$dreamer" "${run[@]}" --logdir "$work/div$lr" --steps 100000 --model_opt.lr "$lr" --actor_opt.lr "$lr" --critic_opt.lr "$lr"
  grep -q "_loss is\|gradient norm is\|probabilities are not finite" "$work/err" || fail "the divergence message names no loss: $(cat "$work/err")"
  grep -q "internal error\|Exception raised from" "$work/err" && fail "divergence escaped as an internal error: $(cat "$work/err")"
  "$dreamer" eval --logdir "$work/div$lr" --episodes 1 >/dev/null 2>"$work/err" || fail "the kept checkpoint does not load: $(cat "$work/err")"
  grep -q null "$work/div$lr/metrics.jsonl" && fail "non-finite metrics were logged (lr $lr)"
done

# 7. Corruption inside the checkpoint's data is detected on load.
cp -r "$work/pristine" "$work/corrupt"
size=$(stat -c %s "$work/corrupt/checkpoint.pt")
head -c 4096 /dev/zero | tr '\0' '\377' | dd of="$work/corrupt/checkpoint.pt" bs=1 seek=$((size / 2)) conv=notrunc 2>/dev/null
expect_error 2 "is corrupted" -- "$dreamer" eval --logdir "$work/corrupt" --episodes 1
expect_error 2 "is corrupted" -- "$dreamer" "${run[@]}" --logdir "$work/corrupt" --steps 600
cmp -s "$work/corrupt/config.yaml" "$work/pristine/config.yaml" || fail "a run that failed to resume changed config.yaml"
head -c 1000 "$work/pristine/checkpoint.pt" >"$work/corrupt/checkpoint.pt"
expect_error 2 "is torn" -- "$dreamer" eval --logdir "$work/corrupt" --episodes 1

# kill -9 inside a checkpoint write (strace injects SIGKILL at the 30th write of the temporary, then
# at its rename): the previous checkpoint is intact and loads; the resume replaces the temporary.
cp -r "$work/pristine" "$work/midwrite"
for inject in pwrite64:signal=KILL:when=30 rename:signal=KILL; do
  set +e
  ( strace -f -qq -o /dev/null -P "$work/midwrite/checkpoint.pt.tmp" -e trace="${inject%%:*}" -e inject="$inject" \
    "$dreamer" "${run[@]}" --logdir "$work/midwrite" --steps 100000 ) 2>/dev/null
  got=$?
  set -e
  [ "$got" = 137 ] || fail "strace's kill inside the checkpoint write did not happen (exit $got, $inject)"
  cmp -s "$work/midwrite/checkpoint.pt" "$work/pristine/checkpoint.pt" || fail "a kill inside the checkpoint write changed checkpoint.pt"
  [ -e "$work/midwrite/checkpoint.pt.tmp" ] || fail "the kill did not come inside the checkpoint write ($inject)"
  "$dreamer" eval --logdir "$work/midwrite" --episodes 1 >/dev/null || fail "the checkpoint does not load after a kill inside its write"
done
"$dreamer" "${run[@]}" --logdir "$work/midwrite" --steps 600 2>/dev/null || fail "no resume after a kill inside the checkpoint write"
no_tmp "$work/midwrite"

# 8, 9. kill -9 at any time, then resume: metrics never step back, one events file, no episode twice;
# a torn last metrics line is dropped.
cp -r "$work/pristine" "$work/killed"
for delay in 1.5 0.7 2.2; do
  "$dreamer" "${run[@]}" --logdir "$work/killed" --steps 1000000 2>/dev/null &
  pid=$!
  sleep "$delay"
  kill -9 "$pid"; wait "$pid" 2>/dev/null || true
done
printf '{"step": 123456, "model_lo' >>"$work/killed/metrics.jsonl"
last=$(tail -c 200 "$work/killed/metrics.jsonl")
"$dreamer" "${run[@]}" --logdir "$work/killed" --steps "$(( $(steps_of "$work/killed" model_loss | tail -1) + 300 ))" 2>/dev/null
/usr/bin/python3 - "$work/killed" <<'PY' || fail "metrics or episodes after kill -9 and resume are not consistent"
import glob, json, sys
run = sys.argv[1]
records = [json.loads(line) for line in open(run + "/metrics.jsonl")]  # every line whole
steps = [r["step"] for r in records]
assert all(a <= b for a, b in zip(steps, steps[1:])), "metrics step back: " + str(steps)
assert len(glob.glob(run + "/events.out.tfevents.*")) == 1, glob.glob(run + "/events.out.tfevents.*")
returns = sum("train_return" in r for r in records)
files = len(glob.glob(run + "/train_episodes/*.npz"))
assert returns == files, f"{returns} training episodes logged, {files} on disk"
PY
grep -q 123456 "$work/killed/metrics.jsonl" && fail "the torn metrics line was kept"

# 10. Smaller: an empty --task, steps below the prefill, absurd sizes, a hand-edited config.yaml, signals.
expect_error 2 "task" -- "$dreamer" train --configs debug --task "" --logdir "$work/empty"
expect_error 2 "'steps' has value '40'" -- "$dreamer" "${run[@]}" --logdir "$work/short" --steps 40
expect_error 2 "'rssm.deter' has value '1000000000'" -- "$dreamer" "${run[@]}" --logdir "$work/huge" --rssm.deter 1e9
cp -r "$work/pristine" "$work/edited"
sed -i 's/{batch: 16,/{batch: many,/' "$work/edited/config.yaml"
expect_error 2 "$work/edited/config.yaml': config: key 'dataset.batch' has value 'many'" -- "$dreamer" "${run[@]}" --logdir "$work/edited" --steps 600
expect_error 2 "$work/edited/config.yaml': config: key 'dataset.batch' has value 'many'" -- "$dreamer" train --logdir "$work/edited"
expect_error 2 "$work/edited/config.yaml" -- "$dreamer" eval --logdir "$work/edited" --episodes 1
for sig in INT TERM; do
  cp -r "$work/pristine" "$work/sig$sig"
  "$dreamer" "${run[@]}" --logdir "$work/sig$sig" --steps 1000000 2>/dev/null &
  pid=$!
  sleep 2
  kill -s "$sig" "$pid"
  set +e; wait "$pid"; got=$?; set -e
  want=$([ "$sig" = INT ] && echo 130 || echo 143)
  [ "$got" = "$want" ] || fail "SIG$sig: exit $got, expected $want"
done

echo "faults: ok"
