#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# test-assets.sh - build the real components the integration tests run, from the Go
# module proxy, at pinned versions, into a cache OUTSIDE the repository:
#
#   $ASSETS/kube-apiserver     k8s.io/kubernetes/cmd/kube-apiserver  ($K8S_VERSION, matches our k8s.io client)
#   $ASSETS/etcd               go.etcd.io/etcd/server/v3             ($ETCD_VERSION)
#   $ASSETS/kwok               sigs.k8s.io/kwok/cmd/kwok             ($KWOK_VERSION)
#   $ASSETS/kwok-crds/         kwok's CRDs (Exec, ClusterExec, Stage, ...)
#   $ASSETS/kwok-stages.yaml   kwok "fast" node/pod stages (kwok has no built-in stages)
#   $ASSETS/crds-bgpv1/        CiliumBGPPeeringPolicy CRD from cilium $CILIUM_V1_VERSION (removed in 1.19)
#
# All versions make up the cache key; a complete directory is reused as is.
# Prints the asset directory on stdout (everything else goes to stderr).
#
#   ASSETS=$(hack/test-assets.sh)   &&   KUBEBUILDER_ASSETS=$ASSETS go test ./...
set -euo pipefail

K8S_VERSION=${K8S_VERSION:-v1.36.4}
ETCD_VERSION=${ETCD_VERSION:-v3.6.16}
KWOK_VERSION=${KWOK_VERSION:-v0.8.0}
CILIUM_V1_VERSION=${CILIUM_V1_VERSION:-v1.18.11}
CACHE=${BGPNET_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kubectl-bgpnet}
KEY="k8s-${K8S_VERSION}_etcd-${ETCD_VERSION}_kwok-${KWOK_VERSION}_cilium1-${CILIUM_V1_VERSION}"
ASSETS=${ASSETS:-$CACHE/assets/$KEY}
WORK=$CACHE/work/$KEY

log() { echo "[test-assets $(date +%T)] $*" >&2; }

if [ -f "$ASSETS/.complete" ]; then
  log "cached: $ASSETS"
  echo "$ASSETS"
  exit 0
fi

need() { command -v "$1" >/dev/null 2>&1; }
if ! need jq; then
  log "installing jq"
  apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends jq >&2
fi

# Build into a temporary directory next to the final one, then rename: an interrupted
# build never leaves a half-filled cache entry behind.
TMP_ASSETS="$ASSETS.tmp.$$"
trap 'rm -rf "$TMP_ASSETS"' EXIT
rm -rf "$TMP_ASSETS" "$WORK"
mkdir -p "$TMP_ASSETS" "$WORK"
cd "$WORK"
export GOFLAGS="-mod=mod" GOTOOLCHAIN=local

T0=$SECONDS
KMOD=$(go mod download -json "k8s.io/kubernetes@$K8S_VERSION" | jq -r .GoMod)
STAGING_VERSION="v0.${K8S_VERSION#v1.}"
{
  echo "module example.com/bgpnet-test-assets"
  echo
  grep -m1 '^go ' "$KMOD"
  grep -m1 '^godebug ' "$KMOD" || true
  echo
  echo "require ("
  echo "	k8s.io/kubernetes $K8S_VERSION"
  echo "	go.etcd.io/etcd/server/v3 $ETCD_VERSION"
  echo "	sigs.k8s.io/kwok $KWOK_VERSION"
  echo ")"
  echo
  # k8s.io/kubernetes requires its staging modules at v0.0.0 with local replaces;
  # pin each to the published v0.MINOR.PATCH tag instead.
  echo "replace ("
  grep -E '=> \./staging/src/' "$KMOD" | awk -v v="$STAGING_VERSION" '{print "\t" $1 " => " $1 " " v}'
  echo ")"
} > go.mod
cat > tools.go <<'GO'
//go:build tools

package tools

import (
	_ "go.etcd.io/etcd/server/v3"
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "sigs.k8s.io/kwok/cmd/kwok"
)
GO
go mod tidy >&2
log "modules resolved ($((SECONDS - T0))s)"

LDK="-X k8s.io/component-base/version.gitVersion=$K8S_VERSION -X k8s.io/component-base/version.gitMajor=1"
LDK="$LDK -X k8s.io/component-base/version.gitMinor=$(echo "$K8S_VERSION" | cut -d. -f2)"
LDK="$LDK -X k8s.io/client-go/pkg/version.gitVersion=$K8S_VERSION -X k8s.io/component-base/version.gitTreeState=clean"
# One `go build` for all three mains so shared packages compile once.
# No -trimpath: lets `go test` reuse the k8s.io packages from this build cache.
mkdir -p out
CGO_ENABLED=0 go build -ldflags "-s -w $LDK" -o out/ \
  k8s.io/kubernetes/cmd/kube-apiserver go.etcd.io/etcd/server/v3 sigs.k8s.io/kwok/cmd/kwok >&2
mv out/server "$TMP_ASSETS/etcd"   # main package go.etcd.io/etcd/server/v3 builds as "server"
mv out/kube-apiserver out/kwok "$TMP_ASSETS/"
log "binaries built ($((SECONDS - T0))s)"

KWOK_DIR=$(go mod download -json "sigs.k8s.io/kwok@$KWOK_VERSION" | jq -r .Dir)
mkdir -p "$TMP_ASSETS/kwok-crds"
cp "$KWOK_DIR"/kustomize/crd/bases/*.yaml "$TMP_ASSETS/kwok-crds/"
for f in node/fast/node-initialize.yaml pod/fast/pod-ready.yaml pod/fast/pod-complete.yaml pod/fast/pod-delete.yaml; do
  echo "---"; cat "$KWOK_DIR/kustomize/stage/$f"
done > "$TMP_ASSETS/kwok-stages.yaml"

# BGPv1 (CiliumBGPPeeringPolicy) was removed in cilium 1.19; take its real CRD from 1.18.
CIL_DIR=$(go mod download -json "github.com/cilium/cilium@$CILIUM_V1_VERSION" | jq -r .Dir)
mkdir -p "$TMP_ASSETS/crds-bgpv1"
cp "$CIL_DIR"/pkg/k8s/apis/cilium.io/client/crds/v2alpha1/ciliumbgppeeringpolicies.yaml "$TMP_ASSETS/crds-bgpv1/"
chmod -R u+w "$TMP_ASSETS"

"$TMP_ASSETS/kube-apiserver" --version >&2
"$TMP_ASSETS/etcd" --version | head -1 >&2
echo "$KEY" > "$TMP_ASSETS/.complete"
rm -rf "$ASSETS"
mkdir -p "$(dirname "$ASSETS")"
mv "$TMP_ASSETS" "$ASSETS"
trap - EXIT
log "done in $((SECONDS - T0))s: $ASSETS"
echo "$ASSETS"
