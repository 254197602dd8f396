#!/usr/bin/env bash
# CLI smoke test: help, errors that name the bad input (exit 2), a tiny training run, resume, eval.
set -euo pipefail
dreamer="$1"
source "$(dirname "$0")/lib.sh"

"$dreamer" --help >/dev/null
"$dreamer" train --help | grep -q -- "--configs" || fail "train --help lacks --configs"
expect_error 2 "unknown preset 'nosuch'" -- "$dreamer" train --configs nosuch --logdir "$work/x"
expect_error 2 "unknown key 'rssm.hiden'" -- "$dreamer" train --configs debug --rssm.hiden 3 --logdir "$work/x"
expect_error 2 "'rssm.deter' has value 'big'" -- "$dreamer" train --configs debug --rssm.deter big --logdir "$work/x"
expect_error 2 "minatar_brekout" -- "$dreamer" train --configs debug --task minatar_brekout --logdir "$work/x"
expect_error 2 "needs a value" -- "$dreamer" train --configs debug --logdir "$work/x" --rssm.deter
[ ! -e "$work/x/checkpoint.pt" ] || fail "a failed run left a checkpoint"

# A tiny run, then a resume that continues the counters instead of starting over.
run=(train --configs debug --task debug_catch --logdir "$work/run" --prefill 50 --log_every 100 --threads 1)
"$dreamer" "${run[@]}" --steps 200 2>"$work/first.log"
grep -q "prefill" "$work/first.log" || fail "the first run did not prefill"
for f in config.yaml metrics.jsonl checkpoint.pt; do [ -s "$work/run/$f" ] || fail "run wrote no $f"; done
ls "$work/run/train_episodes"/*.npz >/dev/null || fail "no episodes on disk"
grep -q '"model_loss"' "$work/run/metrics.jsonl" || fail "no model_loss logged"
ls "$work/run/videos"/openl_*.gif >/dev/null || fail "no open-loop prediction video"
# numpy reads the episodes: shapes and flags as written (Debian's python3 with python3-numpy).
/usr/bin/python3 - "$work/run/train_episodes" <<'PY' || fail "numpy could not read the episodes"
import glob, sys
import numpy as np
files = sorted(glob.glob(sys.argv[1] + "/*.npz"))
assert files, "no episodes"
ep = np.load(files[0])
n = len(ep["reward"])
assert ep["image"].shape == (n, 10, 10, 2) and ep["image"].dtype == np.uint8, ep["image"].shape
assert ep["action"].shape == (n, 3) and ep["action"].dtype == np.float32
assert ep["is_first"][0] and not ep["is_first"][1:].any() and ep["is_last"][-1]
assert (ep["action"][0] == 0).all() and (ep["action"][1:].sum(-1) == 1).all()
PY
cp "$work/run/config.yaml" "$work/config.before"
expect_error 2 "key 'seed' differs" -- "$dreamer" train --configs debug --task debug_catch --logdir "$work/run" --seed 9 --prefill 50 --steps 200
cmp -s "$work/run/config.yaml" "$work/config.before" || fail "a refused run changed config.yaml"

# Resuming with more steps continues from the checkpoint: no second prefill, counters go on.
episodes_before=$(ls "$work/run/train_episodes" | wc -l)
"$dreamer" "${run[@]}" --steps 300 2>"$work/resume.log"
grep -q "prefill" "$work/resume.log" && fail "the resumed run prefilled again"
last_step=$(grep -o '"step":[0-9]*' "$work/run/metrics.jsonl" | tail -1 | cut -d: -f2)
[ "$last_step" -ge 300 ] || fail "resumed run ended at step $last_step, expected 300"
[ "$(ls "$work/run/train_episodes" | wc -l)" -gt "$episodes_before" ] || fail "resume collected no new episodes"
grep -q "steps: 300" "$work/run/config.yaml" || fail "config.yaml does not record the new steps"

# The v3 preset over debug: trains, resumes (its return-normalisation state is in the checkpoint) and evaluates.
v3=(train --configs debug v3 --task debug_catch --logdir "$work/v3" --prefill 50 --log_every 100 --threads 1)
"$dreamer" "${v3[@]}" --steps 200 2>"$work/v3.log" || fail "the v3 run failed: $(tail -3 "$work/v3.log")"
"$dreamer" "${v3[@]}" --steps 300 2>>"$work/v3.log" || fail "the v3 run did not resume: $(tail -3 "$work/v3.log")"
grep -q '"return_scale"' "$work/v3/metrics.jsonl" || fail "the v3 run logged no return_scale"
"$dreamer" eval --logdir "$work/v3" --episodes 2 --json >/dev/null || fail "the v3 run does not evaluate"

# Every metrics line has its wall-clock time; the plot script draws the run as a PNG.
grep -v -q '"time":' "$work/run/metrics.jsonl" && fail "a metrics line lacks its time"
plot="$(dirname "$0")/../../scripts/plot_metrics.py"
"$plot" "$work/run" -o "$work/plot.png" --hline "random=-0.8" || fail "plot_metrics failed"
[ "$(head -c 8 "$work/plot.png" | od -An -tx1 | tr -d ' ')" = "89504e470d0a1a0a" ] || fail "plot.png is not a PNG"
set +e; "$plot" "$work/run" -o "$work/bad.png" --hline "random" 2>"$work/err"; got=$?; set -e
[ "$got" != 0 ] && grep -q "'random' is not LABEL=VALUE" "$work/err" || fail "a bad --hline was not named"
# compare_runs on a hand-made run: evals at marks, training return per 10-frame window and over the last 10.
mkdir -p "$work/made"
cat >"$work/made/metrics.jsonl" <<'JSONL'
{"step":4,"time":0,"train_return":1.0}
{"step":8,"time":1,"train_return":3.0}
{"step":10,"time":2,"eval_return":5.0}
{"step":15,"time":3,"train_return":6.0}
{"step":25,"time":4,"train_return":10.0}
{"step":26,"time":5,"eval_return":7.0}
JSONL
"$(dirname "$0")/../../scripts/compare_runs.py" m="$work/made" --frames 12,30 --window 10 --json >"$work/made.json" \
  || fail "compare_runs failed"
/usr/bin/python3 - "$work/made.json" <<'PY' || fail "compare_runs printed: $(cat "$work/made.json")"
import json, sys
row = json.load(open(sys.argv[1]))[0]
mean = lambda key: row[key]["mean"]
assert (mean("frames 12"), mean("frames 30")) == (5.0, 7.0)
assert (mean("train 0-10"), mean("train 10-20")) == (2.0, 6.0) and "train 20-30" not in row
assert mean("train last 10") == 10.0 and mean("end frames") == 26
PY

# The trained checkpoint evaluates with its greedy policy.
"$dreamer" eval --logdir "$work/run" --episodes 3 --json >"$work/agent.json"
grep -q '"policy":"agent"' "$work/agent.json" || fail "eval --logdir printed: $(cat "$work/agent.json")"
expect_error 2 "holds no run" -- "$dreamer" eval --logdir "$work/nothing" --episodes 3
# play renders the greedy policy's episodes into one GIF: a frame per step plus each reset.
"$dreamer" play --logdir "$work/run" --out "$work/play.gif" --episodes 2 --json >"$work/play.json"
/usr/bin/python3 - "$work/play.json" "$work/play.gif" <<'PY' || fail "play: $(cat "$work/play.json")"
import json, sys
r = json.loads(open(sys.argv[1]).read())
assert r["episodes"] == 2 and r["frames"] == round(2 * (r["mean_length"] + 1)), r
assert open(sys.argv[2], "rb").read(6) == b"GIF89a"
PY
expect_error 2 "directory of --out" -- "$dreamer" play --logdir "$work/run" --out "$work/no/such/dir/x.gif"
expect_error 2 "holds no run" -- "$dreamer" play --logdir "$work/nothing" --out "$work/x.gif"

# One --seed makes a whole run repeat with a fixed --threads (the default follows the load, and the
# thread count changes the order of floating-point sums): the same losses and returns; another seed differs.
losses() { grep -o '"model_loss":[-0-9.e]*\|"actor_loss":[-0-9.e]*\|"eval_return":[-0-9.e]*' "$1/metrics.jsonl"; }
tiny=(train --configs debug --task debug_catch --prefill 100 --log_every 200 --eval_eps 2 --steps 400 --threads 1)
"$dreamer" "${tiny[@]}" --logdir "$work/s1" --seed 3 2>/dev/null
"$dreamer" "${tiny[@]}" --logdir "$work/s2" --seed 3 2>/dev/null
"$dreamer" "${tiny[@]}" --logdir "$work/s3" --seed 4 2>/dev/null
[ -n "$(losses "$work/s1")" ] || fail "no losses logged"
[ "$(losses "$work/s1")" = "$(losses "$work/s2")" ] || fail "two runs with seed 3 differ"
[ "$(losses "$work/s1")" != "$(losses "$work/s3")" ] || fail "seeds 3 and 4 gave the same run"
ls "$work/s1"/events.out.tfevents.* >/dev/null || fail "no TensorBoard events file"
# bfloat16 trains from the CLI, which says it is experimental.
"$dreamer" "${tiny[@]}" --logdir "$work/p16" --precision 16 2>"$work/p16.err" || fail "precision 16 run failed: $(tail -n 3 "$work/p16.err")"
grep -q '"model_loss"' "$work/p16/metrics.jsonl" || fail "precision 16 run logged no losses"
grep -q "precision 16 (bfloat16) is experimental" "$work/p16.err" || fail "no note that precision 16 is experimental"

# eval with a random policy prints one JSON object.
"$dreamer" eval --task debug_catch --policy random --episodes 20 --json >"$work/eval.json"
grep -q '"mean_return"' "$work/eval.json" || fail "eval printed no mean_return: $(cat "$work/eval.json")"
expect_error 2 "episodes" -- "$dreamer" eval --task debug_catch --policy random --episodes 0
# The model benchmark: one JSON line with the fields docs/PERFORMANCE.md reads; a bad preset is named.
"$dreamer" bench --model --presets debug --repeats 1 --no-scaling --json >"$work/bench.json"
/usr/bin/python3 - "$work/bench.json" <<'PY' || fail "bench --model --json lacks fields"
import json, sys
r = json.loads(open(sys.argv[1]).read().splitlines()[0])
for k in ["preset", "ms_per_update", "baseline_ms_per_update", "gflops_per_update", "achieved_gflops",
          "peak_gflops", "threads", "act_ms_p50", "act_ms_p99", "phases_ms", "peak_rss_mb"]:
    assert k in r, k
assert r["preset"] == "debug" and r["ms_per_update"] > 0 and r["baseline_ms_per_update"] > 0
assert abs(r["gflops_per_update"] - 1.52) < 0.01, r["gflops_per_update"]  # counted from the debug shapes
assert set(r["phases_ms"]) == {"wm_forward", "wm_backward", "imagination", "ac_backward", "optimizer"}
PY
expect_error 2 "preset 'nosuch'" -- "$dreamer" bench --model --presets nosuch
# Atari aggregates of a published agent; runs without an Atari evaluation are named.
"$dreamer" score --published rainbow_sticky_2e8 --json | grep -q '"gamer_median":1.47' || fail "score --published"
expect_error 2 "no Atari run" -- "$dreamer" score --runs "$work"
expect_error 2 "exactly one of" -- "$dreamer" score

echo "cli smoke: ok"
