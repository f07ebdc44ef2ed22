#!/usr/bin/env bash
# Installs what is missing, builds kaoping and starts it with demonstration data on
# http://127.0.0.1:8080 (data in ./kaoping-data). Extra arguments go to `kaoping serve`,
# e.g. scripts/quickstart.sh --listen 0.0.0.0:8080
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh build
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DKAOPING_TESTS=OFF >/dev/null
echo "quickstart: building kaoping (about a minute the first time)..." >&2
cmake --build build -j"$(nproc)" >/dev/null # errors still reach the terminal on stderr
exec build/kaoping serve --demo --data-dir ./kaoping-data "$@"
