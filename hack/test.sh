#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# test.sh - everything `make test` does, on a fresh machine as well as a warm one:
#   1. Debian packages the tests need (hack/deps.sh, installed only when missing);
#   2. kube-apiserver, etcd and kwok built from the Go module proxy (hack/test-assets.sh,
#      cached outside the repository, keyed by version);
#   3. lint (gofmt, go vet), all unit and integration tests with the race detector,
#      and a short run of every fuzz target.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=/usr/local/go/bin:$PATH GOTOOLCHAIN=local

log() { echo "[test $(date +%T)] $*" >&2; }

log "packages"
hack/deps.sh

log "test assets"
BGPNET_TEST_ASSETS=$(hack/test-assets.sh)
export BGPNET_TEST_ASSETS

log "lint"
make --no-print-directory lint

log "go test"
go test -race -count=1 -timeout 30m ./...

log "fuzz (${FUZZTIME:-5s} per target)"
hack/fuzz.sh "${FUZZTIME:-5s}"
log "ok"
