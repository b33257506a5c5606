#!/usr/bin/env bash
# Re-vendor the browser tests' assets from the npm registry.
#
# Maintainer tool: NOT run at test time. Run it by hand to update the files
# under tests/e2e/vendor/, review the diff, and commit. The browser tests
# read these files from disk; nothing is downloaded while tests run.
#
#   scripts/vendor-test-assets.sh
#
# Requirements: bash, node + npm (npm 9+ for --pack-destination), tar.
# Only the npm registry is contacted (via `npm pack`); no CDN, no GitHub.
#
# To update: change AXE_VERSION below, set AXE_INTEGRITY to the value printed
# by `npm view axe-core@<version> dist.integrity`, run the script, then run
# `pytest tests/e2e/test_accessibility.py` and check the git diff.
set -euo pipefail

# ---------------------------------------------------------------------------
# Pinned versions (and the registry's sha512 integrity of each tarball)
# ---------------------------------------------------------------------------
AXE_PKG="axe-core"
AXE_VERSION="4.14.1"
AXE_INTEGRITY="sha512-FHfa+lmNjQZfJz1q8wKqIDwC6DExcHt/pkjNQb09a3NPjCKg2rhu5qb2S4r76ASyFNNtuFooJpZe37OgudVGtQ=="

# ---------------------------------------------------------------------------
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENDOR_DIR="${REPO_ROOT}/tests/e2e/vendor"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/kuyakusho-vendor-test.XXXXXX")"
cleanup() { rm -rf "${WORK}"; }
trap cleanup EXIT

log() { printf '==> %s\n' "$*"; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

command -v npm >/dev/null || die "npm is required"
command -v node >/dev/null || die "node is required"

# fetch NAME VERSION INTEGRITY DIRNAME: npm pack, check the sha512, unpack into ${WORK}/DIRNAME.
source "$(dirname "${BASH_SOURCE[0]}")/npm-fetch.sh"

fetch "${AXE_PKG}" "${AXE_VERSION}" "${AXE_INTEGRITY}" axe

OUT="${WORK}/out"
mkdir -p "${OUT}"

# ---------------------------------------------------------------------------
# axe-core: the accessibility rules engine the browser tests inject into each page
# ---------------------------------------------------------------------------
log "axe-core ${AXE_VERSION}"
cp "${WORK}/axe/axe.min.js" "${OUT}/axe.min.js"
cp "${WORK}/axe/LICENSE" "${OUT}/LICENSE"
grep -q "axe v${AXE_VERSION}" "${OUT}/axe.min.js" || die "axe.min.js does not announce version ${AXE_VERSION}"
cat > "${OUT}/README.md" <<EOF2
# Browser-test assets

Files the browser tests (tests/e2e/) load from disk. They are never served by
the site. Do not edit by hand: regenerate with \`scripts/vendor-test-assets.sh\`.

| file | npm package | version | licence |
| --- | --- | --- | --- |
| \`axe.min.js\` | \`${AXE_PKG}\` | ${AXE_VERSION} | MPL-2.0 (see \`LICENSE\`) |

- \`axe.min.js\` is the package's \`axe.min.js\`, unmodified. Upstream: https://github.com/dequelabs/axe-core
- Tarball integrity (npm registry, checked by the script):
  \`${AXE_INTEGRITY}\`
- Used by \`tests/e2e/test_accessibility.py\`, which injects it into every public and
  kiosk page and runs the WCAG 2.0/2.1 A and AA rules.
EOF2

# ---------------------------------------------------------------------------
# Install into the repository (replacing only the files this script owns)
# ---------------------------------------------------------------------------
log "installing into ${VENDOR_DIR}"
mkdir -p "${VENDOR_DIR}"
cp "${OUT}/axe.min.js" "${OUT}/LICENSE" "${OUT}/README.md" "${VENDOR_DIR}/"
log "done: $(du -sh "${VENDOR_DIR}" | cut -f1) in ${VENDOR_DIR#"${REPO_ROOT}"/}"
