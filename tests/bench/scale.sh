#!/usr/bin/env bash
# tests/bench/scale.sh - kaoping at national scale (PRODUCT.md, "Scale and speed to design
# for"): a reviewer's score sheet, saving a score, search, results and the exports, on a data
# set made by `kaoping demo --scale N`, next to a bare libmicrohttpd reply measured in the
# same run on the same machine.
#
# One run builds tests/bench/bare.c, starts bare and `kaoping serve --data-dir DIR --pwhash min
# --log-level warn` (same --threads, log to /dev/null), all on 127.0.0.1, signs in as rv00001,
# bench and admin (password kaoping-demo), and repeats BENCH_ROUNDS times, in this order:
#   bare     wrk with tests/bench/scale.lua over the sheet paths below, against bare (any GET
#            gets {"status":"ok"}): this machine's limit for an HTTP reply, same wrk script
#   sheet    GET /api/v1/cycles/2/units/{unit}/scores as rv00001, rotating over every unit of
#            cycle 2 that GET /api/v1/reviews lists for rv00001; target ≥ 30% of bare's req/s
#   save     PUT /api/v1/cycles/2/units/{unit}/scores as bench, {"version": v, "items":
#            {"1.1": {"points": p}}} (leaf 1.1: max 4, step 0.5), rotating over bench's sheets
#            of cycle 2 (scale.lua: no two requests in flight on one sheet, versions computed
#            from the ones GET /api/v1/reviews reports before each run); targets ≥ 10,000/s
#            and p99 ≤ 20 ms at BENCH_CONNECTIONS (64), no reply of 400 or more (a 409 would mean
#            a wrong version)
#   search   GET /api/v1/search?q=<word> as admin, rotating over the two-character words in
#            SEARCH_WORDS below (common ones that are in nearly every report, rarer ones, and
#            absent ones), with BENCH_SEARCH_CONNECTIONS; target p95 ≤ 50 ms
#   results  GET /api/v1/cycles/2/results?part=units&limit=50 as admin (what the results page
#            asks for: the summary and the first 50 units), 5 requests one after another with
#            curl; target ≤ 200 ms (median over all rounds without the very first request, which
#            computes the results: reported on its own row), then the whole reply once
#   csv      GET /api/v1/cycles/2/export.csv${BENCH_CSV_QUERY} as admin with curl: time, size,
#            lines; target ≤ 10 s
#   json     GET /api/v1/cycles/2/export.json (every score row of the submitted sheets, one per
#            line): time, size, lines; no target of its own; only with BENCH_EXPORT_JSON=1
#   xlsx     GET /api/v1/cycles/2/export.xlsx as admin with curl: time, size, and the daemon's
#            VmRSS before and at its peak during the request (sampled from /proc/PID/status
#            every 50 ms, and VmHWM after resetting it through /proc/PID/clear_refs when the
#            kernel allows); target peak ≤ 64 MB
# Each figure is the median over the rounds (results: over all its requests); "bare" is the
# bare row of the same round, "ratio" the median of each round's ratio. wrk, both servers and
# curl share the machine's cores; the load average before each round is printed.
#
# usage: tests/bench/scale.sh
# environment:
#   KAOPING_BIN               the daemon (default: build/kaoping in the repository)
#   BENCH_DATA_DIR            an existing data dir made by `kaoping demo --scale N` (the save
#                             benchmark changes bench's sheets in it); without it one is made
#                             in a temporary dir with --scale BENCH_SCALE
#   BENCH_SCALE               units for the generated data dir (default 2000; smoke 300)
#   BENCH_DURATION            wrk -d for each run (default 10s; smoke 1s)
#   BENCH_CONNECTIONS         wrk -c for bare, sheet and save (default 64; smoke 4), at most 256
#   BENCH_SEARCH_CONNECTIONS  wrk -c for search (default 8; smoke 4)
#   BENCH_THREADS             wrk -t (default 2; smoke 1)
#   BENCH_ROUNDS              rounds, medians reported (default 3; smoke 1)
#   BENCH_SERVER_THREADS      --threads for both servers (default: nproc)
#   BENCH_CSV_QUERY           appended to the CSV export's URL (default "?sheet=detail": one
#                             line per score row; "" measures the per-unit summary)
#   BENCH_EXPORTS             0 to skip results and the exports (default 1)
#   BENCH_EXPORT_JSON         1 to measure export.json too (default 0: it is slow at scale)
#   BENCH_MAX_TIME            curl --max-time for results and exports, in s (default 900)
#   BENCH_OUT                 also write the results as Markdown to this file
#   BENCH_SMOKE=1             a generated --scale 300 data dir, one round of 1-second runs with
#                             4 connections, for the test suite (well under 25 s)
#   CC                        C compiler for bare.c (default cc)
# Exits non-zero if anything fails to build or start, or any request fails: a wrk run with zero
# requests, a reply of 400 or more, or a socket error (timeouts included), or a curl request
# without a 200. A missed target is printed as MISSED and does not change the exit status.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/bench/common.sh
. "$here/common.sh"
root=$(cd "$here/../.." && pwd)
kaoping=${KAOPING_BIN:-$root/build/kaoping}
smoke=${BENCH_SMOKE:-0}
if [[ $smoke == 1 ]]; then
  dur=${BENCH_DURATION:-1s} conns=${BENCH_CONNECTIONS:-4} sconns=${BENCH_SEARCH_CONNECTIONS:-4}
  wthreads=${BENCH_THREADS:-1} rounds=${BENCH_ROUNDS:-1} scale=${BENCH_SCALE:-300}
