// SPDX-License-Identifier: Apache-2.0

package router

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/bgpnet/kubectl-bgpnet/internal/jsonutil"
	"github.com/bgpnet/kubectl-bgpnet/internal/model"
)

// frrSummary is `show bgp summary json`: per address family ("ipv4Unicast"), the
// router and its peers.
type frrSummary map[string]struct {
	RouterID string `json:"routerId"`
	AS       int64  `json:"as"`
	Peers    map[string]struct {
		RemoteAS      int64  `json:"remoteAs"`
		LocalAS       int64  `json:"localAs"`
		State         string `json:"state"`
		PeerState     string `json:"peerState"`
		PfxRcd        int64  `json:"pfxRcd"`
		PfxSnt        int64  `json:"pfxSnt"`
		PeerUptimeMsc int64  `json:"peerUptimeMsec"`
		Desc          string `json:"desc"`
	} `json:"peers"`
}

// frrNeighbor is one neighbor of `show bgp neighbors json`.
type frrNeighbor struct {
	RemoteAS       int64  `json:"remoteAs"`
	LocalAS        int64  `json:"localAs"`
	Desc           string `json:"nbrDesc"`
	PeerGroup      string `json:"peerGroup"`
	State          string `json:"bgpState"`
	UpMsec         int64  `json:"bgpTimerUpMsec"`
	HoldMsec       int64  `json:"bgpTimerHoldTimeMsecs"`
	KeepaliveMsec  int64  `json:"bgpTimerKeepAliveIntervalMsecs"`
	LastReason     string `json:"lastNotificationReason"`
	LastResetDueTo string `json:"lastResetDueTo"`
	Capabilities   struct {
		MP map[string]map[string]bool `json:"multiprotocolExtensions"`
	} `json:"neighborCapabilities"`
	AFs map[string]struct {
		PeerGroupMember     string `json:"peerGroupMember"`
		Accepted            int64  `json:"acceptedPrefixCounter"`
		Sent                int64  `json:"sentPrefixCounter"`
		InboundRequires     string `json:"inboundEbgpRequiresPolicy"`
		RouteMapIn          string `json:"routeMapForIncomingAdvertisements"`
		RouteMapOut         string `json:"routeMapForOutgoingAdvertisements"`
		PrefixListIn        string `json:"incomingUpdatePrefixFilterList"`
		PrefixListOut       string `json:"outgoingUpdatePrefixFilterList"`
		MaxPrefix           int64  `json:"prefixAllowedMax"`
		NextHopSelf         bool   `json:"routerAlwaysNextHop"`
		RouteReflectorClnt  bool   `json:"routeReflectorClient"`
		RouteReflectorClnt2 bool   `json:"routeReflectorClientConfigured"`
	} `json:"addressFamilyInfo"`
	BFD *struct {
		Status string `json:"status"`
	} `json:"peerBfdInfo"`
}

// frrBGPTable is `show bgp ipv4|ipv6 unicast json`.
type frrBGPTable struct {
	RouterID string `json:"routerId"`
	LocalAS  int64  `json:"localAS"`
	Routes   map[string][]struct {
		Valid     bool   `json:"valid"`
		Best      bool   `json:"bestpath"`
		Multipath bool   `json:"multipath"`
		PeerID    string `json:"peerId"`
		Path      string `json:"path"`
		NextHops  []struct {
			IP string `json:"ip"`
		} `json:"nexthops"`
	} `json:"routes"`
}

// frrRIB is `show ip route json` / `show ipv6 route json`.
type frrRIB map[string][]struct {
	Protocol  string `json:"protocol"`
	Selected  bool   `json:"selected"`
	Installed bool   `json:"installed"`
	NextHops  []struct {
		IP     string `json:"ip"`
		FIB    bool   `json:"fib"`
		Active bool   `json:"active"`
	} `json:"nexthops"`
}

// frrAFNames maps FRR's address-family keys to the names used elsewhere.
var frrAFNames = map[string]string{"ipv4Unicast": "ipv4-unicast", "ipv6Unicast": "ipv6-unicast"}

// decodeJSON decodes one command's JSON output, naming the command on error.
func decodeJSON(c Command, out []byte, v any) error {
	t := bytes.TrimSpace(out)
	if len(t) == 0 {
		return fmt.Errorf("%s: empty output", c)
	}
	if t[0] != '{' && t[0] != '[' {
		return fmt.Errorf("%s: not JSON: %q", c, firstLine(string(t)))
	}
	if err := json.Unmarshal(t, v); err != nil {
		return fmt.Errorf("%s: %s", c, jsonutil.Describe(err))
	}
	return nil
}

