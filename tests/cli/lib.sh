# Helpers the CLI test scripts share: a scratch directory, fail, expect_error.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# expect_error STATUS NEEDLE -- command...: the command exits with STATUS and stderr names NEEDLE.
expect_error() {
  local status="$1" needle="$2"; shift 3
  set +e; "$@" >"$work/out" 2>"$work/err"; local got=$?; set -e
  [ "$got" = "$status" ] || fail "'$*' exited $got, expected $status: $(cat "$work/err")"
  grep -q -- "$needle" "$work/err" || fail "'$*' did not mention '$needle': $(cat "$work/err")"
}
