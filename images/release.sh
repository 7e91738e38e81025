#!/usr/bin/env bash
# `make release REGISTRY=host[:port]/path [VERSION=x.y.z]`: a release a cluster can pull, in two stages.
#
#   1. Compile the binary that goes into the images (it embeds no image reference: an image cannot contain its own
#      digest), build the three OCI images reproducibly (images/build.sh) and push them with skopeo, keeping their
#      digests (--preserve-digests; the pushed digest is checked against the built one).
#   2. Compile the CLI with the pushed references pinned by digest (CONTRAST_{COORDINATOR,INITIALIZER,NODE_INSTALLER}_IMAGE),
#      so `generate` knows the product's own images without asking a registry.
#
# Output: dist/release/contrast (the CLI to ship), dist/release/images.txt (`<name>\t<reference>`), the OCI layouts in
# dist/release/images/ (RELEASE_OUT=dir elsewhere). The same commit, VERSION and SOURCE_DATE_EPOCH (default: the
# commit time) give the same digests on the same build host (the images carry the host's glibc, see images/README.md).
#
# Registry credentials are skopeo's own: an auth file (AUTHFILE=path → --dest-authfile; else skopeo's defaults
# $REGISTRY_AUTH_FILE, ${XDG_RUNTIME_DIR}/containers/auth.json, ~/.docker/config.json), or REGISTRY_CREDS=user:password
# in the environment (→ --dest-creds; note that it is then visible in the process list while skopeo runs). Nothing
# here prints a credential: no `set -x`, no command lines echoed. TLS_VERIFY=false allows a plain-http registry.
set -euo pipefail
cd "$(dirname "$0")/.."

BUN=node_modules/.bin/bun
OUT=${RELEASE_OUT:-dist/release}
: "${REGISTRY:?release: REGISTRY=host[:port]/path is required, e.g. make release REGISTRY=ghcr.io/you/contrast}"
VERSION=${VERSION:-$(node -p "require('./package.json').version")}
COMMIT=$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
# A tree with uncommitted changes is not what the commit names: say so in the binary (contrast --version).
[ -z "$(git status --porcelain 2>/dev/null)" ] || COMMIT="$COMMIT-dirty"
EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || echo 0)}
BUILT=$(date -u -d "@$EPOCH" +%Y-%m-%dT%H:%M:%SZ)
NAMES=(coordinator initializer node-installer service-mesh)

fail() { echo "release: $*" >&2; exit 1; }
# The registry path and tag grammar of distribution/reference (lower-case repository components, tag [\w.-]{1,128}).
[[ "$REGISTRY" =~ ^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[0-9]{1,5})?(/[a-z0-9]+([._-][a-z0-9]+)*)*$ ]] ||
  fail "REGISTRY expected host[:port][/lower-case/path] without a scheme, got '$REGISTRY'"
[[ "$VERSION" =~ ^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$ ]] || fail "VERSION expected an image tag [A-Za-z0-9_.-], got '$VERSION'"
for tool in skopeo umoci ldd node git; do command -v "$tool" >/dev/null || fail "$tool not found (apt-get install skopeo umoci)"; done
[ -x "$BUN" ] || fail "$BUN missing (npm ci)"

push_flags=(--quiet --preserve-digests)
[ "${TLS_VERIFY:-true}" = false ] && push_flags+=(--dest-tls-verify=false)
[ -n "${AUTHFILE:-}" ] && push_flags+=(--dest-authfile "$AUTHFILE")
[ -n "${REGISTRY_CREDS:-}" ] && push_flags+=(--dest-creds "$REGISTRY_CREDS")

compile() { # outfile, extra --define arguments...
  local out=$1; shift
  mkdir -p "$(dirname "$out")"
  # The output's base name is embedded in the binary: keep it `contrast` so stage 1 equals `make build`'s binary.
  # The flags of `make build` (Makefile COMPILE_FLAGS).
  "$BUN" build --compile --splitting --bytecode --format=esm src/main.ts --outfile "$out" \
    --define "CONTRAST_VERSION=\"$VERSION\"" --define "CONTRAST_COMMIT=\"$COMMIT\"" \
    --define "CONTRAST_BUILD_TIME=\"$BUILT\"" \
    --define "CONTRAST_LOCK_SUFFIXES=\"$("$BUN" tools/lock-suffixes.ts)\"" "$@" >/dev/null
}

# The node-installer image carries runtime/artifacts/ as its own layer; its bytes must be the ones the locks pin,
# else every node would refuse them. Unpinned entries are allowed (and listed at the end): the node-installer refuses
# those platforms until a release provides them.
"$BUN" runtime/pin-artifacts.ts --check >/dev/null ||
  fail "runtime/artifacts/ does not match runtime/locks/: run make runtime-pin, commit the locks, then release"

rm -rf "$OUT/stage1" "$OUT/images" "$OUT/contrast" "$OUT/images.txt" # only what this script writes: OUT may be shared
echo "release: stage 1: the binary inside the images ($VERSION, $COMMIT, source date $BUILT)"
compile "$OUT/stage1/contrast"
built=$(CONTRAST_BIN="$OUT/stage1/contrast" IMAGES_OUT="$OUT/images" IMAGE_TAG="$VERSION" SOURCE_DATE_EPOCH="$EPOCH" \
  bash images/build.sh "${NAMES[@]}" | grep -E $'^[a-z-]+\t')

declare -A refs
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for name in "${NAMES[@]}"; do
  local_digest=$(awk -F'\t' -v n="$name" '$1 == n { sub(/.*@/, "", $2); print $2 }' <<<"$built")
  [[ "$local_digest" =~ ^sha256:[0-9a-f]{64}$ ]] || fail "images/build.sh printed no digest for $name"
  dest="$REGISTRY/$name:$VERSION"
  echo "release: push $dest"
  skopeo copy "${push_flags[@]}" --digestfile "$tmp/$name" "oci:$OUT/images/$name:$VERSION" "docker://$dest" ||
    fail "skopeo could not push $dest (credentials: AUTHFILE, REGISTRY_CREDS or skopeo login; TLS_VERIFY=false for http)"
  pushed=$(cat "$tmp/$name")
  [ "$pushed" = "$local_digest" ] || fail "$dest: pushed digest expected $local_digest, got $pushed"
  refs[$name]="$dest@$pushed"
done

echo "release: stage 2: the CLI with the pushed images pinned by digest"
compile "$OUT/contrast" \
  --define "CONTRAST_COORDINATOR_IMAGE=\"${refs[coordinator]}\"" \
  --define "CONTRAST_INITIALIZER_IMAGE=\"${refs[initializer]}\"" \
  --define "CONTRAST_NODE_INSTALLER_IMAGE=\"${refs[node-installer]}\"" \
  --define "CONTRAST_SERVICE_MESH_IMAGE=\"${refs[service-mesh]}\""
for name in "${NAMES[@]}"; do printf '%s\t%s\n' "$name" "${refs[$name]}"; done | tee "$OUT/images.txt"

# What the node-installer image cannot install yet: lock entries without integrity are refused on the node.
"$BUN" runtime/pin-artifacts.ts --unpinned >&2 || true
echo "release: done: $OUT/contrast (its --version lists the pinned images)"
