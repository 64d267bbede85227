#!/usr/bin/env bash
# Prepares Docker for the test harness's testcontainers way on a Debian bookworm machine (root) that reaches
# deb.debian.org but no image registry: installs the engine, starts dockerd, makes a Debian base image with
# debootstrap, and builds one image per backend, tagged with the names the harness asks for (docs/testing.md).
#
#   bash scripts/docker/prepare.sh                 # redis + postgres (what CI runs)
#   bash scripts/docker/prepare.sh redis postgres dynamodb
#   bash scripts/docker/prepare.sh all
#
# Idempotent and quick when everything exists: each step checks first. An image is rebuilt only when its recipe
# (the files in scripts/docker/images/<backend>/) changed, which a label on the image records.
# On a machine that reaches Docker Hub, skip this script: `docker pull redis:7.0 postgres:15 amazon/dynamodb-local:3.3.1`.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"

BASE_IMAGE="${OAUTH_STORE_DOCKER_BASE:-local/debian:bookworm}"
DEBIAN_MIRROR="${OAUTH_STORE_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
DOCKERD_LOG="${OAUTH_STORE_DOCKERD_LOG:-/var/log/oauth-store-dockerd.log}"
DOCKERD_PIDFILE=/var/run/docker.pid

# backend -> image tag (the names packages/test-servers/src/containers/images.ts asks for).
declare -A TAGS=(
  [redis]=redis:7.0
  [postgres]=postgres:15
  [dynamodb]=amazon/dynamodb-local:3.3.1
)

log() { printf '[docker-prepare %ss] %s\n' "$SECONDS" "$*" >&2; }

backends=("$@")
[ "${#backends[@]}" -eq 0 ] && backends=(redis postgres)
[ "${backends[0]}" = all ] && backends=(redis postgres dynamodb)
for backend in "${backends[@]}"; do
  [ -n "${TAGS[$backend]:-}" ] || { echo "unknown backend '$backend'; known: ${!TAGS[*]}" >&2; exit 2; }
done

if [ "$(id -u)" -ne 0 ]; then
  echo "run as root: it installs packages and starts dockerd" >&2
  exit 1
fi

# 1. Engine and debootstrap, from Debian.
missing=()
command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
command -v debootstrap >/dev/null 2>&1 || missing+=(debootstrap)
if [ "${#missing[@]}" -gt 0 ]; then
  log "apt-get install ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# 2. dockerd, as root. Published ports default to 127.0.0.1 (--ip), so nothing a test starts listens beyond this
# machine even if a container forgets to say so (the harness also binds 127.0.0.1 explicitly).
if ! docker info >/dev/null 2>&1; then
  log "starting dockerd (log: $DOCKERD_LOG)"
  # setsid: dockerd must not die with this script's process group, and must not hold its stdout open.
  setsid dockerd --ip 127.0.0.1 --storage-driver overlay2 --exec-opt native.cgroupdriver=cgroupfs \
    --pidfile "$DOCKERD_PIDFILE" >"$DOCKERD_LOG" 2>&1 < /dev/null &
  for _ in $(seq 1 300); do
    docker info >/dev/null 2>&1 && break
    if ! kill -0 $! 2>/dev/null; then
      echo "dockerd exited; last lines of $DOCKERD_LOG:" >&2
      tail -n 20 "$DOCKERD_LOG" >&2
      exit 1
    fi
    sleep 0.1
  done
  docker info >/dev/null 2>&1 || { echo "dockerd did not answer within 30 s; see $DOCKERD_LOG" >&2; exit 1; }
fi
log "docker engine $(docker info --format '{{.ServerVersion}}') answers"

# 3. The base image, made from Debian packages (no registry needed).
if ! docker image inspect "$BASE_IMAGE" >/dev/null 2>&1; then
  root="$(mktemp -d /tmp/oauth-store-debootstrap.XXXXXX)"
  trap 'rm -rf "$root"' EXIT
  log "debootstrap --variant=minbase bookworm from $DEBIAN_MIRROR (about 25 s)"
  debootstrap --variant=minbase bookworm "$root" "$DEBIAN_MIRROR" >/dev/null
  # Smaller image, and apt inside builds should not keep caches.
  rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
  tar -C "$root" -c . | docker import - "$BASE_IMAGE" >/dev/null
  rm -rf "$root"
  trap - EXIT
  log "imported $BASE_IMAGE"
fi

# 4. One image per backend; rebuilt only when its recipe changed.
recipe_hash() { (cd "$here/images/$1" && find . -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16); }
for backend in "${backends[@]}"; do
  tag="${TAGS[$backend]}"
  context="$here/images/$backend"
  hash="$(recipe_hash "$backend")"
  current="$(docker image inspect --format '{{index .Config.Labels "oauth-store.recipe"}}' "$tag" 2>/dev/null || true)"
  if [ "$current" = "$hash" ]; then
    log "$tag is up to date"
    continue
  fi
  if [ -x "$context/context.sh" ]; then
    # A recipe may need files from the repository (the DynamoDB Local jar from node_modules): it copies them into a
    # temporary build context.
    build_dir="$(mktemp -d /tmp/oauth-store-image.XXXXXX)"
    cp -a "$context/." "$build_dir/"
    "$context/context.sh" "$build_dir"
  else
    build_dir="$context"
  fi
  log "building $tag"
  # --network host: the build reaches deb.debian.org through the host's own network (builds need no bridge).
  # Output only on failure (the legacy builder also prints a deprecation notice on every build).
  if ! output="$(docker build --quiet --network host --build-arg "BASE=$BASE_IMAGE" \
    --label "oauth-store.recipe=$hash" -t "$tag" "$build_dir" 2>&1)"; then
    echo "$output" >&2
    exit 1
  fi
  [ "$build_dir" = "$context" ] || rm -rf "$build_dir"
  log "built $tag"
done
# Dangling layers of replaced images.
docker image prune -f --filter label=oauth-store.recipe >/dev/null
log "ready: ${backends[*]}"
