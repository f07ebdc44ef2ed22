#!/usr/bin/env bash
# tests/bench/run.sh - kaoping's HTTP throughput against a bare libmicrohttpd reply, both
# measured in the same run on the same machine (PRODUCT.md, "Scale and speed to design for").
#
# One run builds tests/bench/bare.c, starts bare and `kaoping serve --demo` (fresh temporary
# data dir, --pwhash min, the same --threads), loads each endpoint below with wrk on 127.0.0.1
# only, and prints a table of requests/s, p50/p99 latency and the ratio to bare (median over
# BENCH_ROUNDS interleaved rounds, with the spread of requests/s):
#   bare      GET /              fixed {"status":"ok"} from one persistent response
#   healthz   GET /healthz       kaoping's JSON reply with a SQLite query
#   static    GET /css/app.css   embedded asset, 200
#   304       GET / + If-None-Match with the page's ETag, 304
# wrk and both servers share the machine's cores; read the ratios, not the absolute figures.
#
# usage: tests/bench/run.sh [BUILD_DIR]
#   BUILD_DIR             where bare is compiled (default: build/bench in the repository)
# environment:
#   KAOPING_BIN           the daemon (default: build/kaoping in the repository)
#   BENCH_DURATION        wrk -d for each endpoint (default 10s; smoke 1s)
#   BENCH_CONNECTIONS     wrk -c (default 64; smoke 4); at most 256, the servers' per-address limit
#   BENCH_THREADS         wrk -t (default 2; smoke 1)
#   BENCH_ROUNDS          how often the whole sequence is repeated; medians are reported
#                         (default 3; smoke 1)
#   BENCH_SERVER_THREADS  --threads for both servers (default: nproc)
#   BENCH_OUT             also write the results as Markdown to this file
#   BENCH_SMOKE=1         one round of 1-second runs with 4 connections, for the test suite
#                         (about 5 s)
#   CC                    C compiler for bare.c (default cc)
# Exits non-zero if anything fails to build or start, or if any endpoint answered zero
# requests, a status outside 2xx/3xx, or had socket errors.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/bench/common.sh
. "$here/common.sh"
root=$(cd "$here/../.." && pwd)
build_dir=${1:-$root/build/bench}
kaoping=${KAOPING_BIN:-$root/build/kaoping}
smoke=${BENCH_SMOKE:-0}
if [[ $smoke == 1 ]]; then
  dur=${BENCH_DURATION:-1s} conns=${BENCH_CONNECTIONS:-4} wthreads=${BENCH_THREADS:-1}
  rounds=${BENCH_ROUNDS:-1}
else
  dur=${BENCH_DURATION:-10s} conns=${BENCH_CONNECTIONS:-64} wthreads=${BENCH_THREADS:-2}
  rounds=${BENCH_ROUNDS:-3}
fi
sthreads=${BENCH_SERVER_THREADS:-$(nproc)}


[[ $conns =~ ^[0-9]+$ && $conns -ge 1 && $conns -le 256 ]] ||
  die "BENCH_CONNECTIONS must be 1..256 (the servers allow 256 per address), not '$conns'"
[[ $wthreads =~ ^[0-9]+$ && $wthreads -ge 1 && $wthreads -le $conns ]] ||
  die "BENCH_THREADS must be 1..BENCH_CONNECTIONS, not '$wthreads'"
[[ $sthreads =~ ^[0-9]+$ && $sthreads -ge 1 ]] || die "bad BENCH_SERVER_THREADS '$sthreads'"
[[ $dur =~ ^[0-9]+[smh]?$ ]] || die "bad BENCH_DURATION '$dur' (e.g. 10s)"
[[ $rounds =~ ^[0-9]+$ && $rounds -ge 1 ]] || die "bad BENCH_ROUNDS '$rounds'"
for tool in wrk curl pkg-config "${CC:-cc}"; do
  command -v "$tool" >/dev/null || die "$tool not found (Debian packages wrk curl pkg-config gcc)"