else
  dur=${BENCH_DURATION:-10s} conns=${BENCH_CONNECTIONS:-64} sconns=${BENCH_SEARCH_CONNECTIONS:-8}
  wthreads=${BENCH_THREADS:-2} rounds=${BENCH_ROUNDS:-3} scale=${BENCH_SCALE:-2000}
fi
sthreads=${BENCH_SERVER_THREADS:-$(nproc)}
csv_query=${BENCH_CSV_QUERY-?sheet=detail}
export_json=${BENCH_EXPORT_JSON:-0}
max_time=${BENCH_MAX_TIME:-900}
exports=${BENCH_EXPORTS:-1}
password='kaoping-demo'


[[ $conns =~ ^[0-9]+$ && $conns -ge 1 && $conns -le 256 ]] ||
  die "BENCH_CONNECTIONS must be 1..256 (the servers allow 256 per address), not '$conns'"
[[ $sconns =~ ^[0-9]+$ && $sconns -ge 1 && $sconns -le 256 ]] ||
  die "BENCH_SEARCH_CONNECTIONS must be 1..256, not '$sconns'"
[[ $wthreads =~ ^[0-9]+$ && $wthreads -ge 1 && $wthreads -le $conns && $wthreads -le $sconns ]] ||
  die "BENCH_THREADS must be 1..BENCH_CONNECTIONS and at most BENCH_SEARCH_CONNECTIONS"
[[ $sthreads =~ ^[0-9]+$ && $sthreads -ge 1 ]] || die "bad BENCH_SERVER_THREADS '$sthreads'"
[[ $dur =~ ^[0-9]+[smh]?$ ]] || die "bad BENCH_DURATION '$dur' (e.g. 10s)"
[[ $rounds =~ ^[0-9]+$ && $rounds -ge 1 ]] || die "bad BENCH_ROUNDS '$rounds'"
[[ $scale =~ ^[0-9]+$ && $scale -ge 10 ]] || die "bad BENCH_SCALE '$scale' (at least 10)"
[[ $export_json == 0 || $export_json == 1 ]] || die "BENCH_EXPORT_JSON must be 0 or 1"
[[ $exports == 0 || $exports == 1 ]] || die "BENCH_EXPORTS must be 0 or 1"
[[ $max_time =~ ^[0-9]+$ && $max_time -ge 1 ]] || die "bad BENCH_MAX_TIME '$max_time'"
for tool in wrk curl pkg-config "${CC:-cc}"; do
  command -v "$tool" >/dev/null || die "$tool not found (Debian packages wrk curl pkg-config gcc)"
