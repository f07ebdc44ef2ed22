#!/usr/bin/env bash
# tests/docker/image-test.sh - builds the kaoping container image from docker/Dockerfile with no
# image registry, then checks the image without running a container.
#
#   1. base    debootstrap a minimal Debian bookworm root filesystem (cached as a tarball) and
#              `podman import` it as localhost/kaoping-base:bookworm
#   2. build   podman build --isolation=chroot -f docker/Dockerfile (BASE_IMAGE = that base)
#   3. export  podman create + podman export into a temporary folder (nothing is run)
#   4. config  the image metadata: USER, HEALTHCHECK, VOLUME, ENV, ENTRYPOINT/CMD, EXPOSE
#   5. run     inside that folder via chroot: kaoping --version; kaoping serve as uid 10001,
#              GET /healthz from the host (chroot shares the network), the image's own
#              HEALTHCHECK command, clean exit on SIGTERM
#
# Needs: root, podman, debootstrap, curl, and the Debian mirror over HTTP.
# Environment:
#   KAOPING_DOCKER_CACHE   cache folder (default build/docker-cache, relative to the repo root);
#                          delete it to start from scratch (e.g. to pick up a newer Debian)
#   KAOPING_DEBIAN_MIRROR  default http://deb.debian.org/debian
#   KAOPING_DEBIAN_SECURITY_MIRROR  default http://deb.debian.org/debian-security
#   KAOPING_IMAGE_TAG      default localhost/kaoping:test (left in podman's storage afterwards)
#   KAOPING_DOCKER_KEEP=1  keep the exported root filesystem (its path is printed)
# Output: one PASS/FAIL line per check, the time of each phase, and a final
# "N passed, N failed" line. Exit status 0 only when every check passed; 2 on bad setup.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cache=${KAOPING_DOCKER_CACHE:-build/docker-cache}
[[ $cache == /* ]] || cache=$root/$cache
mirror=${KAOPING_DEBIAN_MIRROR:-http://deb.debian.org/debian}
security_mirror=${KAOPING_DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
suite=bookworm
base_tag=localhost/kaoping-base:$suite
base_tar=$cache/rootfs-$suite-minbase.tar.gz
image_tag=${KAOPING_IMAGE_TAG:-localhost/kaoping:test}
keep=${KAOPING_DOCKER_KEEP:-0}
uid=10001 # the image's kaoping user

passed=0
failed=0
work=""     # temporary folder: exported root filesystem, server log
rootfs=""   # $work/rootfs
cid=""      # the podman container created for the export
server=""   # pid of kaoping serve inside the chroot
logs=$cache/logs

# ---- reporting --------------------------------------------------------------------------------

pass() {
  echo "PASS: $*"
  passed=$((passed + 1))
}
fail() {
  echo "FAIL: $*"
  failed=$((failed + 1))
}
# check NAME COMMAND...: runs COMMAND and records PASS/FAIL under NAME.
check() {
  local name=$1
  shift
  if "$@"; then pass "$name"; else fail "$name"; fi
}
summary() {
  echo "$passed passed, $failed failed"
}
# abort MESSAGE: a phase that later checks depend on failed; report and stop.
abort() {
  fail "$*"
  summary
  exit 1
}

# Phase timing: phase NAME starts a phase, phase_end ends it and prints its duration.
declare -a timings=()
phase_name=""
phase_t0=0
total_t0=${EPOCHREALTIME/./}
us_to_s() { printf '%d.%01d' $(($1 / 1000000)) $(($1 % 1000000 / 100000)); }
phase() {
  phase_name=$1
  phase_t0=${EPOCHREALTIME/./}
  echo "== $phase_name"
}
phase_end() {
  local dt=$((${EPOCHREALTIME/./} - phase_t0))
  timings+=("$(printf '%-7s %6ss' "$phase_name" "$(us_to_s "$dt")")")
  echo "time: $phase_name $(us_to_s "$dt")s"
}
print_timings() {
  echo "== times"
  local t
  for t in "${timings[@]}"; do echo "  $t"; done
  printf '  %-7s %6ss\n' total "$(us_to_s $((${EPOCHREALTIME/./} - total_t0)))"
}

# ---- cleanup ----------------------------------------------------------------------------------

# unmount_below DIR: unmounts everything mounted at or below DIR (deepest first).
unmount_below() {
  local m
  [[ -n $1 && -d $1 ]] || return 0
  findmnt -rn -o TARGET | awk -v d="$1" '$0 == d || index($0, d "/") == 1' | sort -r | while read -r m; do
    umount "$m" 2>/dev/null || umount -l "$m" || true
  done
}

# chrooted_pids: the processes (started by this script) whose root is the exported image.
chrooted_pids() {
  local p
  [[ -n $rootfs && -d $rootfs ]] || return 0
  for p in /proc/[0-9]*; do
    [[ $(readlink "$p/root" 2>/dev/null) == "$rootfs" ]] && echo "${p#/proc/}"
  done
  return 0
}

cleanup() {
  local rc=$? pids
  if [[ -n $server ]] && kill -0 "$server" 2>/dev/null; then
    disown "$server" 2>/dev/null || true
    kill -TERM "$server" 2>/dev/null || true
    sleep 1
    kill -KILL "$server" 2>/dev/null || true
  fi
  pids=$(chrooted_pids)
  if [[ -n $pids ]]; then
    # shellcheck disable=SC2086 # a list of numbers
    kill -KILL $pids 2>/dev/null || true
    sleep 0.5
  fi
  [[ -z $cid ]] || podman rm -f "$cid" >/dev/null 2>&1 || true
  unmount_below "$cache/rootfs.tmp"
  if [[ -n $work ]]; then
    unmount_below "$work"
    if findmnt -rn -o TARGET | grep -qF "$work/"; then
      echo "warning: something is still mounted below $work; not deleting it" >&2
    elif [[ $keep == 1 ]]; then
      echo "kept: $work"
    else
      rm -rf --one-file-system "$work"
    fi
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- setup ------------------------------------------------------------------------------------

if [[ $(id -u) -ne 0 ]]; then
  echo "image-test.sh: needs root (debootstrap, podman's root storage, chroot)" >&2
  exit 2
fi
for tool in podman debootstrap curl tar chroot findmnt mknod; do
  if ! command -v "$tool" >/dev/null; then
    echo "image-test.sh: '$tool' is missing (scripts/deps.sh docker)" >&2
    exit 2
  fi
done
mkdir -p "$cache" "$logs"
work=$(mktemp -d "${TMPDIR:-/var/tmp}/kaoping-image-test.XXXXXX")
rootfs=$work/rootfs
echo "repo: $root"
echo "cache: $cache (logs in $logs)"

# ---- 1. base image ----------------------------------------------------------------------------

# make_rootfs: debootstraps the minimal system, adjusts it for use as a container base the way
# Debian's official images are, and packs it into $base_tar.
make_rootfs() {
  local tmp=$cache/rootfs.tmp
  unmount_below "$tmp"
  rm -rf --one-file-system "$tmp" "$base_tar.part"
  debootstrap --variant=minbase "$suite" "$tmp" "$mirror" >"$logs/debootstrap.log" 2>&1 || {
    tail -n 20 "$logs/debootstrap.log"
    return 1
  }
  # Package sources: debootstrap writes only "$suite main"; add updates and security.
  cat >"$tmp/etc/apt/sources.list" <<EOF
deb $mirror $suite main
deb $mirror $suite-updates main
deb $security_mirror $suite-security main
EOF
  # Never start services while installing packages in a build.
  printf '#!/bin/sh\nexit 101\n' >"$tmp/usr/sbin/policy-rc.d"
  chmod 0755 "$tmp/usr/sbin/policy-rc.d"
  # Like debian:*-slim: no documentation, manual pages or translations from later installs.
  cat >"$tmp/etc/dpkg/dpkg.cfg.d/docker-slim" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
EOF
  # Do not keep downloaded .deb files or apt's binary caches in image layers.
  cat >"$tmp/etc/apt/apt.conf.d/docker-clean" <<'EOF'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
EOF
  # Drop what debootstrap downloaded and what it copied from this host (the container runtime
  # provides resolv.conf and hostname).
  rm -rf "$tmp"/var/cache/apt/archives/*.deb "$tmp"/var/cache/apt/*.bin "$tmp"/var/lib/apt/lists/*
  mkdir -p "$tmp/var/lib/apt/lists/partial"
  : >"$tmp/etc/resolv.conf"
  echo localhost >"$tmp/etc/hostname"
  tar --numeric-owner --one-file-system -C "$tmp" \
    --exclude='./dev/*' --exclude='./proc/*' --exclude='./sys/*' \
    -czf "$base_tar.part" . &&
    mv "$base_tar.part" "$base_tar" &&
    rm -rf --one-file-system "$tmp"
}

# import_base: imports $base_tar as $base_tag unless that exact import is already there (a
# re-import would get a new image id and void podman's layer cache for the build).
import_base() {
  local stamp=$base_tar.image-id have id
  have=$(podman image inspect --format '{{.Id}}' "$base_tag" 2>/dev/null || true)
  if [[ -n $have && -f $stamp && $stamp -nt $base_tar && $(<"$stamp") == "$have" ]]; then
    echo "base image $base_tag is current ($have)"
    return 0
  fi
  id=$(podman import --quiet --change 'CMD ["bash"]' \
    --message "debootstrap --variant=minbase $suite" "$base_tar" "$base_tag") || return 1
  podman image inspect --format '{{.Id}}' "$base_tag" >"$stamp"
  id=${id#sha256:}
  echo "imported $base_tag (${id:0:12})"
}

phase base
if [[ -s $base_tar ]]; then
  echo "using cached $base_tar"
else
  echo "debootstrap --variant=minbase $suite (no cached root filesystem yet)"
  make_rootfs || abort "base root filesystem (debootstrap; see $logs/debootstrap.log)"
fi
import_base || abort "base image import ($base_tag)"
pass "base image $base_tag"
phase_end

# ---- 2. build ---------------------------------------------------------------------------------

phase build
old_image=$(podman image inspect --format '{{.Id}}' "$image_tag" 2>/dev/null || true)
echo "podman build --isolation=chroot --format docker -f docker/Dockerfile -t $image_tag"
if (cd "$root" && podman build --isolation=chroot --format docker --pull=never \
  -f docker/Dockerfile --build-arg "BASE_IMAGE=$base_tag" -t "$image_tag" .) \
  >"$logs/build.log" 2>&1; then
  pass "image builds ($image_tag)"
else
  tail -n 40 "$logs/build.log"
  abort "image builds (full log: $logs/build.log)"
fi
new_image=$(podman image inspect --format '{{.Id}}' "$image_tag")
# The previous build of this tag, now untagged, would only take up space.
if [[ -n $old_image && $old_image != "$new_image" ]]; then
  podman rmi "$old_image" >/dev/null 2>&1 || true
fi
echo "image ${new_image:0:12}, $(($(podman image inspect --format '{{.Size}}' "$image_tag") / 1000000)) MB"
phase_end

# ---- 3. export --------------------------------------------------------------------------------

phase export
mkdir "$rootfs"
cid=$(podman create --pull=never --no-healthcheck "$image_tag") || abort "podman create"
podman export "$cid" | tar -C "$rootfs" -xf - || abort "podman export"
podman rm "$cid" >/dev/null
cid=""
pass "image file system exported"
phase_end

# ---- 4. image configuration -------------------------------------------------------------------

phase config
inspect() { podman image inspect --format "$1" "$image_tag"; }
config_user=$(inspect '{{.Config.User}}')
config_health=$(inspect '{{range .Config.Healthcheck.Test}}{{println .}}{{end}}')
config_volumes=$(inspect '{{json .Config.Volumes}}')
config_env=$(inspect '{{range .Config.Env}}{{println .}}{{end}}')
config_entry=$(inspect '{{json .Config.Entrypoint}} {{json .Config.Cmd}}')
config_ports=$(inspect '{{json .Config.ExposedPorts}}')
# The shell command of the HEALTHCHECK ("CMD-SHELL" form), used again in phase 5.
health_cmd=$(sed -n '2p' <<<"$config_health")

check "USER is the non-root kaoping user (got '$config_user')" \
  test "$config_user" = kaoping -o "$config_user" = "$uid"
healthcheck_ok() {
  [[ $(head -n 1 <<<"$config_health") == CMD-SHELL && $health_cmd == *curl*/healthz* ]]
}
check "HEALTHCHECK probes /healthz with curl" healthcheck_ok
check "VOLUME /var/lib/kaoping" grep -qF '"/var/lib/kaoping":' <<<"$config_volumes"
check "ENV KAOPING_LISTEN=0.0.0.0:8080" grep -qx KAOPING_LISTEN=0.0.0.0:8080 <<<"$config_env"
check "ENV KAOPING_DATA_DIR=/var/lib/kaoping" \
  grep -qx KAOPING_DATA_DIR=/var/lib/kaoping <<<"$config_env"
