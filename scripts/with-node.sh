#!/usr/bin/env bash
# Usage: scripts/with-node.sh <node-major> <command> [args...]
#
# Runs <command> with Node.js <node-major> first on PATH, so `node`, and every tool started through
# `#!/usr/bin/env node` (pnpm, jest, tsx...), run on that version. The binary comes from the npm registry's `node`
# package (node@<major>, the latest release of that line), installed once into
# ${OAUTH_STORE_NODE_CACHE:-~/.cache/oauth-store/node}/<major> and reused. Example, as .ci/run uses it:
#
#   scripts/with-node.sh 24 pnpm test
set -euo pipefail

if [ "$#" -lt 2 ] || ! [[ "$1" =~ ^[0-9]+$ ]]; then
  echo "usage: $0 <node-major> <command> [args...]   (for example: $0 24 pnpm test)" >&2
  exit 2
fi
major="$1"
shift
cache="${OAUTH_STORE_NODE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/oauth-store/node}/$major"
bin="$cache/node_modules/.bin"

if ! "$bin/node" --version 2>/dev/null | grep -q "^v$major\."; then
  # Install beside the cache, then move into place: two jobs starting at once never see a half-installed copy.
  staging="$cache.staging.$$"
  rm -rf "$staging"
  mkdir -p "$staging"
  # The package's preinstall script fetches the platform binary (node-<os>-<arch>).
  npm install --prefix "$staging" --no-audit --no-fund --no-save --loglevel=error \
    "node@$major" >&2
  if ! "$staging/node_modules/.bin/node" --version 2>/dev/null | grep -q "^v$major\."; then
    echo "with-node: npm did not install a working Node $major (node@$major from the registry)" >&2
    rm -rf "$staging"
    exit 1
  fi
  rm -rf "$cache"
  mv "$staging" "$cache" 2>/dev/null || rm -rf "$staging"
fi

export PATH="$bin:$PATH"
exec "$@"
