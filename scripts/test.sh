#!/usr/bin/env bash
# Installs what the tests need (Debian packages via scripts/deps.sh, playwright-core via npm),
# builds kaoping and runs every test with CTest: unit, integration, browser, formatting.
# Usage: scripts/test.sh           gcc build in build/
#        scripts/test.sh --asan    clang build with AddressSanitizer + UBSan in build-asan/
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh test bench

if [[ "${1:-}" == --asan ]]; then
  dir=build-asan
  CC=clang cmake -S . -B "$dir" -DKAOPING_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1
else
  dir=build
  cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
cmake --build "$dir" -j"$(nproc)"
ctest --test-dir "$dir" --output-on-failure
