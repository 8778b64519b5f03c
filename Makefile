# kubectl bgpnet — build, demo, test, lint.
#   make demo   opens the terminal UI on the embedded demo snapshot
#   make test   installs/builds what the tests need, then runs every test
#   make lab    starts the live lab (make lab-down stops it)
#   make release-snapshot   builds the release archives and the krew manifest locally

SHELL   := /usr/bin/env bash
GO      ?= go
BIN     := bin/kubectl-bgpnet
PKG     := github.com/bgpnet/kubectl-bgpnet
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT  ?= $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
DATE    ?= $(shell date -u +%Y-%m-%dT%H:%M:%SZ)
LDFLAGS := -s -w -X $(PKG)/internal/version.Version=$(VERSION) \
           -X $(PKG)/internal/version.Commit=$(COMMIT) -X $(PKG)/internal/version.Date=$(DATE)

export PATH := /usr/local/go/bin:$(PATH)

.PHONY: build demo test unit lint fmt fuzz bench assets lab lab-down release-snapshot clean

build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/kubectl-bgpnet

# the TUI on a terminal; the text reports when output is not one (CI, a pipe)
demo: build
	@if [ -t 0 ] && [ -t 1 ]; then $(BIN) --demo; else \
		$(BIN) snapshot --demo; echo; $(BIN) doctor --demo --fail-on never; fi

test:
	hack/test.sh

# the six release archives, checksums and the krew manifest in dist/, nothing published
release-snapshot:
	hack/release-snapshot.sh

# unit tests only: no API server, integration tests skip themselves
unit:
	$(GO) test ./...

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	@# the release targets: OS-specific code (the ICMP probe) must build everywhere
	GOOS=darwin GOARCH=arm64 $(GO) vet ./internal/probe/ ./cmd/kubectl-bgpnet/
	GOOS=windows GOARCH=amd64 $(GO) vet ./internal/probe/ ./cmd/kubectl-bgpnet/

fmt:
	gofmt -w $$(git ls-files '*.go')

# longer fuzzing than the few seconds `make test` gives each target
FUZZTIME ?= 60s
fuzz:
	hack/fuzz.sh $(FUZZTIME)

bench: assets
	$(GO) test -run '^$$' -bench . -benchtime 20x -timeout 30m ./internal/checks/
	BGPNET_TEST_ASSETS=$$(hack/test-assets.sh) $(GO) test -run '^$$' -bench . -benchtime 3x -timeout 30m ./test/integration/

assets:
	hack/test-assets.sh >/dev/null

# the live lab (root): API server + kwok agents + GoBGP speakers peering with FRR in
# network namespaces + a Hubble server; prints the KUBECONFIG to use. LAB_ROUTER=bird
# for BIRD, LAB_FLAGS=--cilium-like for speakers that only dial out.
LAB_DIR    ?= /tmp/bgpnet-lab
LAB_ROUTER ?= frr
lab: build
	hack/deps.sh
	$(GO) build -o bin/bgpnet-lab ./test/lab
	BGPNET_TEST_ASSETS=$$(hack/test-assets.sh) bin/bgpnet-lab up --dir $(LAB_DIR) --router $(LAB_ROUTER) $(LAB_FLAGS)

lab-down:
	@if [ -x bin/bgpnet-lab ]; then bin/bgpnet-lab down --dir $(LAB_DIR); else $(GO) run ./test/lab down --dir $(LAB_DIR); fi

clean:
	rm -rf bin dist
