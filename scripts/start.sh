#!/usr/bin/env bash
# `npm start`: the main job on its local default. Installs what is missing, brings up the
# local services and prints their status.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/ensure-deps.sh

ensure_node_modules
node bin/meshrag.mjs local up
node bin/meshrag.mjs local status
