// SPDX-License-Identifier: Apache-2.0

// Package agent collects the Cilium agents' live BGP view: sessions and advertised
// routes, by exec'ing cilium-dbg in the agent pods (or through a local agent socket),
// decoded into bgpnet's model with per-node status.
package agent