// collectFRR reads an FRR router. Each command that fails is a problem of the view;
// without the summary there is no view at all.
func collectFRR(ctx context.Context, r Runner, v *model.RouterView) {
	run := func(show string) ([]byte, Command, error) {
		c := Command{Tool: "vtysh", Show: show}
		out, err := r.Run(ctx, c)
		return out, c, err
	}
	problem := func(err error) { v.Problems = append(v.Problems, err.Error()) }

	out, c, err := run("show bgp summary json")
	var sum frrSummary
	if err == nil {
		err = decodeJSON(c, out, &sum)
	}
	if err != nil {
		v.Status, v.Message = model.StatusError, err.Error()
		return
	}
	neighbors := map[string]*model.RouterNeighbor{}
	for af, s := range sum {
		if s.RouterID != "" {
			v.RouterID, v.ASN = s.RouterID, s.AS
		}
		for addr, p := range s.Peers {
			n := neighbors[addr]
			if n == nil {
				n = &model.RouterNeighbor{Address: addr, RemoteASN: p.RemoteAS, LocalASN: p.LocalAS, State: p.State, Description: p.Desc}
				neighbors[addr] = n
			}
			n.Established = strings.EqualFold(p.State, "Established")
			n.PrefixesReceived += p.PfxRcd
			n.PrefixesSent += p.PfxSnt
			n.PolicyBlocked = n.PolicyBlocked || p.PeerState == "Policy"
			if n.Established {
				n.Uptime = time.Duration(p.PeerUptimeMsc) * time.Millisecond
			}
			_ = af
		}
	}

	if out, c, err := run("show bgp neighbors json"); err != nil {
		problem(err)
	} else {
		var nbrs map[string]frrNeighbor
		if err := decodeJSON(c, out, &nbrs); err != nil {
			problem(err)
		}
		for addr, fn := range nbrs {
			n := neighbors[addr]
			if n == nil {
				n = &model.RouterNeighbor{Address: addr, RemoteASN: fn.RemoteAS, LocalASN: fn.LocalAS, State: fn.State}
				neighbors[addr] = n
			}
			applyFRRNeighbor(n, fn)
		}
	}
	for _, n := range neighbors {
		v.Neighbors = append(v.Neighbors, *n)
	}
	sort.Slice(v.Neighbors, func(i, j int) bool { return v.Neighbors[i].Address < v.Neighbors[j].Address })

	for _, afi := range []string{"ipv4", "ipv6"} {
		out, c, err := run("show bgp " + afi + " unicast json")
		if err != nil {
			problem(err)
			continue
		}
		var t frrBGPTable
		if err := decodeJSON(c, out, &t); err != nil {
			problem(err)
			continue
		}
		v.Routes = append(v.Routes, frrRoutes(t, &v.Problems)...)
	}
	for _, show := range []string{"show ip route json", "show ipv6 route json"} {
		out, c, err := run(show)
		if err != nil {
			problem(err)
			continue
		}
		var rib frrRIB
		if err := decodeJSON(c, out, &rib); err != nil {
			problem(err)
			continue
		}
		v.FIB = append(v.FIB, frrFIB(rib)...)
	}
	if out, _, err := run("show running-config"); err != nil {
		problem(err)
	} else {
		v.Config = string(out)
		applyFRRConfig(v, v.Config)
	}
	if out, _, err := run("show version"); err == nil {
		if f := strings.Fields(firstLine(string(out))); len(f) >= 2 && f[0] == "FRRouting" {
			v.Version = f[1]
		}
	}
	sortRoutes(v)
	v.Status = model.StatusOK
}

func applyFRRNeighbor(n *model.RouterNeighbor, fn frrNeighbor) {
	n.State = fn.State
	n.Established = strings.EqualFold(fn.State, "Established")
	n.Description = cmp.Or(n.Description, fn.Desc)
	n.PeerGroup = fn.PeerGroup
	if n.Established {
		n.Uptime = time.Duration(fn.UpMsec) * time.Millisecond
		n.HoldTime, n.Keepalive = fn.HoldMsec/1000, fn.KeepaliveMsec/1000
	}
	n.LastError = fn.LastReason
	if n.LastError == "" && !n.Established {
		n.LastError = fn.LastResetDueTo
	}
	for af, m := range fn.Capabilities.MP {
		if m["advertisedAndReceived"] {
			n.Families = append(n.Families, cmp.Or(frrAFNames[af], af))
		}
	}
	sort.Strings(n.Families)
	n.PrefixesAccepted = 0
	for _, a := range fn.AFs {
		n.PrefixesAccepted += a.Accepted
		n.PeerGroup = cmp.Or(n.PeerGroup, a.PeerGroupMember)
		n.PolicyBlocked = n.PolicyBlocked || a.InboundRequires != ""
		n.ImportFilter = cmp.Or(n.ImportFilter, joinNonEmpty(routeMap(a.RouteMapIn), prefixList(a.PrefixListIn)))
		n.ExportFilter = cmp.Or(n.ExportFilter, joinNonEmpty(routeMap(a.RouteMapOut), prefixList(a.PrefixListOut)))
		if a.MaxPrefix > 0 {
			n.MaxPrefix = a.MaxPrefix
		}
		n.NextHopSelf = n.NextHopSelf || a.NextHopSelf
		n.RouteReflectorClient = n.RouteReflectorClient || a.RouteReflectorClnt || a.RouteReflectorClnt2
	}
	n.BFD = fn.BFD != nil
}

