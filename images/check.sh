#!/usr/bin/env bash
# Builds the images (make images) and checks them: entrypoint and layer count per image via skopeo, and, as root,
# that the node-installer image's rootfs actually runs `/bin/contrast --version` (chroot with /proc mounted).
set -euo pipefail
cd "$(dirname "$0")/.."

make -s images
declare -A want_layers=([coordinator]=3 [initializer]=3 [node-installer]=3 [service-mesh]=3)
for name in coordinator initializer node-installer service-mesh; do
  cfg=$(skopeo inspect --config "oci:dist/images/$name")
  node -e '
    const [cfg, name, layers] = [JSON.parse(process.argv[1]), process.argv[2], Number(process.argv[3])];
    const ep = JSON.stringify(cfg.config.Entrypoint);
    const want = JSON.stringify(["/bin/contrast", name]);
    if (ep !== want) { console.error(`images: ${name}: entrypoint expected ${want}, got ${ep}`); process.exit(1); }
    if (cfg.rootfs.diff_ids.length !== layers) { console.error(`images: ${name}: expected ${layers} layers, got ${cfg.rootfs.diff_ids.length}`); process.exit(1); }
  ' "$cfg" "$name" "${want_layers[$name]}"
done

if [ "$(id -u)" -eq 0 ] && command -v unshare >/dev/null; then
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  umoci unpack --image "dist/images/node-installer:$(node -p "require('./package.json').version")" "$tmp/b" >/dev/null
  mkdir -p "$tmp/b/rootfs/proc"
  out=$(unshare -m sh -c "mount -t proc proc '$tmp/b/rootfs/proc' && chroot '$tmp/b/rootfs' /bin/contrast --version")
  case "$out" in "contrast "*) ;; *) echo "images: node-installer rootfs did not run contrast: $out" >&2; exit 1 ;; esac
  [ -d "$tmp/b/rootfs/artifacts" ] || { echo "images: node-installer has no /artifacts" >&2; exit 1; }
  # The sidecar's rules need iptables-restore from its own image (nf_tables backend, modules found); the Coordinator
  # and the Initializer lift the guest's default-deny rule with iptables from theirs.
  umoci unpack --image "dist/images/service-mesh:$(node -p "require('./package.json').version")" "$tmp/m" >/dev/null
  out=$(chroot "$tmp/m/rootfs" /usr/sbin/iptables-restore --version)
  case "$out" in *"nf_tables"*) ;; *) echo "images: service-mesh rootfs has no working iptables-restore: $out" >&2; exit 1 ;; esac
  for name in coordinator initializer; do
    umoci unpack --image "dist/images/$name:$(node -p "require('./package.json').version")" "$tmp/$name" >/dev/null
    out=$(chroot "$tmp/$name/rootfs" /usr/sbin/iptables --version)
    case "$out" in *"nf_tables"*) ;; *) echo "images: $name rootfs has no working iptables: $out" >&2; exit 1 ;; esac
  done
fi
echo "images ok"