check "ENTRYPOINT [kaoping] CMD [serve] (got $config_entry)" \
  test "$config_entry" = '["kaoping"] ["serve"]'
check "EXPOSE 8080" grep -qF '"8080/tcp":' <<<"$config_ports"

# The user and its data folder as the image's files define them.
check "user kaoping has uid/gid $uid" \
  grep -q "^kaoping:x:$uid:$uid:" "$rootfs/etc/passwd"
check "/var/lib/kaoping belongs to $uid:$uid" \
  test "$(stat -c %u:%g "$rootfs/var/lib/kaoping")" = "$uid:$uid"
check "/usr/local/bin/kaoping is executable" test -x "$rootfs/usr/local/bin/kaoping"
runtime_only() {
  [[ ! -e $rootfs/usr/bin/cc && ! -e $rootfs/usr/bin/cmake && ! -e $rootfs/usr/include/microhttpd.h ]]
}
check "no compiler, cmake or headers in the runtime image" runtime_only
phase_end

# ---- 5. run inside the exported file system ---------------------------------------------------

phase run
# A minimal /dev (nodes, not a bind mount of the host's /dev) and /proc.
mkdir -p "$rootfs/dev" "$rootfs/proc" "$rootfs/tmp"
chmod 1777 "$rootfs/tmp"
mknod -m 0666 "$rootfs/dev/null" c 1 3
mknod -m 0666 "$rootfs/dev/zero" c 1 5
mknod -m 0666 "$rootfs/dev/random" c 1 8
mknod -m 0666 "$rootfs/dev/urandom" c 1 9
mount -t proc proc "$rootfs/proc"