done
[[ -x $kaoping ]] || die "no kaoping binary at $kaoping (build it, or set KAOPING_BIN)"
bench_build_type "$kaoping"

# ---- build bare ----
mkdir -p "$build_dir"
bare=$build_dir/bare
build_bare "$bare"

# Other work on the machine skews everything; record how busy it was before we started.
load=$(cut -d' ' -f1-3 /proc/loadavg)

# ---- servers ----
bench_tmp kaoping-bench

# In smoke mode the daemon's log is kept for diagnosis; in a real run it goes to /dev/null.
kerr=/dev/null
[[ $smoke == 1 ]] && kerr=$tmp/kaoping.err
start_server bare /dev/null "$bare" --listen 127.0.0.1:0 --threads "$sthreads"
bare_port=$port
start_server kaoping "$kerr" "$kaoping" serve --listen 127.0.0.1:0 --data-dir "$tmp/data" \
  --demo --pwhash min --threads "$sthreads"
kp_port=$port
bare_url=http://127.0.0.1:$bare_port
kp_url=http://127.0.0.1:$kp_port

etag=$(curl -sfI "$kp_url/" | tr -d '\r' | sed -n 's/^[Ee][Tt][Aa][Gg]:[[:space:]]*//p')
[[ -n $etag ]] || die "GET $kp_url/ sent no ETag"

# ---- endpoints: name, URL, If-None-Match, the status a single request must get ----
names=("bare GET /" "kaoping GET /healthz" "kaoping GET /css/app.css" "kaoping GET / 304")
urls=("$bare_url/" "$kp_url/healthz" "$kp_url/css/app.css" "$kp_url/")
inms=("" "" "" "$etag")
want=(200 200 200 304)

for i in "${!names[@]}"; do
  hdr=()
  [[ -n ${inms[i]} ]] && hdr=(-H "If-None-Match: ${inms[i]}")
  got=$(curl -s -o /dev/null -w '%{http_code}' "${hdr[@]}" "${urls[i]}") || true
  [[ $got == "${want[i]}" ]] || die "${names[i]}: expected HTTP ${want[i]}, got '$got'"
done

# ---- measure ----
# The endpoints are measured in turn, and the whole sequence is repeated BENCH_ROUNDS times, so
# a slow spell of the machine hits every endpoint alike. Each figure reported is the median over
# the rounds (the lower middle one for an even count); "vs bare" is the median of each round's
# ratio to that round's bare figure.


