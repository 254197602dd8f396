#!/usr/bin/env bash
# MuJoCo end to end: a short pixel-based continuous-control run on cartpole swingup from the CLI (the
# truncated-normal actor on a real task), resume, eval and play. Exits 77 (skipped) in builds without MuJoCo.
set -euo pipefail
dreamer="$1"
source "$(dirname "$0")/lib.sh"

run=(train --configs mujoco_vision debug --task mujoco_cartpole_swingup --logdir "$work/run" --threads 1
     --prefill 200 --log_every 500 --eval_every 1000 --eval_eps 1)
set +e; "$dreamer" "${run[@]}" --steps 1000 >"$work/out" 2>"$work/first.log"; status=$?; set -e
if grep -q "this build has no MuJoCo" "$work/first.log"; then echo "skipped: built without MuJoCo"; exit 77; fi
[ "$status" = 0 ] || fail "mujoco train exited $status: $(tail -5 "$work/first.log")"
grep -q '"model_loss"' "$work/run/metrics.jsonl" || fail "no model_loss logged"
/usr/bin/python3 - "$work/run/train_episodes" <<'PY' || fail "the episodes are not 64x64 RGB with one action in [-1, 1]"
import glob, sys
import numpy as np
files = sorted(glob.glob(sys.argv[1] + "/*.npz"))
assert files, "no episodes"
for f in files:
    ep = np.load(f)
    n = len(ep["reward"])
    assert ep["image"].shape == (n, 64, 64, 3) and ep["image"].dtype == np.uint8, ep["image"].shape
    assert ep["action"].shape == (n, 1) and np.abs(ep["action"]).max() <= 1.0
    assert (ep["reward"] >= 0).all() and (ep["reward"] <= 2.0).all()  # two control steps of rewards in [0, 1]
    assert not ep["is_terminal"].any()  # cuts only
PY
"$dreamer" "${run[@]}" --steps 1600 2>"$work/resume.log" >/dev/null || fail "resume failed: $(tail -5 "$work/resume.log")"
grep -q "prefill" "$work/resume.log" && fail "the resumed run prefilled again"
"$dreamer" eval --logdir "$work/run" --episodes 1 --json >"$work/eval.json"
grep -q '"policy":"agent"' "$work/eval.json" || fail "eval printed: $(cat "$work/eval.json")"
"$dreamer" play --logdir "$work/run" --out "$work/play.gif" --episodes 1 --json >/dev/null || fail "play failed"
[ -s "$work/play.gif" ] || fail "play wrote no GIF"
echo "mujoco: ok"
