#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# release-snapshot.sh - build the release archives locally, publish nothing:
#   1. GoReleaser, built from the Go module proxy once and cached outside the repository
#      (~/.cache/kubectl-bgpnet/tools/goreleaser-<version>);
#   2. `goreleaser release --snapshot --clean`: dist/kubectl-bgpnet_<tag>_<os>_<arch>.tar.gz
#      for linux/darwin/windows × amd64/arm64, and dist/checksums.txt;
#   3. the krew manifest rendered from .krew.yaml into dist/krew/bgpnet.yaml and validated;
#   4. every archive checked: the binary at its root, LICENSE inside.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=/usr/local/go/bin:$PATH GOTOOLCHAIN=local
log() { echo "[release $(date +%T)] $*" >&2; }

# v2.13.0: newer releases need a newer Go or a module the proxy refuses (go-msix)
GORELEASER_VERSION=v2.13.0
TOOLS=${XDG_CACHE_HOME:-$HOME/.cache}/kubectl-bgpnet/tools/goreleaser-$GORELEASER_VERSION
if [ ! -x "$TOOLS/goreleaser" ]; then
  log "building goreleaser $GORELEASER_VERSION (once)"
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && GOBIN="$tmp/bin" go install "github.com/goreleaser/goreleaser/v2@$GORELEASER_VERSION")
  mkdir -p "$(dirname "$TOOLS")"
  rm -rf "$TOOLS.partial" && mv "$tmp/bin" "$TOOLS.partial" && rm -rf "$TOOLS" && mv "$TOOLS.partial" "$TOOLS"
fi

log "archives"
"$TOOLS/goreleaser" release --snapshot --clean

log "krew manifest"
go run ./hack/krewmanifest -template .krew.yaml -dist dist -out dist/krew/bgpnet.yaml

n=0
for a in dist/kubectl-bgpnet_*.tar.gz; do
  list=$(tar -tzf "$a")
  bin=kubectl-bgpnet
  case "$a" in *windows*) bin=kubectl-bgpnet.exe ;; esac
  grep -qx "$bin" <<<"$list" || { echo "$a: no $bin at the root" >&2; exit 1; }
  grep -qx LICENSE <<<"$list" || { echo "$a: no LICENSE" >&2; exit 1; }
  n=$((n + 1))
done
[ "$n" -eq 6 ] || { echo "want 6 archives, got $n" >&2; exit 1; }
ls -1 dist/*.tar.gz dist/checksums.txt dist/krew/bgpnet.yaml
log "ok: $n archives, checksums, krew manifest (nothing published)"
