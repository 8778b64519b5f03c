#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# deps.sh - the Debian packages the tests and the lab need, installed only when missing:
#   jq (scripts), iproute2 (network namespaces), frr + bird2 (the routers), gobgpd (the
#   nodes' BGP speakers, as Cilium embeds GoBGP), bsdutils (script(1): the TUI in a
#   pseudo-terminal), graphviz (dot(1): the diagrams must render).
set -euo pipefail
PACKAGES=(jq iproute2 frr bird2 gobgpd bsdutils graphviz)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "[deps $(date +%T)] installing ${missing[*]}" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# the FRR and BIRD services the packages start are not used (the lab runs its own
# daemons inside network namespaces); leave them as the system has them.
