#!/usr/bin/env bash
# tests/bench/load.sh - kaoping's memory with many open keep-alive connections and the speed of
# a large report upload, each next to a bare libmicrohttpd server measured in the same run
# (PRODUCT.md, "Scale and speed to design for": memory ≤ 8 MB + 40 KiB per open connection;
# upload ≥ 200 MB/s on loopback, streamed, memory not growing with the file's size).
#
# One run builds tests/bench/bare.c and tests/bench/conns.c, then repeats BENCH_ROUNDS times:
#   memory  start bare and `kaoping serve --demo` on a fresh data dir (the demo data is created
#           at start), both with the connection limits raised (--max-connections N+1000
#           --per-ip-limit 0 --timeout 300); after BENCH_SETTLE seconds read each one's VmRSS
#           (/proc/PID/status) idle, then let conns open BENCH_CONNS keep-alive HTTP/1.1
#           connections that each complete one GET (/healthz on kaoping, / on bare) and stay
#           open, and read VmRSS again: the growth per connection is the difference / N.
#   upload  start bare and kaoping again, kaoping on the data dir of the memory step (a
#           restart: nothing is created, so its idle VmRSS is that of a daemon started on
#           existing data); sign in as the demo admin, then upload BENCH_UPLOADS generated PDF
#           reports of BENCH_UPLOAD_MB MiB each (one line of text and an uncompressed image of
#           random pixels; every upload differs, so each is a new file in the store) with
#           `curl -F file=@…` to POST /api/v1/cycles/{cycle}/units/{unit}/report, the first
#           cycle that is in its draft, submission or review phase and its first unit; the same
#           bodies go to bare, which reads and throws them away (the limit of the transfer).
#           Speed and time are curl's %{speed_upload} and %{time_total}: the whole request,
#           including kaoping's SHA-256, write, fsync, pdftotext and database transaction.
#           RSS growth is VmRSS after the last upload minus VmRSS before the first (after
#           signing in); VmHWM's growth is shown too.
# Each figure reported is the median over the rounds (uploads: over all uploads), with the
# range; the targets are checked against the medians. Servers and client share the cores.
#
# usage: tests/bench/load.sh [BUILD_DIR]
#   BUILD_DIR             where bare and conns are compiled (default: build/bench in the
#                         repository)
# environment:
#   KAOPING_BIN           the daemon (default: build/kaoping in the repository)
#   BENCH_CONNS           open connections (default 5000; smoke 200)
#   BENCH_UPLOAD_MB       size of each uploaded report in MiB (default 40; smoke 4)
#   BENCH_UPLOADS         uploads per server per round (default 3; smoke 1)
#   BENCH_ROUNDS          rounds; medians are reported (default 3; smoke 1)
#   BENCH_SETTLE          seconds a server is left idle before its RSS is read (default 1;
#                         smoke 0.3)
#   BENCH_SERVER_THREADS  --threads for both servers (default: nproc)
#   BENCH_OUT             also write the results as Markdown to this file
#   BENCH_SMOKE=1         one round with 200 connections and one 4 MiB upload, for the test
#                         suite (a few seconds)
#   CC                    C compiler for bare.c and conns.c (default cc)
# The open-file limit is raised to BENCH_CONNS + 1024 (ulimit -n); the script stops if the hard
# limit does not allow it. Exits non-zero if anything fails to build or start, a connection is
# refused or closed early, or a request fails; a missed target is printed as MISSED and does
# not change the exit status.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/bench/common.sh
. "$here/common.sh"
root=$(cd "$here/../.." && pwd)
build_dir=${1:-$root/build/bench}
kaoping=${KAOPING_BIN:-$root/build/kaoping}
smoke=${BENCH_SMOKE:-0}
if [[ $smoke == 1 ]]; then
  nconns=${BENCH_CONNS:-200} upmb=${BENCH_UPLOAD_MB:-4} uploads=${BENCH_UPLOADS:-1}
  rounds=${BENCH_ROUNDS:-1} settle=${BENCH_SETTLE:-0.3}
else
  nconns=${BENCH_CONNS:-5000} upmb=${BENCH_UPLOAD_MB:-40} uploads=${BENCH_UPLOADS:-3}
  rounds=${BENCH_ROUNDS:-3} settle=${BENCH_SETTLE:-1}
fi
sthreads=${BENCH_SERVER_THREADS:-$(nproc)}


[[ $nconns =~ ^[0-9]+$ && $nconns -ge 1 && $nconns -le 60000 ]] ||
  die "BENCH_CONNS must be 1..60000, not '$nconns'"