declare -A res=() # "ENDPOINT,ROUND,FIELD" -> value
failed=0
for ((k = 0; k < rounds; k++)); do
  for i in "${!names[@]}"; do
    raw=$tmp/wrk.$i.$k.txt
    BENCH_IF_NONE_MATCH=${inms[i]} wrk -t"$wthreads" -c"$conns" -d"$dur" -s "$here/wrk.lua" \
      "${urls[i]}" >"$raw" 2>&1 || true
    declare -A r=()
    line=$(grep '^BENCH ' "$raw" || true)
    read -ra kvs <<<"$line"
    for kv in "${kvs[@]:1}"; do r[${kv%%=*}]=${kv#*=}; done
    if [[ -z ${r[requests]:-} ]]; then
      cat "$raw" >&2
      die "${names[i]}: no result from wrk"
    fi
    res[$i,$k,rps]=$(div "${r[requests]}" "${r[duration_us]}" 1e6 0)
    res[$i,$k,p50]=$(div "${r[p50_us]}" 1000 1 3)
    res[$i,$k,p99]=$(div "${r[p99_us]}" 1000 1 3)
    res[$i,$k,per]=$(div "${r[bytes]}" "${r[requests]}" 1 0)
    res[$i,$k,ratio]=$(div "${res[$i,$k,rps]}" "${res[0,$k,rps]}" 100 1)
    res[$i,$k,errs]=$((r[status_errors] + r[socket_errors]))
    if ((r[requests] == 0 || r[status_errors] > 0 || r[socket_errors] > 0)); then
      echo "run.sh: ${names[i]}: ${r[requests]} requests, ${r[status_errors]} outside" \
        "2xx/3xx, ${r[socket_errors]} socket errors" >&2
      failed=1
    fi
    unset r
  done
done

# ---- summarise: one row per endpoint ----
rows=()
for i in "${!names[@]}"; do
  declare -a v_rps=() v_p50=() v_p99=() v_per=() v_ratio=()
  errs=0
  for ((k = 0; k < rounds; k++)); do
    v_rps+=("${res[$i,$k,rps]}") v_p50+=("${res[$i,$k,p50]}") v_p99+=("${res[$i,$k,p99]}")
    v_per+=("${res[$i,$k,per]}") v_ratio+=("${res[$i,$k,ratio]}")
    errs=$((errs + res[$i,$k,errs]))
  done
  spread=$(printf '%s\n' "${v_rps[@]}" | sort -g |
    awk 'NR == 1 { lo = $1 } { hi = $1 } END { print lo "-" hi }')
  # name|req/s|min-max|p50|p99|vs bare|bytes/reply|errors
  rows+=("${names[i]}|$(median "${v_rps[@]}")|$spread|$(median "${v_p50[@]}")|$(median \
    "${v_p99[@]}")|$(median "${v_ratio[@]}")%|$(median "${v_per[@]}")|$errs")
  unset v_rps v_p50 v_p99 v_per v_ratio
done

# ---- report ----
fmt='%-26s %9s %15s %8s %8s %8s %8s %6s\n'
# shellcheck disable=SC2059 # the format is the variable above
printf "\n$fmt" endpoint "req/s" "req/s min-max" "p50 ms" "p99 ms" "vs bare" "B/reply" errors
for row in "${rows[@]}"; do
  IFS='|' read -ra f <<<"$row"
  # shellcheck disable=SC2059
  printf "$fmt" "${f[@]}"
done
echo "median of $rounds round(s); wrk -t$wthreads -c$conns -d$dur; servers --threads $sthreads;" \
  "$(nproc) cores (load before: $load); kaoping build type $kbuild"

if [[ -n ${BENCH_OUT:-} ]]; then
  cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
  {
    echo "## Benchmark $(date '+%Y-%m-%d %H:%M %Z')"
    echo
    echo "- machine: $(nproc) cores, ${cpu:-unknown CPU}, Linux $(uname -r);" \
      "load average before the run $load"
    echo "- kaoping: $("$kaoping" --version 2>&1 | sed -n 1p), CMake build type $kbuild"
    echo "- wrk: $(wrk -v 2>&1 | sed -n 1p || true)"
    echo "- command: \`${KAOPING_BIN:+KAOPING_BIN=$KAOPING_BIN }BENCH_ROUNDS=$rounds" \
      "BENCH_DURATION=$dur BENCH_CONNECTIONS=$conns BENCH_THREADS=$wthreads" \
      "BENCH_SERVER_THREADS=$sthreads tests/bench/run.sh\`"
    echo "- each endpoint, $rounds round(s) interleaved, median reported:" \
      "\`wrk -t$wthreads -c$conns -d$dur -s tests/bench/wrk.lua URL\`; servers" \
      "\`bare --threads $sthreads\` and \`kaoping serve --demo --pwhash min --threads" \
      "$sthreads\` (log to $kerr), all on 127.0.0.1"
    echo
    echo "| endpoint | req/s | req/s min–max | p50 ms | p99 ms | vs bare | bytes/reply | errors |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|"
    for row in "${rows[@]}"; do echo "| ${row//|/ | } |"; done
  } >"$BENCH_OUT"
  echo "wrote $BENCH_OUT"
fi

bench_exit "$failed" "$smoke"
