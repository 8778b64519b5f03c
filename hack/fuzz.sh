#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# fuzz.sh DURATION - run every Go fuzz target of the repository for DURATION each,
# each under a limit of FUZZ_MEM_KB of address space (default 4 GiB, for the build and
# the fuzzing processes alike), so an input that makes a parser blow up fails the run
# instead of exhausting the machine.
set -euo pipefail
cd "$(dirname "$0")/.."
fuzztime=${1:-10s}
grep -rl --include='*_test.go' '^func Fuzz' . | while read -r f; do
  pkg=./$(dirname "${f#./}")
  for target in $(grep -o '^func Fuzz[A-Za-z0-9_]*' "$f" | sed 's/^func //'); do
    echo "fuzz $pkg $target ($fuzztime)"
    (ulimit -v "${FUZZ_MEM_KB:-4194304}" && go test -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime" "$pkg")
  done
done
