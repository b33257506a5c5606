#!/usr/bin/env bash
# Re-vendor the planning area's chart library (Apache ECharts) from the npm registry.
#
# Maintainer tool: NOT run at build time. Run it by hand to update
# kuyakusho/planning/static/planning/vendor/echarts/, review the diff, and commit.
#
# Requirements: bash, node + npm (npm 9+), tar. Only the npm registry is contacted (`npm pack`).
set -euo pipefail

ECHARTS_PKG="echarts"
ECHARTS_VERSION="5.6.0"
ECHARTS_INTEGRITY="sha512-oTbVTsXfKuEhxftHqL5xprgLoc0k7uScAwtryCgWF6hPYFLRwOUHiFmHGCBKP5NPFNkDVopOieyUqYGH8Fa3kA=="

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="${REPO_ROOT}/kuyakusho/planning/static/planning/vendor/echarts"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/kuyakusho-vendor.XXXXXX")"
cleanup() { rm -rf "${WORK}"; }
trap cleanup EXIT
log() { printf '==> %s\n' "$*"; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }
command -v npm >/dev/null || die "npm is required"
command -v node >/dev/null || die "node is required"

source "$(dirname "${BASH_SOURCE[0]}")/npm-fetch.sh"
fetch "${ECHARTS_PKG}" "${ECHARTS_VERSION}" "${ECHARTS_INTEGRITY}" echarts

mkdir -p "${OUT}"
cp "${WORK}/echarts/dist/echarts.min.js" "${OUT}/echarts.min.js"
cp "${WORK}/echarts/LICENSE" "${OUT}/LICENSE"
cp "${WORK}/echarts/NOTICE" "${OUT}/NOTICE"
sed -i -E 's#[[:space:]]*//[#@][[:space:]]*sourceMappingURL=[^[:space:]]*[[:space:]]*$##' "${OUT}/echarts.min.js"
cat > "${OUT}/README.md" <<EOT
# Apache ECharts

- \`echarts.min.js\`: npm package \`${ECHARTS_PKG}\` ${ECHARTS_VERSION}, file \`dist/echarts.min.js\`
  (source map comment removed). Tarball integrity ${ECHARTS_INTEGRITY}.
- Licence: Apache-2.0, see \`LICENSE\` and \`NOTICE\`. Upstream: https://echarts.apache.org/
- Used by the planning area's charts (\`../../charts.js\`); every chart is drawn beside a data table.

Regenerate with \`scripts/vendor-planning-assets.sh\`.
EOT
log "done: ${OUT}"
