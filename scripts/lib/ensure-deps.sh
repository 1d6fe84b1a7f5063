# Installs npm packages with `npm ci` when node_modules is missing or older than the lockfile
# (always in CI), so the README's commands work on a fresh clone.
ensure_node_modules() {
  if [[ "${CI:-}" == "true" || ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
    echo "meshrag: installing npm packages (npm ci)"
    npm ci --no-audit --no-fund
  fi
}