# "${in_image[@]}" CMD...: runs CMD in the image's file system as the kaoping user with the
# image's environment and working directory, the way a container would. (An array, not a
# function, so that a background job's $! is the process itself: chroot and env exec it.)
mapfile -t image_env < <(grep . <<<"$config_env")
in_image=(chroot --userspec="$uid:$uid" --groups="$uid" "$rootfs"
  /usr/bin/env -i -C /var/lib/kaoping "${image_env[@]}")

libs=$(chroot "$rootfs" ldd /usr/local/bin/kaoping 2>&1 || true)
if grep -q 'not found' <<<"$libs"; then
  fail "all shared libraries of kaoping are in the image:"
  grep 'not found' <<<"$libs"
else
  pass "all shared libraries of kaoping are in the image"
fi

version=$("${in_image[@]}" kaoping --version 2>&1 || true)
check "kaoping --version prints a version (got '$version')" \
  grep -Eq '[0-9]+\.[0-9]+' <<<"$version"

# kaoping serve with the image's settings (data dir /var/lib/kaoping as the volume would be),
# except for a free loopback port instead of 0.0.0.0:8080.
server_log=$work/serve.log
"${in_image[@]}" kaoping serve --listen 127.0.0.1:0 >"$server_log" 2>&1 &
server=$!
port=""
for _ in $(seq 1 100); do
  port=$(sed -n 's|.*listening on http://127\.0\.0\.1:\([0-9][0-9]*\).*|\1|p' "$server_log" |
    head -n 1)
  [[ -n $port ]] && break
  kill -0 "$server" 2>/dev/null || break
  sleep 0.1
