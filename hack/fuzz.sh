#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# fuzz.sh DURATION - run every Go fuzz target of the repository for DURATION each,
# each fuzzing process limited to FUZZ_MEM_KB of address space (default 3 GiB), so an
# input that makes a parser blow up fails the run instead of exhausting the machine.
set -euo pipefail
cd "$(dirname "$0")/.."
fuzztime=${1:-10s}
bin=$(mktemp -d)
cache=$(go env GOCACHE)/fuzz
trap 'rm -rf "$bin"' EXIT
grep -rl --include='*_test.go' '^func Fuzz' . | while read -r f; do
  pkg=./$(dirname "${f#./}")
  for target in $(grep -o '^func Fuzz[A-Za-z0-9_]*' "$f" | sed 's/^func //'); do
    echo "fuzz $pkg $target ($fuzztime)"
    go test -c -o "$bin/fuzz.test" "$pkg"
    (cd "$pkg" && ulimit -v "${FUZZ_MEM_KB:-3145728}" && GOMEMLIMIT=1GiB "$bin/fuzz.test" -test.run '^$' \
      -test.fuzz "^${target}\$" -test.fuzztime "$fuzztime" -test.fuzzcachedir "$cache/$(go list "$pkg")")
  done
done
