#!/usr/bin/env bash
# Learning test: the debug preset solves debug_catch from scratch. A random policy returns -0.80
# (catch +1, miss -1); the greedy policy of the trained checkpoint must average >= 0.5 over 100
# episodes. 25k frames, 5k updates: about 6 minutes on one core (docs/RESULTS.md has the curve).
set -euo pipefail
dreamer="$1"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$dreamer" train --configs debug --task debug_catch --logdir "$work/run" --seed 1 --threads 1 2>"$work/train.log" ||
  { tail -20 "$work/train.log" >&2; exit 1; }
summary=$("$dreamer" eval --logdir "$work/run" --episodes 100 --seed 7 --json)
echo "$summary"
/usr/bin/python3 - "$summary" <<'PY'
import json, sys
s = json.loads(sys.argv[1])
assert s["mean_return"] >= 0.5, f"debug_catch not solved: mean return {s['mean_return']:.3f} < 0.5"
PY