[[ $upmb =~ ^[0-9]+$ && $upmb -ge 1 && $upmb -le 45 ]] ||
  die "BENCH_UPLOAD_MB must be 1..45 (kaoping takes 50 MB at most), not '$upmb'"
[[ $uploads =~ ^[0-9]+$ && $uploads -ge 1 ]] || die "bad BENCH_UPLOADS '$uploads'"
[[ $rounds =~ ^[0-9]+$ && $rounds -ge 1 ]] || die "bad BENCH_ROUNDS '$rounds'"
[[ $settle =~ ^[0-9]+(\.[0-9]+)?$ ]] || die "bad BENCH_SETTLE '$settle'"
[[ $sthreads =~ ^[0-9]+$ && $sthreads -ge 1 ]] || die "bad BENCH_SERVER_THREADS '$sthreads'"
for tool in curl pkg-config "${CC:-cc}"; do
  command -v "$tool" >/dev/null || die "$tool not found (Debian packages curl pkg-config gcc)"
done
[[ -x $kaoping ]] || die "no kaoping binary at $kaoping (build it, or set KAOPING_BIN)"
[[ -r /proc/self/status ]] || die "no /proc/PID/status here: memory cannot be read"
bench_build_type "$kaoping"

# Every connection is a file descriptor in conns and in the server.
want_fds=$((nconns + 1024))
if (($(ulimit -n) < want_fds)); then
  ulimit -n "$want_fds" 2>/dev/null ||
    die "cannot raise the open-file limit to $want_fds (ulimit -n; hard limit $(ulimit -Hn))"
fi

# ---- build bare and conns ----
mkdir -p "$build_dir"
# (bare under its own name: run.sh builds $build_dir/bare, maybe at the same time)
bare=$build_dir/load-bare conns=$build_dir/load-conns
build_bare "$bare"
"${CC:-cc}" -std=c11 -O2 -Wall -Wextra -Werror -o "$conns" "$here/conns.c"

bench_tmp kaoping-load


# forget PID: drops PID from the processes the clean-up stops.
forget() {
  local keep=() p
  for p in "${pids[@]}"; do [[ $p == "$1" ]] || keep+=("$p"); done
  pids=("${keep[@]}")
}

# stop_server PID: SIGTERM, then waits for it.
stop_server() {
  kill "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
  forget "$1"
}

# status_kb PID FIELD: the FIELD line (VmRSS, VmHWM, RssAnon) of /proc/PID/status, in KiB.
status_kb() {
  awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"
}

# hold_conns NAME PORT PATH SERVERPID: opens $nconns connections with conns, reads the
# server's VmRSS while they are all open (sets $held_kb), then closes them.
hold_conns() {
  local name=$1 cport=$2 path=$3 spid=$4 out=$tmp/conns.$1.out err=$tmp/conns.$1.err rc=0
  local deadline=$((SECONDS + 60))
  : >"$out"
  "$conns" "$cport" "$nconns" "$path" >"$out" 2>"$err" </dev/null &
  local cpid=$!
  pids+=("$cpid")
  until grep -q '^ready' "$out"; do
    if ! kill -0 "$cpid" 2>/dev/null; then
      cat "$err" >&2
      die "$name: conns failed before all $nconns connections were open"
    fi
    if ((SECONDS > deadline)); then
      kill -TERM "$cpid" 2>/dev/null || true
      wait "$cpid" 2>/dev/null || true
      cat "$err" >&2
      die "$name: $nconns connections were not ready within 60 s"
    fi
    sleep 0.05
  done
  sleep "$settle"
  held_kb=$(status_kb "$spid" VmRSS)
  kill -TERM "$cpid"
  wait "$cpid" || rc=$?
  forget "$cpid"
  if ((rc != 0)); then
    cat "$err" "$out" >&2
    die "$name: the server closed connections while they were held"
  fi
}

