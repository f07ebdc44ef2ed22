# shellcheck shell=bash
# tests/bench/common.sh - what the benchmark scripts (run.sh, load.sh, scale.sh) share: errors,
# the temporary dir and the servers started into it (stopped and removed on exit), starting a
# server and reading its port, the daemon's build type, building bare.c, and the arithmetic of
# the figures. Sourced, never run; the sourcing script sets `set -euo pipefail` first.
#
# Reads: $smoke (1 in smoke mode). Sets, when called: $tmp
# and $pids (bench_tmp), $port and $spid (start_server), $kbuild (bench_build_type).

bench_name=$(basename "$0")
bench_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# die MESSAGE...: prints "NAME: MESSAGE" on standard error and exits 1.
die() {
  echo "$bench_name: $*" >&2
  exit 1
}

# bench_tmp PREFIX: makes $tmp (a new dir under $TMPDIR) and an empty $pids; on exit, every
# process in $pids is stopped and $tmp removed.
bench_tmp() {
  tmp=$(mktemp -d "${TMPDIR:-/tmp}/$1.XXXXXX")
  pids=()
  trap bench_cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
}

bench_cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$tmp"
}

# start_server NAME ERRFILE CMD...: runs CMD in the background (standard output in
# $tmp/NAME.out, errors in ERRFILE), adds it to $pids, waits up to $server_wait seconds
# (default 10) for its "listening on http://127.0.0.1:PORT" line and sets $port and $spid.
start_server() {
  local name=$1 err=$2 out=$tmp/$1.out i
  shift 2
  : >"$out" # exists before the loop below reads it, however slowly the server starts
  "$@" >"$out" 2>"$err" &
  spid=$!
  pids+=("$spid")
  for ((i = 0; i < ${server_wait:-10} * 20; i++)); do
    port=$(sed -n 's|^listening on http://127\.0\.0\.1:\([0-9][0-9]*\)$|\1|p' "$out")
    [[ -n $port ]] && return 0
    if ! kill -0 "$spid" 2>/dev/null; then
      [[ -f $err ]] && tail -n 20 "$err" >&2
      die "$name exited before listening"
    fi
    sleep 0.05
  done
  die "$name did not print 'listening on' within ${server_wait:-10} s"
}

# bench_build_type KAOPING: sets $kbuild to the CMake build type in the cache next to the
# binary ("unknown" without one), and warns about a Debug build outside smoke mode: the build
# type matters more than anything measured.
bench_build_type() {
  kbuild=$(sed -n 's/^CMAKE_BUILD_TYPE:STRING=//p' "$(dirname "$1")/CMakeCache.txt" \
    2>/dev/null || true)
  kbuild=${kbuild:-unknown}
  if [[ $kbuild == Debug && ${smoke:-0} != 1 ]]; then
    echo "$bench_name: warning: $1 is a Debug build (no optimisation); for figures worth" \
      "keeping use a RelWithDebInfo build" >&2
  fi
}

# build_bare OUT: compiles bare.c (the bare libmicrohttpd reply) into OUT.
build_bare() {
  # shellcheck disable=SC2046 # pkg-config prints several words on purpose
  "${CC:-cc}" -std=c11 -O2 -Wall -Wextra -Werror -o "$1" "$bench_dir/bare.c" \
    $(pkg-config --cflags --libs libmicrohttpd)
}

# div A B SCALE DIGITS: A * SCALE / B with DIGITS decimals, or 0 if B is 0.
div() {
  awk -v a="$1" -v b="$2" -v s="$3" -v p="$4" \
    'BEGIN { fmt = "%." p "f"; printf fmt, (b > 0 ? a * s / b : 0) }'
}
# median V...: the middle value (the lower middle one for an even count).
median() {
  printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}
# minimum V...: the smallest value.
# bench_exit FAILED SMOKE: when FAILED is 1, exits 1, first showing the last lines of the
# daemon's log other than access lines ($tmp/kaoping.err, kept in smoke mode); else returns.
bench_exit() {
  (($1)) || return 0
  if [[ $2 == 1 && -f $tmp/kaoping.err ]]; then
    grep -v ' access ' "$tmp/kaoping.err" | tail -n 20 >&2 || true
  fi
  exit 1
}

minimum() { printf '%s\n' "$@" | sort -g | head -n 1; }
# range V...: "min-max".
range() {
  printf '%s\n' "$@" | sort -g | awk 'NR == 1 { lo = $1 } { hi = $1 } END { print lo "-" hi }'
}