done
if [[ -z $port ]]; then
  cat "$server_log"
  fail "kaoping serve starts as uid $uid and prints 'listening on http://127.0.0.1:PORT'"
  print_timings
  abort "server did not start (see the log above)"
fi
pass "kaoping serve starts as uid $uid and listens on 127.0.0.1:$port"

health=$(curl -fsS --max-time 5 "http://127.0.0.1:$port/healthz" 2>&1 || true)
check "GET /healthz from the host answers \"status\":\"ok\" (got '$health')" \
  grep -q '"status":"ok"' <<<"$health"
index=$(curl -fsSL --max-time 5 "http://127.0.0.1:$port/" 2>&1 || true)
check "GET / serves the embedded web app" grep -qi '<html' <<<"$index"
# The HEALTHCHECK exactly as the image declares it, with KAOPING_LISTEN naming the test port.
image_healthcheck() {
  "${in_image[@]}" KAOPING_LISTEN="127.0.0.1:$port" /bin/sh -c "$health_cmd" >/dev/null
}
check "the image's HEALTHCHECK command succeeds inside the image" image_healthcheck
check "kaoping.db created in the data volume /var/lib/kaoping" \
  test -s "$rootfs/var/lib/kaoping/kaoping.db"

# docker stop sends SIGTERM: the server must exit by itself, with status 0.
kill -TERM "$server"
for _ in $(seq 1 150); do
  kill -0 "$server" 2>/dev/null || break
  sleep 0.1
done
if kill -0 "$server" 2>/dev/null; then
  fail "kaoping serve exits within 15 s of SIGTERM"
else
  status=0
  wait "$server" || status=$?
  server=""
  check "kaoping serve exits with status 0 on SIGTERM (got $status)" test "$status" -eq 0
fi
umount "$rootfs/proc"
phase_end

if ((failed > 0)); then
  echo "--- kaoping serve log"
  cat "$server_log"
fi
print_timings
summary
((failed == 0))
