#!/usr/bin/env bash
# CI leg for the test harness's third way: the contract suite on Redis (standalone and cluster) and PostgreSQL, with
# every backend served by testcontainers (OAUTH_STORE_TEST_WAY=testcontainers, so nothing may fall back to a local
# server or a URL), then a check of the harness's report that testcontainers really served each one.
#
# Prepares Docker from nothing (scripts/docker/prepare.sh), runs jest on Node >= 22.22 (testcontainers 12 needs it;
# the npm `node` package provides it when the Node on PATH is older), and leaves nothing running: the harness's
# containers are stopped by the jest teardown, any left are removed here, and dockerd is stopped if this script
# started it.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n--- testcontainers leg: %s (%ss)\n' "$1" "$SECONDS"; }

dockerd_was_running=0
docker info >/dev/null 2>&1 && dockerd_was_running=1

report="$(mktemp /tmp/oauth-store-testcontainers-report.XXXXXX)"
cleanup() {
  local status=$?
  set +e
  if docker info >/dev/null 2>&1; then
    leftovers="$(docker ps -aq --filter label=oauth-store.test-servers=true)"
    if [ -n "$leftovers" ]; then
      echo "removing containers the run left: $leftovers" >&2
      docker rm -f -v $leftovers >/dev/null
      [ "$status" -eq 0 ] && status=1
    fi
    networks="$(docker network ls -q --filter label=oauth-store.test-servers=true)"
    [ -n "$networks" ] && docker network rm $networks >/dev/null
  fi
  if [ "$dockerd_was_running" -eq 0 ] && [ -s /var/run/docker.pid ]; then
    pid="$(cat /var/run/docker.pid)"
    kill "$pid" 2>/dev/null
    for _ in $(seq 1 200); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then
      echo "dockerd ($pid) did not stop within 20 s" >&2
      status=1
    else
      echo "stopped dockerd ($pid)"
    fi
  fi
  # Nothing of the leg may outlive it: no engine it started, no container runtime, no image build.
  if [ "$dockerd_was_running" -eq 0 ]; then
    survivors="$(for name in dockerd containerd containerd-shim docker-proxy runc; do pgrep -a -x "$name"; done || true)"
  else
    survivors=""
  fi
  survivors+="$(pgrep -a -f 'docker (build|buildx)|debootstrap' || true)"
  if [ -n "$survivors" ]; then
    echo "still running after the testcontainers leg:" >&2
    echo "$survivors" >&2
    status=1
  fi
  rm -f "$report"
  exit "$status"
}
trap cleanup EXIT

step "prepare docker"
bash scripts/docker/prepare.sh redis postgres

step "node >= 22.22"
# testcontainers 12 needs it. The Node on PATH if new enough (.ci/run may have put a newer line there), else Node 22
# from the npm registry's `node` package.
if node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 22 || (a === 22 && b >= 22) ? 0 : 1)'; then
  NODE_BIN="$(node -p process.execPath)"
else
  NODE_BIN="$(npx -y node@22 -p process.execPath)"
fi
echo "$("$NODE_BIN" --version) at $NODE_BIN"

step "contract suite via testcontainers"
# OAUTH_STORE_CONTAINER_BACKENDS: the container checks cover the images prepared above (DynamoDB Local's is not).
OAUTH_STORE_TEST_WAY=testcontainers OAUTH_STORE_TEST_REPORT="$report" CI=true \
  OAUTH_STORE_CONTAINER_BACKENDS=redis,redis-cluster,postgres \
  "$NODE_BIN" scripts/run-jest.mjs \
  packages/test-servers/test/containers \
  packages/redis/test/contract.test.ts \
  packages/postgres/test/contract.test.ts

step "which way served each backend"
# The contract tests above would also pass on a local server; this is what proves the containers served them.
node - "$report" <<'JS'
const lines = require('node:fs').readFileSync(process.argv[2], 'utf8').trim().split('\n').filter(Boolean);
const served = lines.map((line) => JSON.parse(line));
for (const entry of served) console.log(`${entry.backend}: ${entry.way} in ${entry.startMs} ms (${entry.description})`);
const wrong = served.filter((entry) => entry.way !== 'testcontainers');
const missing = ['redis', 'redis-cluster', 'postgres'].filter((name) => !served.some((entry) => entry.backend === name));
if (wrong.length || missing.length) {
  console.error(`not served by testcontainers: ${[...wrong.map((e) => `${e.backend} (${e.way})`), ...missing.map((m) => `${m} (never served)`)].join(', ')}`);
  process.exit(1);
}
console.log('every backend was served by testcontainers');
JS

step "done"
