# Builds actionlint (the GitHub Actions workflow linter) from the Go module proxy once, into the
# project cache (<cache>/actionlint/<version>/actionlint, with Go's module and build caches
# beside it), and sets ACTIONLINT to its path. Needs the Go toolchain on the PATH. A cold build
# downloads ~10 MB of modules and compiles for about a minute on two cores; later runs reuse it.
ACTIONLINT_VERSION=v1.7.12

ensure_actionlint() {
  local cache="${MESHRAG_CACHE_DIR:-$PWD/.cache}"
  local dir="$cache/actionlint/$ACTIONLINT_VERSION"
  ACTIONLINT="$dir/actionlint"
  if [[ -x "$ACTIONLINT" ]]; then return 0; fi
  if ! command -v go >/dev/null; then
    echo "meshrag: actionlint needs the Go toolchain (go) on the PATH to build" >&2
    return 1
  fi
  echo "meshrag: building actionlint $ACTIONLINT_VERSION from the Go module proxy into $dir (once)"
  mkdir -p "$dir"
  GOBIN="$dir" GOMODCACHE="$cache/go/mod" GOCACHE="$cache/go/build" GOFLAGS=-modcacherw \
    GOTOOLCHAIN=local go install "github.com/rhysd/actionlint/cmd/actionlint@$ACTIONLINT_VERSION"
}
