# Sourced by scripts/vendor-assets.sh and scripts/vendor-test-assets.sh (not run on its own).
# Expects WORK (a scratch folder) and the functions log and die.
#
# fetch NAME VERSION INTEGRITY DIRNAME
# Downloads the package tarball with `npm pack` (no install, no lifecycle
# scripts, no dependencies), verifies its sha512 and unpacks it into
# ${WORK}/DIRNAME (the tarball's top-level "package/" folder is stripped).
fetch() {
  local name="$1" version="$2" integrity="$3" dir="$4"
  local dest="${WORK}/tarballs"
  mkdir -p "${dest}" "${WORK}/${dir}"
  log "npm pack ${name}@${version}"
  local tgz
  tgz="$(cd "${WORK}" && npm pack "${name}@${version}" --pack-destination "${dest}" \
          --silent --ignore-scripts --no-fund --no-audit | tail -n 1)"
  tgz="${dest}/${tgz}"
  [[ -f "${tgz}" ]] || die "npm pack did not produce a tarball for ${name}@${version}"
  local actual
  actual="sha512-$(node -e '
    const fs = require("fs"), crypto = require("crypto");
    process.stdout.write(crypto.createHash("sha512").update(fs.readFileSync(process.argv[1])).digest("base64"));
  ' "${tgz}")"
  [[ "${actual}" == "${integrity}" ]] \
    || die "integrity mismatch for ${name}@${version}: expected ${integrity}, got ${actual}"
  tar -xzf "${tgz}" -C "${WORK}/${dir}" --strip-components=1
  local got
  got="$(node -p 'require(process.argv[1]).version' "${WORK}/${dir}/package.json")"
  [[ "${got}" == "${version}" ]] || die "${name}: expected version ${version}, tarball has ${got}"
}