func routeMap(s string) string {
	if s == "" {
		return ""
	}
	return "route-map " + s
}

func prefixList(s string) string {
	if s == "" {
		return ""
	}
	return "prefix-list " + s
}

func joinNonEmpty(xs ...string) string {
	var out []string
	for _, x := range xs {
		if x != "" {
			out = append(out, x)
		}
	}
	return strings.Join(out, ", ")
}

func frrRoutes(t frrBGPTable, problems *[]string) []model.RouterRoute {
	var out []model.RouterRoute
	for pfx, paths := range t.Routes {
		p, err := netip.ParsePrefix(pfx)
		if err != nil {
			*problems = append(*problems, fmt.Sprintf("BGP table: route %q: %v", pfx, err))
			continue
		}
		for _, path := range paths {
			r := model.RouterRoute{Prefix: p, From: path.PeerID, Best: path.Best, Multipath: path.Multipath, Valid: path.Valid, ASPath: path.Path}
			if len(path.NextHops) > 0 {
				r.NextHop = path.NextHops[0].IP
			}
			out = append(out, r)
		}
	}
	return out
}

func frrFIB(rib frrRIB) []model.FIBRoute {
	var out []model.FIBRoute
	for pfx, entries := range rib {
		p, err := netip.ParsePrefix(pfx)
		if err != nil {
			continue
		}
		for _, e := range entries {
			if e.Protocol != "bgp" || !e.Installed {
				continue
			}
			r := model.FIBRoute{Prefix: p, Protocol: "bgp"}
			for _, nh := range e.NextHops {
				if nh.FIB && nh.IP != "" {
					r.NextHops = append(r.NextHops, nh.IP)
				}
			}
			out = append(out, r)
		}
	}
	return out
}

// applyFRRConfig reads what the JSON does not say from the running configuration:
// maximum-paths (ECMP) and passive neighbors.
func applyFRRConfig(v *model.RouterView, cfg string) {
	sc := bufio.NewScanner(strings.NewReader(cfg))
	inBGP := false
	v.ECMP = 0
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		f := strings.Fields(line)
		switch {
		case strings.HasPrefix(line, "router bgp "):
			inBGP = true
		case line == "exit" && !strings.HasPrefix(sc.Text(), " "):
			inBGP = false
		case inBGP && len(f) == 2 && f[0] == "maximum-paths":
			if n, err := strconv.Atoi(f[1]); err == nil && n > v.ECMP {
				v.ECMP = n
			}
		case inBGP && len(f) == 3 && f[0] == "neighbor" && f[2] == "passive":
			for i := range v.Neighbors {
				if v.Neighbors[i].Address == f[1] || v.Neighbors[i].PeerGroup == f[1] {
					v.Neighbors[i].Passive = true
				}
			}
		}
	}
	// no maximum-paths line: FRR's default, its compile-time limit (multipath on); the
	// FIB's next hops show what is really installed
}

// sortRoutes orders routes and FIB entries by prefix for stable output.
func sortRoutes(v *model.RouterView) {
	sort.SliceStable(v.Routes, func(i, j int) bool {
		if c := v.Routes[i].Prefix.Addr().Compare(v.Routes[j].Prefix.Addr()); c != 0 {
			return c < 0
		}
		if v.Routes[i].Prefix.Bits() != v.Routes[j].Prefix.Bits() {
			return v.Routes[i].Prefix.Bits() < v.Routes[j].Prefix.Bits()
		}
		return v.Routes[i].From < v.Routes[j].From
	})
	sort.SliceStable(v.FIB, func(i, j int) bool {
		if c := v.FIB[i].Prefix.Addr().Compare(v.FIB[j].Prefix.Addr()); c != 0 {
			return c < 0
		}
		return v.FIB[i].Prefix.Bits() < v.FIB[j].Prefix.Bits()
	})
}