# make_pdf FILE BYTES: a valid one-page PDF of about BYTES bytes: one line of text (what
# pdftotext extracts) and one uncompressed RGB image of random pixels that makes up the size.
# Sets $img_off, the offset of the pixels, so that each upload can be made different.
make_pdf() {
  local f=$1 want=$2 w=4096 h text page image off=() o xref
  h=$((want / (w * 3)))
  ((h >= 1)) || h=1
  text="BT /F1 12 Tf 72 760 Td (Yunling County: 2025 report on the rule of law) Tj ET"
  text+=" q 451 0 0 300 72 400 cm /Im1 Do Q"
  page="<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 5 0 R"
  page+=" /Resources << /Font << /F1 4 0 R >> /XObject << /Im1 6 0 R >> >> >>"
  image="<< /Type /XObject /Subtype /Image /Width $w /Height $h /ColorSpace /DeviceRGB"
  image+=" /BitsPerComponent 8 /Length $((w * h * 3)) >>"
  printf '%%PDF-1.4\n%%\xe2\xe3\xcf\xd3\n' >"$f"
  add() {
    off+=("$(stat -c %s "$f")")
    printf '%s\n' "$@" >>"$f"
  }
  add "1 0 obj" "<< /Type /Catalog /Pages 2 0 R >>" "endobj"
  add "2 0 obj" "<< /Type /Pages /Kids [3 0 R] /Count 1 >>" "endobj"
  add "3 0 obj" "$page" "endobj"
  add "4 0 obj" "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>" "endobj"
  add "5 0 obj" "<< /Length ${#text} >>" "stream" "$text" "endstream" "endobj"
  add "6 0 obj" "$image" "stream"
  img_off=$(stat -c %s "$f")
  head -c $((w * h * 3)) /dev/urandom >>"$f"
  printf '\nendstream\nendobj\n' >>"$f"
  xref=$(stat -c %s "$f")
  {
    printf 'xref\n0 7\n0000000000 65535 f \n'
    for o in "${off[@]}"; do printf '%010d 00000 n \n' "$o"; done
    printf 'trailer\n<< /Size 7 /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n' "$xref"
  } >>"$f"
}

# mark_pdf FILE TEXT: overwrites the first pixels with TEXT, so the file's SHA-256 changes.
mark_pdf() {
  printf '%s' "$2" | dd of="$1" bs=1 seek="$img_off" conv=notrunc status=none
}

# upload NAME URL FILE [CURL ARGS...]: one upload; sets $up_speed (bytes/s) and $up_time (s).
upload() {
  local name=$1 url=$2 file=$3 res code
  shift 3
  res=$(curl -s -o "$tmp/upload.reply" -H 'Expect:' "$@" \
    -F "file=@$file;type=application/pdf;filename=report.pdf" \
    -w '%{http_code} %{speed_upload} %{time_total}' "$url") || true
  read -r code up_speed up_time <<<"$res"
  if [[ $code != 200 && $code != 201 ]]; then
    head -c 600 "$tmp/upload.reply" >&2
    echo >&2
    die "$name: upload answered HTTP '$code'"
  fi
}


load=$(cut -d' ' -f1-3 /proc/loadavg)
kerr=/dev/null
[[ $smoke == 1 ]] && kerr=$tmp/kaoping.err
pdf=$tmp/report.pdf
make_pdf "$pdf" $((upmb << 20))
pdf_bytes=$(stat -c %s "$pdf")
limits=(--max-connections $((nconns + 1000)) --per-ip-limit 0 --timeout 300)

