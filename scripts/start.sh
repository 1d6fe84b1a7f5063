#!/usr/bin/env bash
# `npm start`: the main job on its local default. Installs what is missing, brings up the
# whole pipeline (Kafka, Chroma, the embedder, the consumer), ingests the sample corpus, waits
# until the consumer has indexed it, and prints the top hits for a query.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/ensure-deps.sh

ensure_node_modules
node bin/meshrag.mjs local up
node bin/meshrag.mjs local status
node bin/meshrag.mjs ingest samples/corpus.jsonl --wait
node bin/meshrag.mjs stats
query="${MESHRAG_QUERY:-how does Kafka keep acknowledged writes when a broker fails?}"
echo "top hits for: ${query}"
node bin/meshrag.mjs query "${query}" -k 5
echo "stop everything with: node bin/meshrag.mjs local down"
