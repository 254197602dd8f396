#!/usr/bin/env bash
# Data-parallel CLI test on 127.0.0.1: two ranks train, checkpoint, resume and evaluate; a config that differs
# is refused naming its key; a rank killed or stopped ends the other with a clear message, the checkpoint intact.
set -euo pipefail
dreamer="$1"
source "$(dirname "$0")/lib.sh"

free_port() { /usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
base=(train --configs debug --task debug_catch --prefill 50 --log_every 100 --eval_eps 3 --threads 1)

# rank R PORT LOGFILE ARGS...: starts rank R of 2 in the background (torchrun's variables); its pid in $pid.
rank() {
  local r="$1" port="$2" log="$3"; shift 3
  WORLD_SIZE=2 RANK="$r" MASTER_ADDR=127.0.0.1 MASTER_PORT="$port" "$dreamer" "$@" 2>"$log" &
  pid=$!
}
# both PORT ARGS...: runs ranks 0 and 1 to the end; fails unless both exit 0.
both() {
  local port="$1"; shift
  rank 0 "$port" "$work/r0.log" "$@"; local p0=$pid
  rank 1 "$port" "$work/r1.log" "$@"; local p1=$pid
  wait "$p0" || fail "rank 0 failed: $(tail -3 "$work/r0.log")"
  wait "$p1" || fail "rank 1 failed: $(tail -3 "$work/r1.log")"
}

# Two ranks train: rank 0 writes the checkpoint, config and metrics; each rank its own episodes.
run=("${base[@]}" --logdir "$work/run" --dist.timeout 60)
both "$(free_port)" "${run[@]}" --steps 400
for f in config.yaml metrics.jsonl checkpoint.pt; do [ -s "$work/run/$f" ] || fail "rank 0 wrote no $f"; done
ls "$work/run/train_episodes"/*.npz >/dev/null || fail "rank 0 wrote no episodes"
ls "$work/run/rank1/train_episodes"/*.npz >/dev/null || fail "rank 1 wrote no episodes under rank1/"
[ ! -e "$work/run/rank1/metrics.jsonl" ] || fail "rank 1 wrote metrics"
grep -q "world_size: 2" "$work/run/config.yaml" || fail "config.yaml does not record the group's size"
grep -q '"eval_return"' "$work/run/metrics.jsonl" || fail "no evaluation was logged"
grep -q "rank 1 " "$work/r1.log" || fail "rank 1's progress lines do not name it"
# Frames count every rank's: the metrics reach the 400 frames of both ranks together.
last_step=$(grep -o '"step":[0-9]*' "$work/run/metrics.jsonl" | tail -1 | cut -d: -f2)
[ "$last_step" -ge 400 ] || fail "the run ended at step $last_step, expected 400"

# Resume: both ranks continue from rank 0's checkpoint and their own episodes, without a second prefill.
shard_before=$(ls "$work/run/rank1/train_episodes" | wc -l)
both "$(free_port)" "${run[@]}" --steps 600
grep -q "prefill" "$work/r0.log" && fail "the resumed run prefilled again"
last_step=$(grep -o '"step":[0-9]*' "$work/run/metrics.jsonl" | tail -1 | cut -d: -f2)
[ "$last_step" -ge 600 ] || fail "the resumed run ended at step $last_step, expected 600"
[ "$(ls "$work/run/rank1/train_episodes" | wc -l)" -gt "$shard_before" ] || fail "rank 1 collected nothing on resume"
"$dreamer" eval --logdir "$work/run" --episodes 2 --json >/dev/null || fail "the run does not evaluate"

# A resume with another group size is refused, naming the key.
expect_error 2 "dist.world_size" -- "$dreamer" "${run[@]}" --steps 700

# A rank whose config differs is refused at start-up on both ranks, naming the key; nothing is written.
port=$(free_port)
rank 0 "$port" "$work/r0.log" "${base[@]}" --logdir "$work/mismatch" --dist.timeout 60 --steps 200; p0=$pid
rank 1 "$port" "$work/r1.log" "${base[@]}" --logdir "$work/mismatch" --dist.timeout 60 --steps 200 --model_opt.lr 2e-3; p1=$pid
set +e; wait "$p0"; s0=$?; wait "$p1"; s1=$?; set -e
[ "$s0" = 2 ] && [ "$s1" = 2 ] || fail "a config mismatch exited $s0 and $s1, expected 2 and 2"
grep -q "model_opt.lr" "$work/r0.log" || fail "rank 0 did not name the key: $(cat "$work/r0.log")"
grep -q "model_opt.lr" "$work/r1.log" || fail "rank 1 did not name the key: $(cat "$work/r1.log")"
[ ! -e "$work/mismatch/checkpoint.pt" ] || fail "a refused run wrote a checkpoint"

# Killing a rank ends the other with the clear message, within the timeout; the checkpoint stays loadable.
# (kill_rank SIGNAL: the signal sent to rank 1 once both train: KILL, or STOP for a hang.)
kill_rank() {
  local signal="$1" port; port=$(free_port)
  rm -rf "$work/crash"
  rank 0 "$port" "$work/r0.log" "${base[@]}" --logdir "$work/crash" --dist.timeout 10 --steps 1e6; local p0=$pid
  rank 1 "$port" "$work/r1.log" "${base[@]}" --logdir "$work/crash" --dist.timeout 10 --steps 1e6; local p1=$pid
  for _ in $(seq 600); do grep -q '"model_loss"' "$work/crash/metrics.jsonl" 2>/dev/null && break; sleep 0.2; done
  grep -q '"model_loss"' "$work/crash/metrics.jsonl" || fail "the group never trained: $(tail -3 "$work/r0.log")"
  kill "-$signal" "$p1"
  local start=$SECONDS
  set +e; wait "$p0"; local s0=$?; set -e
  local took=$((SECONDS - start))
  kill -KILL "$p1" 2>/dev/null || true; wait "$p1" 2>/dev/null || true
  [ "$s0" = 4 ] || fail "after SIG$signal to rank 1, rank 0 exited $s0, expected 4: $(tail -3 "$work/r0.log")"
  grep -q "another rank has died, stopped, or not answered" "$work/r0.log" || fail "rank 0's message: $(tail -2 "$work/r0.log")"
  grep -q "the checkpoint of step" "$work/r0.log" || fail "rank 0 does not say which checkpoint is kept"
  [ "$took" -le 40 ] || fail "rank 0 took $took s to stop after SIG$signal to rank 1 (timeout 10 s)"
  "$dreamer" eval --logdir "$work/crash" --episodes 1 --json >/dev/null || fail "the checkpoint is not loadable"
}
kill_rank KILL
kill_rank STOP
echo "dist: ok"
