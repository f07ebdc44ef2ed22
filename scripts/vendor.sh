#!/usr/bin/env bash
# Refreshes the third-party browser libraries committed under web/vendor/ from npm.
# Usage: scripts/vendor.sh            (needs node and npm; run by a developer, never by the build)
#
# web/vendor/package.json and package-lock.json pin the exact versions and their integrity
# hashes; this script installs exactly the lockfile (npm ci) in a temporary folder, so no
# node_modules ever lands under web/, and copies the built files and their licenses next to
# each other. The results are committed: the daemon embeds web/ and CI never needs npm for the
# app itself. To upgrade: change the version in package.json, run `npm install
# --package-lock-only` in web/vendor, then this script, then look at the compare page.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
vendor="$root/web/vendor"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

cp "$vendor/package.json" "$vendor/package-lock.json" "$tmp/"
(cd "$tmp" && npm ci --ignore-scripts --no-audit --no-fund)

ec="$tmp/node_modules/echarts"
cp "$ec/dist/echarts.min.js" "$vendor/echarts.min.js"
cp "$ec/LICENSE" "$vendor/LICENSE-echarts"
cp "$ec/NOTICE" "$vendor/NOTICE-echarts"
cp "$ec/licenses/LICENSE-d3" "$vendor/LICENSE-d3"
# zrender (BSD-3-Clause) is bundled inside echarts.min.js: its notice goes along.
cp "$tmp/node_modules/zrender/LICENSE" "$vendor/LICENSE-zrender"
echo "vendored echarts $(node -p "require('$ec/package.json').version") into web/vendor/"