done
[[ -x $kaoping ]] || die "no kaoping binary at $kaoping (build it, or set KAOPING_BIN)"
if [[ -n ${BENCH_DATA_DIR:-} ]]; then
  [[ -f $BENCH_DATA_DIR/kaoping.db ]] || die "BENCH_DATA_DIR: no kaoping.db in $BENCH_DATA_DIR"
fi
bench_build_type "$kaoping"

bench_tmp kaoping-scale

# ---- build bare (into the temporary dir: run.sh may be compiling its own at the same time) ----
bare=$tmp/bare
build_bare "$bare"

# ---- data ----
if [[ -n ${BENCH_DATA_DIR:-} ]]; then
  data=$BENCH_DATA_DIR
  gen_note="existing data dir $data"
else
  data=$tmp/data
  t0=$(date +%s.%N)
  "$kaoping" demo --scale "$scale" --data-dir "$data" --pwhash min >"$tmp/demo.out" \
    2>"$tmp/demo.err" || {
    tail -n 20 "$tmp/demo.err" >&2
    die "kaoping demo --scale $scale failed"
  }
  gen_note="generated: kaoping demo --scale $scale ($(awk -v a="$t0" -v b="$(date +%s.%N)" \
    'BEGIN { printf "%.1f", b - a }') s)"
fi

# ---- servers ----
server_wait=60 # a national data dir may take a while to open
kerr=/dev/null
[[ $smoke == 1 ]] && kerr=$tmp/kaoping.err
start_server bare /dev/null "$bare" --listen 127.0.0.1:0 --threads "$sthreads"
bare_url=http://127.0.0.1:$port
start_server kaoping "$kerr" "$kaoping" serve --listen 127.0.0.1:0 --data-dir "$data" \
  --pwhash min --threads "$sthreads" --log-level warn
kp_url=http://127.0.0.1:$port
kp_pid=$spid

# login LOGIN: signs in, leaves the cookie jar in $tmp/LOGIN.jar and sets $cookie and $csrf.
login() {
  local body
  body=$(curl -sf -c "$tmp/$1.jar" -H 'Content-Type: application/json' \
    -d "{\"login\":\"$1\",\"password\":\"$password\"}" "$kp_url/api/v1/session") ||
    die "cannot sign in as $1 (is this a data dir of kaoping demo --scale?)"
  csrf=$(sed -n 's/.*"csrf_token":"\([0-9a-f]*\)".*/\1/p' <<<"$body")
  cookie=$(awk '$6 == "kp_session" { print "kp_session=" $7 }' "$tmp/$1.jar")
  [[ -n $csrf && -n $cookie ]] || die "no session cookie or CSRF token for $1"
}

# reviews LOGIN: "UNIT VERSION" for each of LOGIN's sheets in cycle 2 (GET /api/v1/reviews;
# jansson keeps the members in order and the rows have no nested objects).
reviews() {
  curl -sf -b "$tmp/$1.jar" "$kp_url/api/v1/reviews" | grep -o '{"assignment":[^{}]*}' |
    sed -n 's/.*"cycle":2,.*"unit":"\([^"]*\)".*"version":\([0-9]*\),.*/\1 \2/p'
}

login rv00001
rv_cookie=$cookie
login admin
admin_cookie=$cookie
login bench
bench_cookie=$cookie bench_csrf=$csrf

sheet_paths=$(reviews rv00001 | awk '{ printf "%s/api/v1/cycles/2/units/%s/scores", (NR > 1 ? " " : ""), $1 }')
[[ -n $sheet_paths ]] || die "rv00001 has no sheet in cycle 2"
nsheets=$(wc -w <<<"$sheet_paths")
nbench=$(reviews bench | wc -l)
((nbench > 0)) || die "bench has no sheet in cycle 2"
# Each wrk thread needs more sheets than it has connections (scale.lua).
((nbench / wthreads > conns / wthreads)) ||
  die "bench has $nbench sheets: too few for $conns connections (at least $((conns + wthreads)))"

