#!/usr/bin/env bash
# Installs the Debian 12 packages kaoping needs, and only those that are missing.
# Usage: scripts/deps.sh build|test|bench|docker ...   (several groups may be named)
# The package lists below are the project's single source of truth; the README explains
# why each one is there, and docker/Dockerfile installs the "build" group the same way.
set -euo pipefail

build=(build-essential cmake pkg-config libmicrohttpd-dev libsqlite3-dev sqlite3 nettle-dev
  libjansson-dev libsodium-dev libxlsxwriter-dev libzip-dev libxml2-dev poppler-utils)
test=(check libsubunit-dev libcurl4-openssl-dev chromium fonts-noto-cjk nodejs npm curl
  clang libclang-rt-14-dev clang-format python3-cairo openssl)
bench=(wrk)
docker=(podman debootstrap)

want=()
for group in "$@"; do
  case "$group" in
  build) want+=("${build[@]}") ;;
  test) want+=("${build[@]}" "${test[@]}") ;;
  bench) want+=("${build[@]}" "${bench[@]}") ;;
  docker) want+=("${docker[@]}") ;;
  *) echo "deps.sh: unknown group '$group' (build|test|bench|docker)" >&2; exit 2 ;;
  esac
done

missing=()
for p in "${want[@]}"; do
  # node and npm may come from outside Debian (e.g. NodeSource); accept any working node.
  if [[ "$p" == nodejs || "$p" == npm ]] && command -v "${p/nodejs/node}" >/dev/null; then continue; fi
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

echo "deps.sh: installing ${missing[*]}" >&2
sudo=()
[[ $(id -u) -eq 0 ]] || sudo=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