declare -a k_seed=() k_conn=() k_per=() b_base=() b_conn=() b_per=() k_restart=() k_anon=()
declare -a b_anon=()
declare -a k_speed=() k_time=() b_speed=() b_time=() k_grow=() k_hwm=() b_grow=() b_hwm=()
seq_no=0
for ((r = 0; r < rounds; r++)); do
  # ---- memory: idle, then with $nconns connections ----
  data=$tmp/data$r
  start_server bare /dev/null "$bare" --listen 127.0.0.1:0 --threads "$sthreads" "${limits[@]}"
  bpid=$spid bport=$port
  start_server kaoping "$kerr" "$kaoping" serve --listen 127.0.0.1:0 --data-dir "$data" \
    --demo --pwhash min --threads "$sthreads" "${limits[@]}"
  kpid=$spid kport=$port
  sleep "$settle"
  b0=$(status_kb "$bpid" VmRSS) k0=$(status_kb "$kpid" VmRSS)
  hold_conns bare "$bport" / "$bpid"
  b1=$held_kb
  hold_conns kaoping "$kport" /healthz "$kpid"
  k1=$held_kb
  stop_server "$bpid"
  stop_server "$kpid"
  b_base+=("$b0") b_conn+=("$b1") b_per+=("$(div $((b1 - b0)) "$nconns" 1 2)")
  k_seed+=("$k0") k_conn+=("$k1") k_per+=("$(div $((k1 - k0)) "$nconns" 1 2)")

  # ---- upload ----
  start_server bare /dev/null "$bare" --listen 127.0.0.1:0 --threads "$sthreads"
  bpid=$spid bport=$port
  start_server kaoping "$kerr" "$kaoping" serve --listen 127.0.0.1:0 --data-dir "$data" \
    --demo --pwhash min --threads "$sthreads"
  kpid=$spid kport=$port
  sleep "$settle"
  k_restart+=("$(status_kb "$kpid" VmRSS)") k_anon+=("$(status_kb "$kpid" RssAnon)")
  b_anon+=("$(status_kb "$bpid" RssAnon)")
  kurl=http://127.0.0.1:$kport
  jar=$tmp/jar$r
  login=$(curl -s -c "$jar" -H 'Content-Type: application/json' \
    -d '{"login":"admin","password":"kaoping-demo"}' "$kurl/api/v1/session") || true
  csrf=$(sed -n 's/.*"csrf_token":"\([0-9a-f]*\)".*/\1/p' <<<"$login")
  [[ -n $csrf ]] || die "signing in as the demo admin failed: ${login:0:300}"
  # The first cycle open to the admin's uploads, and its first unit.
  cycles=$(curl -sf -b "$jar" "$kurl/api/v1/cycles") || die "GET /api/v1/cycles failed"
  # shellcheck disable=SC2001 # one object per line, then the first open one
  cycle=$(sed 's/{"id":/\n&/g' <<<"$cycles" |
    sed -n 's/^{"id":\([0-9]*\),.*"phase":"\(draft\|submission\|review\)".*/\1/p' | head -n 1)
  [[ -n $cycle ]] || die "no cycle in its draft, submission or review phase in the demo data"
  units=$(curl -sf -b "$jar" "$kurl/api/v1/cycles/$cycle/units") ||
    die "GET /api/v1/cycles/$cycle/units failed"
  unit=$(grep -o '"code":"[^"]*"' <<<"$units" | head -n 1 | sed 's/"code":"\(.*\)"/\1/')
  [[ -n $unit ]] || die "cycle $cycle has no units"
  up_url=$kurl/api/v1/cycles/$cycle/units/$unit/report

  k0=$(status_kb "$kpid" VmRSS) kh0=$(status_kb "$kpid" VmHWM)
  b0=$(status_kb "$bpid" VmRSS) bh0=$(status_kb "$bpid" VmHWM)
  for ((u = 0; u < uploads; u++)); do
    seq_no=$((seq_no + 1))
    mark_pdf "$pdf" "$(printf 'kaoping-load-%06d' "$seq_no")"
    upload kaoping "$up_url" "$pdf" -b "$jar" -H "X-CSRF-Token: $csrf"
    k_speed+=("$up_speed") k_time+=("$up_time")
    upload bare "http://127.0.0.1:$bport/" "$pdf"
    b_speed+=("$up_speed") b_time+=("$up_time")
  done
  sleep "$settle"
  k_grow+=($(($(status_kb "$kpid" VmRSS) - k0))) k_hwm+=($(($(status_kb "$kpid" VmHWM) - kh0)))
  b_grow+=($(($(status_kb "$bpid" VmRSS) - b0))) b_hwm+=($(($(status_kb "$bpid" VmHWM) - bh0)))
  stop_server "$bpid"
  stop_server "$kpid"
done

# ---- summarise ----
mib() { div "$1" 1024 1 1; }                 # KiB -> MiB, 1 decimal
mbs() { div "$1" 1000000 1 0; }              # bytes/s -> MB/s
budget_kb=$((8 * 1024 + 40 * nconns))        # 8 MiB + 40 KiB per connection
verdict() { awk -v a="$1" -v b="$2" 'BEGIN { print (a <= b ? "pass" : "MISSED") }'; }
verdict_ge() { awk -v a="$1" -v b="$2" 'BEGIN { print (a >= b ? "pass" : "MISSED") }'; }

m_seed=$(median "${k_seed[@]}") m_restart=$(median "${k_restart[@]}")
m_anon=$(median "${k_anon[@]}") mb_anon=$(median "${b_anon[@]}")
m_conn=$(median "${k_conn[@]}") m_per=$(median "${k_per[@]}")
mb_base=$(median "${b_base[@]}") mb_conn=$(median "${b_conn[@]}") mb_per=$(median "${b_per[@]}")
m_speed=$(median "${k_speed[@]}") m_time=$(median "${k_time[@]}")
mb_speed=$(median "${b_speed[@]}") mb_time=$(median "${b_time[@]}")
m_grow=$(median "${k_grow[@]}") m_hwm=$(median "${k_hwm[@]}")
mb_grow=$(median "${b_grow[@]}") mb_hwm=$(median "${b_hwm[@]}")