# Two-character search words: in nearly every report (法治 … 审查), in a few per cent of them
# (民政 … 五峰), and in none (听证 … 仲裁). Percent-encoded UTF-8.
SEARCH_WORDS=(法治 复议 执法 调解 普法 政务 公开 许可 信用 监管 审查 临江 民政 保障 审计 水利
  五峰 听证 备案 仲裁)
urlenc() {
  local LC_ALL=C s=$1 i c out=
  for ((i = 0; i < ${#s}; i++)); do
    c=${s:i:1}
    case $c in
    [a-zA-Z0-9.~_-]) out+=$c ;;
    *) out+=$(printf '%%%02X' "'$c") ;;
    esac
  done
  printf '%s' "$out"
}
search_paths=
for w in "${SEARCH_WORDS[@]}"; do
  search_paths+="${search_paths:+ }/api/v1/search?q=$(urlenc "$w")"
done

# One request each before measuring: every URL must answer 200.
check() { # NAME JAR URL
  local got
  got=$(curl -s -o /dev/null -w '%{http_code}' -b "$2" "$3") || true
  [[ $got == 200 ]] || die "$1: expected HTTP 200 from $3, got '$got'"
}
check sheet "$tmp/rv00001.jar" "$kp_url${sheet_paths%% *}"
check search "$tmp/admin.jar" "$kp_url${search_paths%% *}"
check bare /dev/null "$bare_url/"

# ---- helpers ----

declare -A res=() # "NAME,ROUND,FIELD" -> value
failed=0
fail() {
  echo "scale.sh: $*" >&2
  failed=1
}

# wrk_run NAME ROUND URL CONNS [VAR=VALUE...]: runs wrk with scale.lua and the given environment,
# stores rps, p50, p95, p99 (ms), per (bytes per reply) and errs under res[NAME,ROUND,*].
wrk_run() {
  local name=$1 k=$2 url=$3 c=$4 raw=$tmp/wrk.$1.$2.txt line kv
  shift 4
  env BENCH_THREADS="$wthreads" "$@" wrk -t"$wthreads" -c"$c" -d"$dur" --timeout 10s \
    -s "$here/scale.lua" "$url" >"$raw" 2>&1 || true
  declare -A r=()
  line=$(grep '^BENCH ' "$raw" || true)
  read -ra kvs <<<"$line"
  for kv in "${kvs[@]:1}"; do r[${kv%%=*}]=${kv#*=}; done
  if [[ -z ${r[requests]:-} ]]; then
    cat "$raw" >&2
    die "$name: no result from wrk"
  fi
  res[$name,$k,rps]=$(div "${r[requests]}" "${r[duration_us]}" 1e6 0)
  res[$name,$k,p50]=$(div "${r[p50_us]}" 1000 1 2)
  res[$name,$k,p95]=$(div "${r[p95_us]}" 1000 1 2)
  res[$name,$k,p99]=$(div "${r[p99_us]}" 1000 1 2)
  res[$name,$k,per]=$(div "${r[bytes]}" "${r[requests]}" 1 0)
  res[$name,$k,errs]=$((r[status_errors] + r[socket_errors]))
  if ((r[requests] == 0 || r[status_errors] > 0 || r[socket_errors] > 0)); then
    fail "$name: ${r[requests]} requests, ${r[status_errors]} replies of 400 or more," \
      "${r[socket_errors]} socket errors (round $((k + 1)))"
  fi
}

# fetch NAME URL OUT: GET as admin with curl (at most BENCH_MAX_TIME s); sets $ftime (s) and
# $fsize (bytes).
fetch() {
  local w code
  w=$(curl -s -b "$tmp/admin.jar" -o "$3" --max-time "$max_time" \
    -w '%{http_code} %{time_total} %{size_download}' "$2") || true
  read -r code ftime fsize <<<"$w"
  if [[ $code != 200 ]]; then
    fail "$1: HTTP '$code' from $2"
    ftime=0 fsize=0
  fi
}

vmrss() { awk '/^VmRSS:/ { print $2 }' "/proc/$kp_pid/status" 2>/dev/null || echo 0; }
vmhwm() { awk '/^VmHWM:/ { print $2 }' "/proc/$kp_pid/status" 2>/dev/null || echo 0; }

# ---- measure ----
loads=()
results_times=()
results_size=0
results_cold=0
full_times=()
full_size=0
for ((k = 0; k < rounds; k++)); do
  loads+=("$(cut -d' ' -f1 /proc/loadavg)")
  wrk_run bare "$k" "$bare_url/" "$conns" BENCH_PATHS="$sheet_paths"
  wrk_run sheet "$k" "$kp_url/" "$conns" BENCH_COOKIE="$rv_cookie" BENCH_PATHS="$sheet_paths"
  reviews bench | awk '{ print "/api/v1/cycles/2/units/" $1 "/scores", $2 }' >"$tmp/put.txt"
  wrk_run save "$k" "$kp_url/" "$conns" BENCH_COOKIE="$bench_cookie" BENCH_CSRF="$bench_csrf" \
    BENCH_PUT_FILE="$tmp/put.txt" BENCH_PUT_ITEM=1.1 BENCH_PUT_MAX=4 BENCH_PUT_STEP=0.5
  wrk_run search "$k" "$kp_url/" "$sconns" BENCH_COOKIE="$admin_cookie" \
    BENCH_PATHS="$search_paths"
  ((exports)) || continue
  for ((i = 0; i < 5; i++)); do
    fetch results "$kp_url/api/v1/cycles/2/results?part=units&limit=50" /dev/null
    if ((k == 0 && i == 0)); then
      results_cold=$ftime
    else
      results_times+=("$ftime")
    fi
    results_size=$fsize
  done
  fetch results "$kp_url/api/v1/cycles/2/results" /dev/null
  full_times+=("$ftime")
  full_size=$fsize
  fetch csv "$kp_url/api/v1/cycles/2/export.csv$csv_query" "$tmp/export.csv"
  res[csv,$k,time]=$(div "$ftime" 1 1 2) res[csv,$k,size]=$fsize
  res[csv,$k,lines]=$(wc -l <"$tmp/export.csv" 2>/dev/null || echo 0)
  rm -f "$tmp/export.csv"
  if [[ $export_json == 1 ]]; then
    fetch json "$kp_url/api/v1/cycles/2/export.json" "$tmp/export.json"
    res[json,$k,time]=$(div "$ftime" 1 1 2) res[json,$k,size]=$fsize
    res[json,$k,lines]=$(wc -l <"$tmp/export.json" 2>/dev/null || echo 0)
    rm -f "$tmp/export.json"
  fi
  # XLSX: VmRSS sampled every 50 ms while curl runs; VmHWM reset first where allowed.
  before=$(vmrss)
  hwm_ok=0
  echo 5 2>/dev/null >"/proc/$kp_pid/clear_refs" && hwm_ok=1
  (fetch xlsx "$kp_url/api/v1/cycles/2/export.xlsx" /dev/null
    echo "$ftime $fsize" >"$tmp/xlsx.txt") &
  cpid=$!
  peak=$before
  while kill -0 "$cpid" 2>/dev/null; do
    v=$(vmrss)
    ((v > peak)) && peak=$v
    sleep 0.05
  done
  wait "$cpid" || true
  if ((hwm_ok)); then
    v=$(vmhwm)
    ((v > peak)) && peak=$v
  fi
  read -r xt xs <"$tmp/xlsx.txt" || true
  [[ ${xt:-0} != 0 ]] || fail "xlsx: the export failed (round $((k + 1)))"
  res[xlsx,$k,time]=$(div "${xt:-0}" 1 1 2) res[xlsx,$k,size]=${xs:-0}
  res[xlsx,$k,before]=$(div "$before" 1024 1 1) res[xlsx,$k,peak]=$(div "$peak" 1024 1 1)
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

# ---- summarise ----
med() { # NAME FIELD: median over the rounds
  local v=() k
  for ((k = 0; k < rounds; k++)); do v+=("${res[$1,$k,$2]}"); done
  median "${v[@]}"
}
spread() { # NAME FIELD
  local v=() k
  for ((k = 0; k < rounds; k++)); do v+=("${res[$1,$k,$2]}"); done
  range "${v[@]}"
}
ratio() { # NAME FIELD: median of each round's NAME/bare
  local v=() k
  for ((k = 0; k < rounds; k++)); do
    v+=("$(div "${res[$1,$k,$2]}" "${res[bare,$k,$2]}" 100 1)")
  done
  median "${v[@]}"
}
verdict() { # VALUE OP LIMIT
  if awk -v v="$1" -v l="$3" -v op="$2" 'BEGIN { exit !(op == "<=" ? v <= l : v >= l) }'; then
    echo met
  else
    echo MISSED
  fi
}

bare_rps=$(med bare rps)
sheet_rps=$(med sheet rps) sheet_ratio=$(ratio sheet rps)
save_rps=$(med save rps) save_p99=$(med save p99) save_ratio=$(ratio save rps)
search_p95=$(med search p95) search_p50=$(med search p50) search_rps=$(med search rps)
save_errs=0
for ((k = 0; k < rounds; k++)); do save_errs=$((save_errs + res[save,$k,errs])); done

# what|figure|target|verdict|bare (same run)|ratio
rows=(
  "1 score sheet GET, req/s|$sheet_rps ($(spread sheet rps))|≥ 30% of bare|$(verdict \
    "$sheet_ratio" '>=' 30)|$bare_rps req/s|$sheet_ratio%"
  "1 score sheet: p50 / p99 ms, bytes/reply|$(med sheet p50) / $(med sheet p99), $(med sheet \
    per) B|—|—|$(med bare p50) / $(med bare p99), $(med bare per) B|—"
  "2 save a score, req/s ($conns conns)|$save_rps ($(spread save rps))|≥ 10000/s|$(verdict \
    "$save_rps" '>=' 10000)|$bare_rps req/s (GET)|$save_ratio%"
  "2 save a score: p99 ms|$save_p99 (p50 $(med save p50))|≤ 20 ms|$(verdict "$save_p99" '<=' \
    20)|$(med bare p99)|—"
  "2 save a score: replies ≥ 400, socket errors|$save_errs|0|$(verdict "$save_errs" '<=' 0)|—|—"
  "3 search p95 ms ($sconns conns)|$search_p95 (p50 $search_p50)|≤ 50 ms|$(verdict \
    "$search_p95" '<=' 50)|$(med bare p95) ($conns conns)|—"
  "3 search req/s|$search_rps ($(spread search rps))|—|—|$bare_rps req/s|$(ratio search rps)%"
)
if ((exports)); then
  res_med=$(median "${results_times[@]}") res_min=$(minimum "${results_times[@]}")
  res_med_ms=$(div "$res_med" 1 1000 0) res_min_ms=$(div "$res_min" 1 1000 0)
  csv_time=$(med csv time) xlsx_time=$(med xlsx time) xlsx_peak=$(med xlsx peak)
  full_med_ms=$(div "$(median "${full_times[@]}")" 1 1000 0)
  rows+=(
    "4 results: page of 50 + summary, ms (median of $((5 * rounds - 1)); min)|$res_med_ms; min \
$res_min_ms, $results_size B|≤ 200 ms|$(verdict "$res_med_ms" '<=' 200)|—|—"
    "4 results: first request (computes), s|$(div "$results_cold" 1 1 1)|—|—|—|—"
    "4 results: every unit in one reply, ms (median of $rounds)|$full_med_ms, $full_size B|—|—|—|—"
    "5 export.csv$csv_query, s|$csv_time, $(med csv size) B, $(med csv lines) lines|≤ 10 s|$(verdict \
      "$csv_time" '<=' 10)|—|—"
  )
  if ((export_json)); then
    rows+=("5 export.json (every score row), s|$(med json time), $(med json size) B, $(med json \
lines) lines|—|—|—|—")
  fi
  rows+=(
    "5 export.xlsx, s|$xlsx_time, $(med xlsx size) B|—|—|—|—"
    "5 export.xlsx: peak VmRSS MB (before)|$xlsx_peak ($(med xlsx before))|≤ 64 MB|$(verdict \
      "$xlsx_peak" '<=' 64)|—|—"
  )
fi

# ---- report ----
# (a search counts matches exactly up to offset + limit, here 100,000)
units=$(curl -s -b "$tmp/admin.jar" \
  "$kp_url/api/v1/search?q=%E6%B3%95%E6%B2%BB&cycle=2&limit=1&offset=99999" |
  sed -n 's/.*"total":\([0-9]*\).*/\1/p')
fmt='%-46s %-44s %-16s %-7s %-26s %s\n'
# shellcheck disable=SC2059 # the format is the variable above
printf "\n$fmt" what figure target verdict "bare (same run)" ratio
for row in "${rows[@]}"; do
  IFS='|' read -ra f <<<"$row"
  # shellcheck disable=SC2059
  printf "$fmt" "${f[@]}"
done
echo "data: $gen_note; rv00001 has $nsheets sheets in cycle 2, bench $nbench;" \
  "reports with 法治 in cycle 2: ${units:-?}"
echo "median of $rounds round(s); wrk -t$wthreads -c$conns (search -c$sconns) -d$dur;" \
  "servers --threads $sthreads; $(nproc) cores; load average before each round:" \
  "${loads[*]}, after: $load_after; kaoping build type $kbuild"

if [[ -n ${BENCH_OUT:-} ]]; then
  cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
  {
    echo "### Scale benchmark $(date '+%Y-%m-%d %H:%M %Z')"
    echo
    echo "- machine: $(nproc) cores, ${cpu:-unknown CPU}, Linux $(uname -r); load average" \
      "before each round ${loads[*]}, after the run $load_after"
    echo "- kaoping: $("$kaoping" --version 2>&1 | sed -n 1p), CMake build type $kbuild"
    echo "- wrk: $(wrk -v 2>&1 | sed -n 1p || true)"
    echo "- data: $gen_note; rv00001 has $nsheets sheets in cycle 2, bench $nbench"
    echo "- command: \`${KAOPING_BIN:+KAOPING_BIN=$KAOPING_BIN }${BENCH_DATA_DIR:+BENCH_DATA_DIR=$BENCH_DATA_DIR }${BENCH_EXPORTS:+BENCH_EXPORTS=$exports }BENCH_ROUNDS=$rounds" \
      "BENCH_DURATION=$dur BENCH_CONNECTIONS=$conns BENCH_SEARCH_CONNECTIONS=$sconns" \
      "BENCH_THREADS=$wthreads BENCH_SERVER_THREADS=$sthreads tests/bench/scale.sh\`"
    echo "- $rounds round(s) interleaved, medians; wrk runs \`wrk -t$wthreads -c$conns -d$dur" \
      "--timeout 10s -s tests/bench/scale.lua\`; servers \`bare --threads $sthreads\` and" \
      "\`kaoping serve --pwhash min --threads $sthreads --log-level warn\` (log to $kerr)," \
      "all on 127.0.0.1"
    echo
    echo "| what | figure | target | verdict | bare (same run) | ratio |"
    echo "|---|---|---|---|---|---|"
    for row in "${rows[@]}"; do echo "| ${row//|/ | } |"; done
  } >"$BENCH_OUT"
  echo "wrote $BENCH_OUT"
fi

bench_exit "$failed" "$smoke"
