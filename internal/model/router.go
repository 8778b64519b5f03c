// SPDX-License-Identifier: Apache-2.0

package model

import (
	"net/netip"
	"time"
)

// SourceRouters is the source of the upstream routers' views (FRR, BIRD).
const SourceRouters = "routers"

// RouterView is what one upstream router says about its BGP sessions, the routes it
// received and what it installed, read with read-only show commands.
type RouterView struct {
	// Name identifies the router (--router-name, else its kind and how it was reached).
	Name string `json:"name"`
	// Kind is "frr" or "bird".
	Kind string `json:"kind"`
	// Via says how it was read: the command prefix, or the directory of saved outputs.
	Via     string `json:"via,omitempty"`
	Status  Status `json:"status"`
	Message string `json:"message,omitempty"`
	// Problems lists the commands that failed or whose output could not be read; the
	// rest of the view is still usable.
	Problems []string `json:"problems,omitempty"`
	Version  string   `json:"version,omitempty"`
	RouterID string   `json:"routerID,omitempty"`
	ASN      int64    `json:"asn,omitempty"`
	// ECMP is the configured multipath limit for eBGP (FRR maximum-paths, BIRD merge
	// paths); 0 when not configured (FRR then uses its compile-time maximum; BIRD does
	// not merge paths), 1 when multipath is off.
	ECMP      int              `json:"ecmp,omitempty"`
	Neighbors []RouterNeighbor `json:"neighbors,omitempty"`
	// Routes is the BGP table: every path received, with best/multipath marks.
	Routes []RouterRoute `json:"routes,omitempty"`
	// FIB is what the router installed for forwarding, BGP routes only.
	FIB []FIBRoute `json:"fib,omitempty"`
	// Config is the running configuration (FRR), for diffs and evidence.
	Config string `json:"config,omitempty"`
}

// RouterNeighbor is one BGP neighbor as the router sees it.
type RouterNeighbor struct {
	Address     string `json:"address"`
	Name        string `json:"name,omitempty"` // BIRD protocol name
	Description string `json:"description,omitempty"`
	PeerGroup   string `json:"peerGroup,omitempty"`
	RemoteASN   int64  `json:"remoteASN"`
	LocalASN    int64  `json:"localASN,omitempty"`
	// State is the BGP FSM state as the router names it (Established, Active, Idle…).
	State       string        `json:"state"`
	Established bool          `json:"established"`
	Uptime      time.Duration `json:"uptimeNanoseconds,omitempty"`
	// PrefixesReceived counts prefixes received, PrefixesAccepted those kept after the
	// import policy; PrefixesSent what the router advertises to the neighbor.
	PrefixesReceived int64 `json:"prefixesReceived"`
	PrefixesAccepted int64 `json:"prefixesAccepted"`
	PrefixesSent     int64 `json:"prefixesSent"`
	// PolicyBlocked: FRR discards the neighbor's routes for want of a policy (RFC 8212,
	// `bgp ebgp-requires-policy`).
	PolicyBlocked bool `json:"policyBlocked,omitempty"`
	// ImportFilter and ExportFilter name the policies (BIRD filters, FRR route-maps or
	// prefix-lists); ImportFiltered counts updates the import filter dropped (BIRD).
	ImportFilter   string `json:"importFilter,omitempty"`
	ExportFilter   string `json:"exportFilter,omitempty"`
	ImportFiltered int64  `json:"importFiltered,omitempty"`
	// MaxPrefix is the configured prefix limit, 0 when none.
	MaxPrefix int64 `json:"maxPrefix,omitempty"`
	// LastError is the last notification or reset reason ("OPEN Message Error/Bad Peer AS").
	LastError string `json:"lastError,omitempty"`
	// HoldTime and Keepalive are the negotiated timers in seconds (0 when down).
	HoldTime  int64 `json:"holdTimeSeconds,omitempty"`
	Keepalive int64 `json:"keepaliveSeconds,omitempty"`
	// Families are the address families negotiated ("ipv4-unicast").
	Families []string `json:"families,omitempty"`
	BFD      bool     `json:"bfd,omitempty"`
	// NextHopSelf and RouteReflectorClient matter for iBGP designs.
	NextHopSelf          bool `json:"nextHopSelf,omitempty"`
	RouteReflectorClient bool `json:"routeReflectorClient,omitempty"`
	Passive              bool `json:"passive,omitempty"`
}

// RouterRoute is one path in the router's BGP table.
type RouterRoute struct {
	Prefix    netip.Prefix `json:"prefix"`
	NextHop   string       `json:"nextHop,omitempty"`
	From      string       `json:"from,omitempty"` // the neighbor address it came from
	Best      bool         `json:"best,omitempty"`
	Multipath bool         `json:"multipath,omitempty"`
	Valid     bool         `json:"valid"`
	ASPath    string       `json:"asPath,omitempty"`
}

// FIBRoute is one route installed for forwarding.
type FIBRoute struct {
	Prefix   netip.Prefix `json:"prefix"`
	Protocol string       `json:"protocol,omitempty"`
	NextHops []string     `json:"nextHops,omitempty"`
}
