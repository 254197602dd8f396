#!/usr/bin/env bash
# Atari end to end on Tetris (the ROM ALE ships): train, resume, eval, play and score with the paper's
# protocol at a tiny model size. Exits 77 (ctest: skipped) without ALE in the build or tetris.bin in ALE_ROM_DIR.
set -euo pipefail
dreamer="$1"
source "$(dirname "$0")/lib.sh"

if [ -z "${ALE_ROM_DIR:-}" ] || [ ! -f "$ALE_ROM_DIR/tetris.bin" ]; then
  echo "skipped: ALE_ROM_DIR does not name a folder with tetris.bin"; exit 77
fi
run=(train --configs atari debug --task atari_tetris --logdir "$work/runs/tetris" --threads 1
     --prefill 100 --log_every 400 --eval_every 1000 --eval_eps 2)
set +e; "$dreamer" "${run[@]}" --steps 1200 >"$work/out" 2>"$work/first.log"; status=$?; set -e
if grep -q "this build has no Atari" "$work/first.log"; then
  echo "skipped: this dreamer was built without ALE"; exit 77
fi
[ "$status" = 0 ] || fail "atari train exited $status: $(tail -5 "$work/first.log")"

# The run holds the protocol and 64x64 gray episodes with all 18 actions.
cfg="$work/runs/tetris/config.yaml"
for line in "action_repeat: 4" "sticky: 0.25" "time_limit: 100" "max_pool: true" "resize: area" "noops: 30"; do
  grep -Eq "(^|[{ ])$line([,}]|\$)" "$cfg" || fail "config.yaml lacks '$line'"
done
/usr/bin/python3 - "$work/runs/tetris/train_episodes" <<'PY' || fail "the episodes are not 64x64x1 with 18 actions"
import glob, sys
import numpy as np
files = sorted(glob.glob(sys.argv[1] + "/*.npz"))
assert files, "no episodes"
cuts = 0
for f in files:
    ep = np.load(f)
    n = len(ep["reward"])
    assert ep["image"].shape == (n, 64, 64, 1) and ep["image"].dtype == np.uint8, ep["image"].shape
    assert ep["action"].shape == (n, 18), ep["action"].shape
    assert ep["image"].max() > 0
    # debug's time limit of 100 agent steps is a cut: the last step is not terminal.
    if n == 101:
        assert ep["is_last"][-1] and not ep["is_terminal"][-1]
        cuts += 1
assert cuts > 0, "no episode reached the time limit"
PY
ls "$work/runs/tetris/videos"/openl_*.gif >/dev/null || fail "no open-loop prediction video"

# Resume: no second prefill, the counters go on.
"$dreamer" "${run[@]}" --steps 2000 2>"$work/resume.log" >/dev/null || fail "resume failed: $(tail -5 "$work/resume.log")"
grep -q "prefill" "$work/resume.log" && fail "the resumed run prefilled again"
last_step=$(grep -o '"step":[0-9]*' "$work/runs/tetris/metrics.jsonl" | tail -1 | cut -d: -f2) ||
  fail "no step in metrics.jsonl"
[ "$last_step" -ge 2000 ] || fail "resumed run ended at step $last_step"

# Eval and play from the checkpoint; play renders the console's 210x160 RGB screen.
"$dreamer" eval --logdir "$work/runs/tetris" --episodes 2 --json >"$work/eval.json"
grep -q '"policy":"agent"' "$work/eval.json" || fail "eval printed: $(cat "$work/eval.json")"
"$dreamer" play --logdir "$work/runs/tetris" --out "$work/play.gif" --episodes 1 --json >"$work/play.json"
/usr/bin/python3 - "$work/play.gif" <<'PY' || fail "play.gif is not a 160x210 GIF"
import struct, sys
head = open(sys.argv[1], "rb").read(10)
assert head[:6] in (b"GIF87a", b"GIF89a"), head
assert struct.unpack("<HH", head[6:10]) == (160, 210), struct.unpack("<HH", head[6:10])
PY

# score --runs: tetris has no baseline scores, so it is listed without being aggregated; a second run
# of the same files under another game's name is normalised with that game's baselines.
expect_error 2 "none of the games (tetris)" -- "$dreamer" score --runs "$work/runs"
cp -r "$work/runs/tetris" "$work/runs/as_pong"
sed -i 's/^task: atari_tetris$/task: atari_pong/' "$work/runs/as_pong/config.yaml"
"$dreamer" score --runs "$work/runs" --json >"$work/score.json"
/usr/bin/python3 - "$work/score.json" "$(dirname "$0")/../../data/atari_baselines.json" "$work/runs/tetris/metrics.jsonl" <<'PY' || fail "score: $(cat "$work/score.json")"
import json, sys
score = json.load(open(sys.argv[1]))
base = json.load(open(sys.argv[2]))["pong"]
last = [json.loads(l)["eval_return"] for l in open(sys.argv[3]) if "eval_return" in l][-1]
games = {g["game"]: g for g in score["games"]}
assert games["tetris"]["gamer"] is None and games["tetris"]["score"] == last
gamer = (last - base["random"]) / (base["human_gamer"] - base["random"])
assert abs(games["pong"]["gamer"] - gamer) < 1e-9 and score["aggregated_games"] == 1
assert abs(score["gamer_median"] - gamer) < 1e-9
PY

# A run repeats under a seed (with a fixed --threads): the same episodes and the same metrics.
for r in a b; do
  "$dreamer" train --configs atari debug --task atari_tetris --logdir "$work/seed_$r" --threads 1 --seed 3 \
    --prefill 100 --steps 800 --log_every 400 --eval_every 1e6 >/dev/null 2>&1 || fail "seed run $r failed"
done
(cd "$work/seed_a/train_episodes" && ls) >"$work/eps_a"
(cd "$work/seed_b/train_episodes" && ls) >"$work/eps_b"
cmp -s "$work/eps_a" "$work/eps_b" || fail "two runs of one seed wrote different episode files"
while read -r f; do
  cmp -s "$work/seed_a/train_episodes/$f" "$work/seed_b/train_episodes/$f" || fail "episode $f differs between two runs of one seed"
done <"$work/eps_a"
/usr/bin/python3 - "$work/seed_a/metrics.jsonl" "$work/seed_b/metrics.jsonl" <<'PY' || fail "two runs of one seed logged different metrics"
import json, sys
clock = {"time", "fps", "train_updates_per_s", "threads"}  # wall-clock readings
runs = [[{k: v for k, v in json.loads(l).items() if k not in clock} for l in open(f)] for f in sys.argv[1:]]
assert any("model_loss" in r for r in runs[0]), "no losses logged"
assert runs[0] == runs[1], [(a, b) for a, b in zip(*runs) if a != b][:2]
PY

# Bad Atari input is named.
expect_error 2 "pong.bin" -- "$dreamer" train --configs atari debug --task atari_pong --logdir "$work/x" --prefill 10
expect_error 2 "'atari.resize' has value 'nearest'" -- "$dreamer" train --configs atari debug --task atari_tetris --logdir "$work/x" --atari.resize nearest
echo "atari: ok"
