#!/usr/bin/env bash
# Builds the OCI images from images/Containerfile.* with umoci (no daemon) into dist/images/<name>, prints digests.
#
# Usage: images/build.sh [name...]     (default: coordinator initializer node-installer)
# Needs: dist/contrast (make build), umoci, skopeo, ldd. Supports the Containerfile subset used here:
# FROM scratch, COPY <src> <dst> (one layer each, src relative to the build context), ENTRYPOINT/CMD as JSON arrays.
# File times are pinned to the last commit's time (or SOURCE_DATE_EPOCH), so the same inputs give the same digests.
# Overrides (images/release.sh): CONTRAST_BIN (binary to package), IMAGES_OUT (output dir), IMAGE_TAG (tag).
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=${CONTRAST_BIN:-dist/contrast}
OUT=${IMAGES_OUT:-dist/images}
CTX=$OUT/context
VERSION=${IMAGE_TAG:-$(node -p "require('./package.json').version")}
EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || echo 0)}
CREATED=$(date -u -d "@$EPOCH" +%Y-%m-%dT%H:%M:%SZ)
names=("$@")
[ ${#names[@]} -gt 0 ] || names=(coordinator initializer node-installer service-mesh)

for tool in umoci skopeo ldd; do
  command -v "$tool" >/dev/null || { echo "images: $tool not found (apt-get install umoci skopeo)" >&2; exit 1; }
done
[ -x "$BIN" ] || { echo "images: $BIN missing (make build)" >&2; exit 1; }

# Build context: base/ = the shared libraries the Bun binary loads (resolved from ldd) and an empty /tmp;
# contrast = the binary; artifacts/ = runtime artifacts placed by the release pipeline (runtime/artifacts/).
rm -rf "$CTX"
mkdir -p "$CTX/base/tmp" "$CTX/artifacts"
chmod 1777 "$CTX/base/tmp"
ldd "$BIN" | awk '/=>/ { print $3 } !/=>/ && $1 ~ /^\// { print $1 }' | while read -r lib; do
  [ -n "$lib" ] || continue
  mkdir -p "$CTX/base$(dirname "$lib")"
  cp -L "$lib" "$CTX/base$lib"
done
cp "$BIN" "$CTX/contrast"
# netfilter/ (service-mesh, coordinator and initializer images): Debian's iptables with the nf_tables backend, i.e.
# the multi-call binary under the names our code runs, the libraries it links that base/ lacks, and the xtables
# modules it loads at run time. The sidecar installs its inbound rules with it; all three lift the guest's
# default-deny rule with it (src/netfilter/default-deny.ts). One layer, the same bytes in each image.
mkdir -p "$CTX/netfilter"
needs_netfilter=false
for n in "${names[@]}"; do case $n in service-mesh|coordinator|initializer) needs_netfilter=true ;; esac; done
if $needs_netfilter; then
  xt=$(command -v xtables-nft-multi || true)
  [ -n "$xt" ] || { echo "images: xtables-nft-multi not found (apt-get install iptables)" >&2; exit 1; }
  mkdir -p "$CTX/netfilter/usr/sbin"
  cp -L "$xt" "$CTX/netfilter/usr/sbin/xtables-nft-multi"
  for n in iptables iptables-restore ip6tables ip6tables-restore; do ln -s xtables-nft-multi "$CTX/netfilter/usr/sbin/$n"; done
  ldd "$xt" | awk '/=>/ { print $3 }' | while read -r lib; do
    [ -e "$CTX/base$lib" ] && continue
    mkdir -p "$CTX/netfilter$(dirname "$lib")"
    cp -L "$lib" "$CTX/netfilter$lib"
  done
  modules=/usr/lib/x86_64-linux-gnu/xtables # Debian's compiled-in XTABLES_LIBDIR
  [ -d "$modules" ] || { echo "images: $modules missing (apt-get install iptables)" >&2; exit 1; }
  mkdir -p "$CTX/netfilter$modules"
  cp -a "$modules/." "$CTX/netfilter$modules/"
fi
if [ -d runtime/artifacts ]; then cp -a runtime/artifacts/. "$CTX/artifacts/"; fi
find "$CTX" -exec touch -h -d "@$EPOCH" {} +

json_args() { # ENTRYPOINT/CMD JSON array -> one argument per line (newlines inside arguments are refused)
  node -e 'const a = JSON.parse(process.argv[1]); if (!Array.isArray(a) || a.some((x) => typeof x !== "string" || x.includes("\n"))) process.exit(1); for (const x of a) console.log(x)' "$1"
}

add_layer() { # unpack, copy, pin times, repack: one new layer whose tar has reproducible headers
  local ref=$1 src=$2 dst=$3 line=$4 bundle
  bundle=$(mktemp -d "$OUT/.bundle.XXXXXX")
  rmdir "$bundle"
  umoci unpack --image "$ref" "$bundle" >/dev/null
  if [ -d "$src" ]; then
    mkdir -p "$bundle/rootfs$dst"
    cp -a "$src/." "$bundle/rootfs$dst"
  else
    mkdir -p "$bundle/rootfs$(dirname "$dst")"
    cp -a "$src" "$bundle/rootfs$dst"
  fi
  # Pin the times of what was added and of its parent directories only; older layers stay unchanged.
  find "$bundle/rootfs$dst" -exec touch -h -d "@$EPOCH" {} +
  local d=$dst
  while [ "$d" != "/" ] && [ -n "$d" ]; do d=$(dirname "$d"); touch -h -d "@$EPOCH" "$bundle/rootfs$d"; done
  umoci repack --image "$ref" --history.created "$CREATED" --history.created_by "$line" "$bundle"
  rm -rf "$bundle"
}

build() {
  local name=$1 file=images/Containerfile.$1 layout=$OUT/$1
  local ref="$layout:$VERSION"
  [ -f "$file" ] || { echo "images: no $file" >&2; return 1; }
  rm -rf "$layout"
  umoci init --layout "$layout"
  umoci new --image "$ref"
  umoci config --image "$ref" --os linux --architecture amd64 --created "$CREATED" --no-history
  while IFS= read -r line; do
    case "$line" in
      ''|'#'*) ;;
      'FROM scratch') ;;
      FROM*) echo "images: $file: only FROM scratch is supported" >&2; return 1 ;;
      COPY*)
        read -r _ src dst <<<"$line"
        add_layer "$ref" "$CTX/$src" "$dst" "$line" ;;
      ENTRYPOINT*|CMD*)
        local kind=${line%% *} out
        out=$(json_args "${line#* }") || { echo "images: $file: $kind must be a JSON array of strings" >&2; return 1; }
        local flags=() arg
        while IFS= read -r arg; do flags+=("--config.${kind,,}" "$arg"); done <<<"$out"
        umoci config --image "$ref" --created "$CREATED" --no-history "${flags[@]}" ;;
      *) echo "images: $file: unsupported instruction: $line" >&2; return 1 ;;
    esac
  done <"$file"
  umoci gc --layout "$layout"
  local digest
  digest=$(skopeo inspect --format '{{.Digest}}' "oci:$layout")
  printf '%s\t%s@%s\n' "$name" "$layout:$VERSION" "$digest"
}

for n in "${names[@]}"; do build "$n"; done
