#!/usr/bin/env bash
# Re-vendor Kuyakusho's static front-end assets from the npm registry.
#
# Maintainer tool: NOT run at build time. Run it by hand to update the files
# under kuyakusho/core/static/vendor/, review the diff, and commit.
#
#   scripts/vendor-assets.sh
#
# Requirements: bash, node + npm (npm 9+ for --pack-destination), tar.
# Only the npm registry is contacted (via `npm pack`); no CDN, no GitHub.
#
# To update a package: change its version below, set its *_INTEGRITY to the
# value printed by `npm view <name>@<version> dist.integrity`, run the script,
# then check the output of the final self-check and the git diff.
set -euo pipefail

# ---------------------------------------------------------------------------
# Pinned versions (and the registry's sha512 integrity of each tarball)
# ---------------------------------------------------------------------------
TOKENS_PKG="@digital-go-jp/design-tokens"
TOKENS_VERSION="1.1.9"
TOKENS_INTEGRITY="sha512-93zW/Gb4/pwb63W7r8RHWQdbLGap4heHt5unQQjaqP1OlPqRif146tvqtyJ2xPcot3pnndFY3ph1DC0Crwp6bg=="

HTMX_PKG="htmx.org"
HTMX_VERSION="2.0.11"
HTMX_INTEGRITY="sha512-Thx/WtpeOQqSrqBCw/A1cwGJGg4UrVa3+sW0GmrM3p4gJgO89ecH4qtbnyzDDWFvBTqjnIMCgELTNt636dtamA=="

SSE_PKG="htmx-ext-sse"
SSE_VERSION="2.2.4"
SSE_INTEGRITY="sha512-LJmxVhykyflBWgh5PvbRidcyuqMHlgfajmmzumvKctv9puvsufeH6OaejSMZTNTnEI8O2wXXn4ZZtBdpEMqmEQ=="

FONT_PKG="@fontsource-variable/noto-sans-jp"
FONT_VERSION="5.3.1"
FONT_INTEGRITY="sha512-/anGvJFc5y36f8DJ+3TSh2+KAvaRLA9PaLUMvneeY5s4j8m+8X4F3lE/sjTuG9YI5BX4sykvCk4TuJMG7ecMRQ=="

LEAFLET_PKG="leaflet"
LEAFLET_VERSION="1.9.4"
LEAFLET_INTEGRITY="sha512-nxS1ynzJOmOlHp+iL3FyWqK89GtNL8U8rvlMOsQdTTssxZwCXh8N2NB3GDQOL+YR3XnWyZAxwQixURb+FA74PA=="

# Family name used in the generated @font-face rules. It matches the first
# entry of --font-family-sans in the design tokens ('Noto Sans JP'), so
# `font-family: var(--font-family-sans)` picks up the self-hosted font.
FONT_FAMILY_NAME="Noto Sans JP"

# ---------------------------------------------------------------------------
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENDOR_DIR="${REPO_ROOT}/kuyakusho/core/static/vendor"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/kuyakusho-vendor.XXXXXX")"
cleanup() { rm -rf "${WORK}"; }
trap cleanup EXIT