kr() { # "min-max" of KiB values, in MiB
  local lo hi
  IFS=- read -r lo hi <<<"$(range "$@")"
  echo "$(mib "$lo")-$(mib "$hi")"
}
sr() { # "min-max" of bytes/s values, in MB/s
  local lo hi
  IFS=- read -r lo hi <<<"$(range "$@")"
  echo "$(mbs "$lo")-$(mbs "$hi")"
}
tr3() { # "min-max" of seconds, 3 decimals
  local lo hi
  IFS=- read -r lo hi <<<"$(range "$@")"
  echo "$(div "$lo" 1 1 3)-$(div "$hi" 1 1 3)"
}
# figure|kaoping|range|target|result|bare
rows=(
  "idle RSS after start with --demo (MiB)|$(mib "$m_seed")|$(kr "${k_seed[@]}")|≤ 8.0|$(verdict \
    "$m_seed" 8192)|$(mib "$mb_base")"
  "idle RSS after a restart (MiB)|$(mib "$m_restart")|$(kr "${k_restart[@]}")|≤ 8.0|$(verdict \
    "$m_restart" 8192)|$(mib "$mb_base")"
  "of which anonymous (RssAnon, MiB)|$(mib "$m_anon")|$(kr "${k_anon[@]}")|-|-|$(mib \
    "$mb_anon")"
  "RSS with $nconns connections (MiB)|$(mib "$m_conn")|$(kr "${k_conn[@]}")|≤ $(mib \
    "$budget_kb")|$(verdict "$m_conn" "$budget_kb")|$(mib "$mb_conn")"
  "growth per connection (KiB)|$m_per|$(range "${k_per[@]}")|≤ 40|$(verdict "$m_per" \
    40)|$mb_per"
  "upload $upmb MiB (MB/s)|$(mbs "$m_speed")|$(sr "${k_speed[@]}")|≥ 200|$(verdict_ge \
    "$m_speed" 200000000)|$(mbs "$mb_speed")"
  "upload $upmb MiB, total time (s)|$(div "$m_time" 1 1 3)|$(tr3 "${k_time[@]}")|-|-|$(div \
    "$mb_time" 1 1 3)"
  "RSS growth over $uploads upload(s) (KiB)|$m_grow|$(range "${k_grow[@]}")|≤ 1024|$(verdict \
    "$m_grow" 1024)|$mb_grow"
  "VmHWM growth over $uploads upload(s) (KiB)|$m_hwm|$(range "${k_hwm[@]}")|-|-|$mb_hwm"
)

fmt='%-44s %10s %15s %10s %7s %9s\n'
# shellcheck disable=SC2059 # the format is the variable above
printf "\n$fmt" figure kaoping "range" target result bare
for row in "${rows[@]}"; do
  IFS='|' read -ra f <<<"$row"
  f[3]=${f[3]//≤/<=} f[3]=${f[3]//≥/>=}
  # shellcheck disable=SC2059
  printf "$fmt" "${f[@]}"
done
echo "median of $rounds round(s); $nconns connections; $uploads upload(s) of $pdf_bytes bytes" \
  "per round; servers --threads $sthreads; $(nproc) cores (load before: $load);" \
  "kaoping build type $kbuild"

if [[ -n ${BENCH_OUT:-} ]]; then
  cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
  {
    echo "## Memory and upload benchmark $(date '+%Y-%m-%d %H:%M %Z')"
    echo
    echo "- machine: $(nproc) cores, ${cpu:-unknown CPU}, Linux $(uname -r);" \
      "load average before the run $load"
    echo "- kaoping: $("$kaoping" --version 2>&1 | sed -n 1p), CMake build type $kbuild"
    echo "- command: \`${KAOPING_BIN:+KAOPING_BIN=$KAOPING_BIN }BENCH_ROUNDS=$rounds" \
      "BENCH_CONNS=$nconns BENCH_UPLOAD_MB=$upmb BENCH_UPLOADS=$uploads" \
      "BENCH_SERVER_THREADS=$sthreads tests/bench/load.sh\`"
    echo "- servers: \`bare --threads $sthreads\` and \`kaoping serve --demo --pwhash min" \
      "--threads $sthreads\`, for the memory step with \`${limits[*]}\`; client" \
      "\`conns PORT $nconns PATH\`; uploads \`curl -F file=@report.pdf\` of a $pdf_bytes-byte" \
      "PDF to \`POST /api/v1/cycles/$cycle/units/$unit/report\` as admin (bare: \`POST /\`)"
    echo
    echo "| figure | kaoping | range | target | result | bare |"
    echo "|---|---:|---:|---:|---|---:|"
    for row in "${rows[@]}"; do echo "| ${row//|/ | } |"; done
  } >"$BENCH_OUT"
  echo "wrote $BENCH_OUT"
fi
