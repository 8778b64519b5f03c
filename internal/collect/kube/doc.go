// SPDX-License-Identifier: Apache-2.0

// Package kube collects the Kubernetes side of a snapshot: core kinds through the typed
// client, Cilium kinds through the dynamic client decoded into bgpnet's own structs.
//
// Every kind is one paginated LIST (never per-object GETs), kinds run concurrently
// with a bound, each under its own timeout, and each records its own status, so a
// forbidden, missing or hanging kind never hides the others.
package kube