log() { printf '==> %s\n' "$*"; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

command -v npm >/dev/null || die "npm is required"
command -v node >/dev/null || die "node is required"

# fetch NAME VERSION INTEGRITY DIRNAME: npm pack, check the sha512, unpack into ${WORK}/DIRNAME.
source "$(dirname "${BASH_SOURCE[0]}")/npm-fetch.sh"

# strip_sourcemaps FILE...: remove sourceMappingURL comments (the .map files
# are not vendored, so the browser and Django's ManifestStaticFilesStorage
# must not try to resolve them).
strip_sourcemaps() {
  local f
  for f in "$@"; do
    sed -i -E \
      -e 's#[[:space:]]*//[#@][[:space:]]*sourceMappingURL=[^[:space:]]*[[:space:]]*$##' \
      -e 's#[[:space:]]*/\*[#@][[:space:]]*sourceMappingURL=[^*]*\*/##' \
      "${f}"
  done
}

fetch "${TOKENS_PKG}" "${TOKENS_VERSION}" "${TOKENS_INTEGRITY}" tokens
fetch "${HTMX_PKG}"   "${HTMX_VERSION}"   "${HTMX_INTEGRITY}"   htmx
fetch "${SSE_PKG}"    "${SSE_VERSION}"    "${SSE_INTEGRITY}"    sse
fetch "${FONT_PKG}"   "${FONT_VERSION}"   "${FONT_INTEGRITY}"   font
fetch "${LEAFLET_PKG}" "${LEAFLET_VERSION}" "${LEAFLET_INTEGRITY}" leaflet

# Assemble everything in ${WORK}/out first, then swap it into the repo.
OUT="${WORK}/out"
mkdir -p "${OUT}/design-tokens" "${OUT}/htmx/ext" "${OUT}/fonts/noto-sans-jp/files"

# ---------------------------------------------------------------------------
# 1. Digital Agency design tokens
# ---------------------------------------------------------------------------
log "design tokens ${TOKENS_VERSION}"
cp "${WORK}/tokens/dist/tokens.css" "${OUT}/design-tokens/tokens.css"
cp "${WORK}/tokens/LICENSE" "${OUT}/design-tokens/LICENSE"
strip_sourcemaps "${OUT}/design-tokens/tokens.css"
cat > "${OUT}/design-tokens/README.md" <<EOF
# Digital Agency design tokens (デジタル庁デザインシステム デザイントークン)

デジタル庁デザインシステムをもとに作成
(Based on the Digital Agency Design System.)

- Package: \`${TOKENS_PKG}\` (npm)
- Version: ${TOKENS_VERSION}
- Licence: MIT, Copyright (c) 2023 デジタル庁 (see \`LICENSE\`)
- Upstream: https://github.com/digital-go-jp/design-tokens
- Files: \`tokens.css\` is the package's \`dist/tokens.css\`, unmodified: every
  token as a CSS custom property on \`:root\`. (The package also ships
  \`dist/tokens-simple.css\`, a subset with only colours, font families and
  elevation, which is not vendored.)

What \`tokens.css\` contains: primitive colour scales
(\`--color-primitive-{blue,light-blue,cyan,green,lime,yellow,orange,red,magenta,purple}-{50..1200}\`),
neutrals (\`--color-neutral-white\`, \`--color-neutral-black\`,
\`--color-neutral-solid-gray-*\`, \`--color-neutral-opacity-gray-*\`),
semantic success/error/warning colours (\`--color-semantic-*\`),
\`--font-family-sans\`, \`--font-family-mono\`, \`--font-weight-400/700\`,
\`--font-size-*\`, \`--line-height-*\`, \`--border-radius-*\`, \`--elevation-1..8\`.

What it does NOT contain (in this version): spacing tokens, a focus-ring
colour, semantic "primary"/link colours, and composite typography tokens such
as "Std-16N-170". Compose those from the primitives (e.g. Std-16N-170 =
\`--font-size-16\` + \`--font-weight-400\` + \`--line-height-170\`).

\`--font-family-sans\` starts with 'Noto Sans JP', which is self-hosted in
\`../fonts/noto-sans-jp/\`.

Regenerate with \`scripts/vendor-assets.sh\`.
EOF

# ---------------------------------------------------------------------------
# 2. htmx 2.x + SSE extension
# ---------------------------------------------------------------------------
log "htmx ${HTMX_VERSION}, htmx-ext-sse ${SSE_VERSION}"
[[ "${HTMX_VERSION}" == 2.* ]] || die "htmx must stay on 2.x (the SSE extension targets htmx 2)"
cp "${WORK}/htmx/dist/htmx.min.js" "${OUT}/htmx/htmx.min.js"
cp "${WORK}/htmx/LICENSE" "${OUT}/htmx/LICENSE"
cp "${WORK}/sse/dist/sse.js" "${OUT}/htmx/ext/sse.js"
cp "${WORK}/sse/LICENSE" "${OUT}/htmx/ext/LICENSE"
strip_sourcemaps "${OUT}/htmx/htmx.min.js" "${OUT}/htmx/ext/sse.js"
cat > "${OUT}/htmx/README.md" <<EOF
# htmx

- \`htmx.min.js\`: npm package \`${HTMX_PKG}\` ${HTMX_VERSION}, file \`dist/htmx.min.js\`.
  Licence: 0BSD (Zero-Clause BSD), see \`LICENSE\`. Upstream: https://htmx.org/
- \`ext/sse.js\`: npm package \`${SSE_PKG}\` ${SSE_VERSION} (Server-Sent Events
  extension for htmx 2), file \`dist/sse.js\` (unminified). Licence: 0BSD,
  Copyright (c) 2023 Alexander Petros, see \`ext/LICENSE\`.
  Upstream: https://htmx.org/extensions/sse/

Load order: \`htmx.min.js\` first, then \`ext/sse.js\`, then use
\`hx-ext="sse"\` with \`sse-connect\` / \`sse-swap\`.

Regenerate with \`scripts/vendor-assets.sh\`.
EOF

# ---------------------------------------------------------------------------
# 3. Noto Sans JP (variable, wght axis, normal style only, woff2 only)
# ---------------------------------------------------------------------------
log "Noto Sans JP (${FONT_PKG} ${FONT_VERSION})"
FONT_OUT="${OUT}/fonts/noto-sans-jp"
# Generate noto-sans-jp.css from the package's wght.css (normal style, all
# unicode-range subsets) and copy exactly the woff2 files it references.
node - "${WORK}/font/wght.css" "${FONT_OUT}/noto-sans-jp.css" "${FONT_FAMILY_NAME}" \
       "${FONT_PKG}" "${FONT_VERSION}" > "${WORK}/font-files.txt" <<'NODE'
const fs = require("fs");
const [src, dest, family, pkg, version] = process.argv.slice(2);
const css = fs.readFileSync(src, "utf8");
const blocks = [...css.matchAll(/(?:\/\*\s*([^*]*?)\s*\*\/\s*)?@font-face\s*\{([^}]*)\}/g)];
if (blocks.length === 0) throw new Error("no @font-face rules found in " + src);
const files = [];
const out = [
  `/* Noto Sans JP (variable font, wght 100-900, normal style), self-hosted.`,
  ` * From npm package ${pkg} ${version}; generated by scripts/vendor-assets.sh.`,
  ` * Licence: SIL Open Font License 1.1, see LICENSE in this folder.`,
  ` * One @font-face per unicode-range subset: the browser downloads only the`,
  ` * subsets a page uses. URLs are relative, for Django staticfiles. */`,
  ``,
];
for (const [, comment, body] of blocks) {
  const prop = (name) => {
    const m = body.match(new RegExp(`(?:^|;|\\s)${name}\\s*:\\s*([^;]+);`));
    return m ? m[1].trim() : null;
  };
  if ((prop("font-style") || "normal") !== "normal") continue;
  const srcDecl = prop("src");
  const range = prop("unicode-range");
  const weight = prop("font-weight");
  const m = srcDecl && srcDecl.match(/url\((['"]?)(?:\.\/)?files\/([^'")]+\.woff2)\1\)/);
  if (!m) throw new Error("no woff2 url in rule: " + body);
  if (!range) throw new Error("no unicode-range in rule: " + body);
  const file = m[2];
  if (!/^[A-Za-z0-9._-]+-wght-normal\.woff2$/.test(file)) throw new Error("unexpected file " + file);
  files.push(file);
  const url = `url(files/${file})`;
  out.push(
    `/* ${comment || file} */`,
    `@font-face {`,
    `  font-family: '${family}';`,
    `  font-style: normal;`,
    `  font-display: swap;`,
    `  font-weight: ${weight || "100 900"};`,
    `  src: ${url} format('woff2-variations'), ${url} format('woff2');`,
    `  unicode-range: ${range};`,
    `}`,
    ``,
  );
}
fs.writeFileSync(dest, out.join("\n"));
process.stdout.write(files.join("\n") + "\n");
NODE
while IFS= read -r f; do
  [[ -n "${f}" ]] || continue
  cp "${WORK}/font/files/${f}" "${FONT_OUT}/files/${f}"
done < "${WORK}/font-files.txt"
cp "${WORK}/font/LICENSE" "${FONT_OUT}/LICENSE"
n_fonts="$(grep -c . "${WORK}/font-files.txt")"
font_kb="$(du -sk --apparent-size "${FONT_OUT}/files" | cut -f1)"
cat > "${FONT_OUT}/README.md" <<EOF
# Noto Sans JP (self-hosted web font)

- Package: \`${FONT_PKG}\` ${FONT_VERSION} (npm, Fontsource; Google Fonts
  release $(node -p 'require(process.argv[1]).version' "${WORK}/font/metadata.json"))
- Licence: SIL Open Font License 1.1 (OFL-1.1), Copyright Google Inc., see \`LICENSE\`.
- Upstream: https://fontsource.org/fonts/noto-sans-jp
- Contents: \`files/\` holds the ${n_fonts} woff2 files of the variable font
  (wght axis 100-900, normal style only; no italic, no woff), one per
  unicode-range subset (${font_kb} KiB in total). Browsers only download
  the subsets a page needs.
- \`noto-sans-jp.css\` is generated from the package's \`wght.css\`: the
  family is renamed from 'Noto Sans JP Variable' to '${FONT_FAMILY_NAME}' (so
  it matches \`--font-family-sans\` of the design tokens), URLs are relative
  (\`files/...\`), \`font-display: swap\`.

Usage: link \`vendor/fonts/noto-sans-jp/noto-sans-jp.css\`, then
\`font-family: var(--font-family-sans)\` or \`'${FONT_FAMILY_NAME}', sans-serif\`.

Regenerate with \`scripts/vendor-assets.sh\`.
EOF

# ---------------------------------------------------------------------------
# 4. Leaflet (maps of offices; the ward boundary is ours, tiles only when configured)
# ---------------------------------------------------------------------------
log "Leaflet ${LEAFLET_VERSION}"
mkdir -p "${OUT}/leaflet/images"
cp "${WORK}/leaflet/dist/leaflet.js" "${WORK}/leaflet/dist/leaflet.css" "${OUT}/leaflet/"
cp "${WORK}/leaflet/dist/images/"*.png "${OUT}/leaflet/images/"
cp "${WORK}/leaflet/LICENSE" "${OUT}/leaflet/LICENSE"
strip_sourcemaps "${OUT}/leaflet/leaflet.js"
cat > "${OUT}/leaflet/README.md" <<EOF
# Leaflet

- Package: \`${LEAFLET_PKG}\` ${LEAFLET_VERSION} (npm), files \`dist/leaflet.js\`, \`dist/leaflet.css\`,
  \`dist/images/\`. Licence: BSD-2-Clause, see \`LICENSE\`. Upstream: https://leafletjs.com/
- The files mention addresses that are never fetched: the attribution control's link to
  leafletjs.com (our maps turn that prefix off), the SVG namespace and comments in the CSS.

Regenerate with \`scripts/vendor-assets.sh\`.
EOF

# ---------------------------------------------------------------------------
# Top-level index
# ---------------------------------------------------------------------------
cat > "${OUT}/README.md" <<EOF
# Vendored front-end assets

Third-party files served as Django static files (WhiteNoise). Do not edit by
hand: regenerate with \`scripts/vendor-assets.sh\` (pinned versions below).

| folder | npm package | version | licence |
| --- | --- | --- | --- |
| \`design-tokens/\` | \`${TOKENS_PKG}\` | ${TOKENS_VERSION} | MIT |
| \`htmx/\` | \`${HTMX_PKG}\` | ${HTMX_VERSION} | 0BSD |
| \`htmx/ext/\` | \`${SSE_PKG}\` | ${SSE_VERSION} | 0BSD |
| \`fonts/noto-sans-jp/\` | \`${FONT_PKG}\` | ${FONT_VERSION} | OFL-1.1 |
| \`leaflet/\` | \`${LEAFLET_PKG}\` | ${LEAFLET_VERSION} | BSD-2-Clause |

デジタル庁デザインシステムをもとに作成 (Based on the Digital Agency Design System).
EOF

# ---------------------------------------------------------------------------
# Self-check: nothing a browser would fetch from another origin, no source
# maps, no @import.
# ---------------------------------------------------------------------------
log "checking for external references"
bad=0
# (Leaflet's attribution link, the SVG namespace and CSS comments are text, never fetched: leaflet/README.md.)
if grep -rEn --include='*.css' --include='*.js' 'https?://' "${OUT}" \
    | grep -vE '^[^:]*/leaflet/leaflet\.(js|css):'; then
  echo "  ^ http(s) URL found in vendored CSS/JS" >&2; bad=1
fi
if grep -rEn --include='*.css' --include='*.js' 'sourceMappingURL' "${OUT}"; then
  echo "  ^ sourceMappingURL found" >&2; bad=1
fi
if grep -rEn --include='*.css' '@import' "${OUT}"; then
  echo "  ^ @import found in CSS" >&2; bad=1
fi
# Every url() in the font CSS must point to a file that exists.
while IFS= read -r u; do
  [[ -f "${FONT_OUT}/${u}" ]] || { echo "missing font file: ${u}" >&2; bad=1; }
done < <(grep -oE 'url\([^)]*\)' "${FONT_OUT}/noto-sans-jp.css" | sed -E 's/^url\(//; s/\)$//' | sort -u)
[[ "${bad}" == 0 ]] || die "self-check failed; the repository was not changed"

# ---------------------------------------------------------------------------
# Install into the repository (replacing only the folders this script owns)
# ---------------------------------------------------------------------------
log "installing into ${VENDOR_DIR}"
mkdir -p "${VENDOR_DIR}/fonts"
rm -rf "${VENDOR_DIR}/design-tokens" "${VENDOR_DIR}/htmx" "${VENDOR_DIR}/fonts/noto-sans-jp" "${VENDOR_DIR}/leaflet"
cp -R "${OUT}/design-tokens" "${VENDOR_DIR}/design-tokens"
cp -R "${OUT}/htmx" "${VENDOR_DIR}/htmx"
cp -R "${OUT}/fonts/noto-sans-jp" "${VENDOR_DIR}/fonts/noto-sans-jp"
cp -R "${OUT}/leaflet" "${VENDOR_DIR}/leaflet"
cp "${OUT}/README.md" "${VENDOR_DIR}/README.md"

log "done: $(du -sh "${VENDOR_DIR}" | cut -f1) in ${VENDOR_DIR#"${REPO_ROOT}"/}"
