#!/usr/bin/env bash
# `npm test`: sets up everything the tests need from the registries (npm packages, Kafka jars,
# the model, Chroma), then runs lint, type checks, unit and integration tests.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/ensure-deps.sh

ensure_node_modules
node bin/meshrag.mjs local fetch

npx biome ci .
npx tsc --noEmit -p tsconfig.json
npx vitest run --project unit
npx vitest run --project integration
