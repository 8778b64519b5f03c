// SPDX-License-Identifier: Apache-2.0

// Package gobgpagent answers what a Cilium agent answers about BGP — models.BgpPeer and
// models.BgpRoute, wire-encoded path attributes included — from the live state of a real
// GoBGP speaker, read with the gobgp CLI inside the speaker's network namespace. Cilium
// embeds GoBGP and builds its answers from the same state, so the lab's agent stand-in
// (test/fakeagent) reports sessions and routes that really exist.
package gobgpagent

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"net/netip"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/cilium/cilium/api/v1/models"
	"google.golang.org/protobuf/encoding/protowire"
)

// CLI runs the gobgp CLI against one speaker.
type CLI func(args ...string) ([]byte, error)

// Netns returns a CLI for the speaker whose API listens on 127.0.0.1:port in netns ns.
func Netns(ns string, port int) CLI {
	return func(args ...string) ([]byte, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		full := append([]string{"netns", "exec", ns, "gobgp", "-u", "127.0.0.1", "-p", strconv.Itoa(port)}, args...)
		var stderr bytes.Buffer
		cmd := exec.CommandContext(ctx, "ip", full...)
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			return out, fmt.Errorf("gobgp %s in netns %s: %w: %s", strings.Join(args, " "), ns, err, bytes.TrimSpace(stderr.Bytes()))
		}
		return out, nil
	}
}

// Neighbor is the part of `gobgp neighbor [ADDR] -j` the agent reports.
type Neighbor struct {
	Conf struct {
		LocalASN        int64  `json:"local_asn"`
		NeighborAddress string `json:"neighbor_address"`
		PeerASN         int64  `json:"peer_asn"`
	} `json:"conf"`
	State struct {
		SessionState int        `json:"session_state"`
		RemoteCap    []anyValue `json:"remote_cap"`
		LocalCap     []anyValue `json:"local_cap"`
	} `json:"state"`
	Timers struct {
		Config struct {
			ConnectRetry      int64 `json:"connect_retry"`
			HoldTime          int64 `json:"hold_time"`
			KeepaliveInterval int64 `json:"keepalive_interval"`
		} `json:"config"`
		State struct {
			KeepaliveInterval  int64 `json:"keepalive_interval"`
			NegotiatedHoldTime int64 `json:"negotiated_hold_time"`
			Uptime             struct {
				Seconds int64 `json:"seconds"`
			} `json:"uptime"`
		} `json:"state"`
	} `json:"timers"`
	EBGPMultihop struct {
		Config struct {
			MultihopTTL int64 `json:"multihop_ttl"`
		} `json:"config"`
	} `json:"ebgp_multihop"`
	AfiSafis []struct {
		State struct {
			Family     family `json:"family"`
			Received   int64  `json:"received"`
			Accepted   int64  `json:"accepted"`
			Advertised int64  `json:"advertised"`
		} `json:"state"`
	} `json:"afi_safis"`
}

type family struct {
	AFI  int `json:"afi"`
	SAFI int `json:"safi"`
}

// anyValue is a protobuf Any as gobgp prints it.
type anyValue struct {
	TypeURL string `json:"type_url"`
	Value   []byte `json:"value"` // base64 in JSON
}

// sessionStates maps GoBGP's PeerState.SessionState to Cilium's names.
var sessionStates = map[int]string{1: "idle", 2: "connect", 3: "active", 4: "opensent", 5: "openconfirm", 6: "established"}

func afiName(afi int) string {
	switch afi {
	case 1:
		return "ipv4"
	case 2:
		return "ipv6"
	}
	return "unknown"
}

func safiName(safi int) string {
	if safi == 1 {
		return "unicast"
	}
	return "unknown"
}

// Peers lists the speaker's sessions as the agent's `bgp peers` does: one
// `gobgp neighbor -j`, then `gobgp neighbor ADDR -j` per neighbor for the counters.
func Peers(cli CLI, now time.Time) ([]*models.BgpPeer, error) {
	out, err := cli("neighbor", "-j")
	if err != nil {
		return nil, err
	}
	var list []Neighbor
	if err := json.Unmarshal(out, &list); err != nil {
		return nil, fmt.Errorf("gobgp neighbor -j: %w", err)
	}
	peers := make([]*models.BgpPeer, 0, len(list))
	for _, n := range list {
		detail := n
		if out, err := cli("neighbor", n.Conf.NeighborAddress, "-j"); err == nil {
			_ = json.Unmarshal(out, &detail) // the list entry stays when the detail fails
		}
		peers = append(peers, TranslatePeer(detail, now))
	}
	return peers, nil
}

// TranslatePeer maps one GoBGP neighbor to models.BgpPeer.
func TranslatePeer(n Neighbor, now time.Time) *models.BgpPeer {
	state := sessionStates[n.State.SessionState]
	if state == "" {
		state = "unknown"
	}
	p := &models.BgpPeer{
		LocalAsn: n.Conf.LocalASN, PeerAsn: n.Conf.PeerASN, PeerAddress: n.Conf.NeighborAddress, PeerPort: 179,
		SessionState:              state,
		ConfiguredHoldTimeSeconds: n.Timers.Config.HoldTime, ConfiguredKeepAliveTimeSeconds: n.Timers.Config.KeepaliveInterval,
		ConnectRetryTimeSeconds: n.Timers.Config.ConnectRetry, EbgpMultihopTTL: n.EBGPMultihop.Config.MultihopTTL,
		GracefulRestart: &models.BgpGracefulRestart{},
	}
	if state == "established" {
		p.AppliedHoldTimeSeconds, p.AppliedKeepAliveTimeSeconds = n.Timers.State.NegotiatedHoldTime, n.Timers.State.KeepaliveInterval
		if up := n.Timers.State.Uptime.Seconds; up > 0 && up <= now.Unix() {
			p.UptimeNanoseconds = int64(now.Sub(time.Unix(up, 0)))
		}
	}
	for _, f := range n.AfiSafis {
		s := f.State
		p.Families = append(p.Families, &models.BgpPeerFamilies{Afi: afiName(s.Family.AFI), Safi: safiName(s.Family.SAFI),
			Received: s.Received, Accepted: s.Accepted, Advertised: s.Advertised})
	}
	p.LocalCapabilities = capabilities(n.State.LocalCap)
	p.RemoteCapabilities = capabilities(n.State.RemoteCap)
	return p
}

// capCodes maps GoBGP's capability messages to BGP capability codes.
var capCodes = map[string]byte{
	"MultiProtocolCapability": 1, "RouteRefreshCapability": 2, "ExtendedNexthopCapability": 5,
	"ExtendedMessageCapability": 6, "GracefulRestartCapability": 64, "FourOctetASNCapability": 65,
	"AddPathCapability": 69, "EnhancedRouteRefreshCapability": 70, "LongLivedGracefulRestartCapability": 71,
	"FqdnCapability": 73, "RouteRefreshCiscoCapability": 128,
}

// capabilities wire-encodes GoBGP's capabilities (code, length, value) the way the agent
// reports them. Multiprotocol and 4-octet-AS carry their values; others are sent empty.
func capabilities(caps []anyValue) []*models.BgpCapabilities {
	var out []*models.BgpCapabilities
	for _, c := range caps {
		name := c.TypeURL[strings.LastIndexByte(c.TypeURL, '.')+1:]
		code, ok := capCodes[name]
		if !ok {
			continue
		}
		var v []byte
		switch code {
		case 1:
			if afi, safi, ok := mpFamily(c.Value); ok {
				v = binary.BigEndian.AppendUint16(nil, uint16(afi))
				v = append(v, 0, byte(safi))
			}
		case 65:
			if asn, ok := varintField(c.Value, 1); ok {
				v = binary.BigEndian.AppendUint32(nil, uint32(asn))
			}
		}
		w := append([]byte{code, byte(len(v))}, v...)
		out = append(out, &models.BgpCapabilities{Capabilities: base64.StdEncoding.EncodeToString(w)})
	}
	return out
}

// mpFamily reads MultiProtocolCapability{family: Family{afi: 1, safi: 2}}.
func mpFamily(b []byte) (afi, safi uint64, ok bool) {
	fam, ok := bytesField(b, 1)
	if !ok {
		return 0, 0, false
	}
	afi, ok1 := varintField(fam, 1)
	safi, ok2 := varintField(fam, 2)
	return afi, safi, ok1 && ok2
}

// field finds field num of a protobuf message and returns its raw value.
func field(b []byte, num protowire.Number, want protowire.Type) ([]byte, bool) {
	for len(b) > 0 {
		n, typ, l := protowire.ConsumeTag(b)
		if l < 0 {
			return nil, false
		}
		b = b[l:]
		l = protowire.ConsumeFieldValue(n, typ, b)
		if l < 0 {
			return nil, false
		}
		if n == num && typ == want {
			return b[:l], true
		}
		b = b[l:]
	}
	return nil, false
}

func varintField(b []byte, num protowire.Number) (uint64, bool) {
	raw, ok := field(b, num, protowire.VarintType)
	if !ok {
		return 0, false
	}
	v, l := protowire.ConsumeVarint(raw)
	return v, l >= 0
}

func bytesField(b []byte, num protowire.Number) ([]byte, bool) {
	raw, ok := field(b, num, protowire.BytesType)
	if !ok {
		return nil, false
	}
	v, l := protowire.ConsumeBytes(raw)
	return v, l >= 0
}

// path is one path of `gobgp neighbor ADDR adj-out -a AFI -j`.
type path struct {
	NLRI struct {
		Prefix string `json:"prefix"`
	} `json:"nlri"`
	Age   int64       `json:"age"`
	Best  bool        `json:"best"`
	Stale bool        `json:"stale"`
	Attrs []attribute `json:"attrs"`
}

// attribute is a GoBGP path attribute in its JSON form.
type attribute struct {
	Type        int      `json:"type"`
	Value       *uint32  `json:"value"`
	Metric      *uint32  `json:"metric"`
	Nexthop     string   `json:"nexthop"`
	Communities []uint32 `json:"communities"`
	ASPaths     []struct {
		SegmentType int      `json:"segment_type"`
		ASNs        []uint32 `json:"asns"`
	} `json:"as_paths"`
}

// Routes lists what the speaker advertises to each neighbor for afi ("ipv4"|"ipv6"),
// as the agent's `bgp routes advertised AFI unicast` does.
func Routes(cli CLI, afi string, now time.Time) ([]*models.BgpRoute, error) {
	peers, err := Peers(cli, now)
	if err != nil {
		return nil, err
	}
	routes := []*models.BgpRoute{}
	for _, p := range peers {
		if p.SessionState != "established" {
			continue
		}
		out, err := cli("neighbor", p.PeerAddress, "adj-out", "-a", afi, "-j")
		if err != nil {
			return nil, err
		}
		rs, err := TranslateAdjOut(out, p.PeerAddress, p.LocalAsn, afi, now)
		if err != nil {
			return nil, err
		}
		routes = append(routes, rs...)
	}
	return routes, nil
}

// TranslateAdjOut maps `gobgp neighbor ADDR adj-out -j` to models.BgpRoute, encoding
// each path's NLRI and attributes in BGP wire format.
func TranslateAdjOut(out []byte, neighbor string, localASN int64, afi string, now time.Time) ([]*models.BgpRoute, error) {
	var rib map[string][]path
	if err := json.Unmarshal(out, &rib); err != nil {
		return nil, fmt.Errorf("gobgp adj-out of %s: %w", neighbor, err)
	}
	prefixes := make([]string, 0, len(rib))
	for p := range rib {
		prefixes = append(prefixes, p)
	}
	sort.Strings(prefixes)
	var routes []*models.BgpRoute
	for _, pfx := range prefixes {
		prefix, err := netip.ParsePrefix(pfx)
		if err != nil {
			return nil, fmt.Errorf("adj-out prefix %q: %w", pfx, err)
		}
		r := &models.BgpRoute{Prefix: pfx, Neighbor: neighbor, RouterAsn: localASN}
		for _, p := range rib[pfx] {
			bp := &models.BgpPath{Best: p.Best, Stale: p.Stale, Family: &models.BgpFamily{Afi: afi, Safi: "unicast"},
				Nlri: &models.BgpNlri{Base64: base64.StdEncoding.EncodeToString(nlri(prefix))}}
			if p.Age > 0 && p.Age <= now.Unix() {
				bp.AgeNanoseconds = int64(now.Sub(time.Unix(p.Age, 0)))
			}
			for _, a := range p.Attrs {
				if w := encodeAttribute(a, prefix); w != nil {
					bp.PathAttributes = append(bp.PathAttributes, &models.BgpPathAttribute{Base64: base64.StdEncoding.EncodeToString(w)})
				}
			}
			r.Paths = append(r.Paths, bp)
		}
		routes = append(routes, r)
	}
	return routes, nil
}

// nlri is the wire NLRI: prefix length, then the significant bytes.
func nlri(p netip.Prefix) []byte {
	a := p.Addr().AsSlice()
	return append([]byte{byte(p.Bits())}, a[:(p.Bits()+7)/8]...)
}

// encodeAttribute wire-encodes the attributes Cilium advertises; IPv6 next hops go in
// MP_REACH_NLRI as GoBGP sends them. Unknown types are left out.
func encodeAttribute(a attribute, prefix netip.Prefix) []byte {
	const transitive, optional = 0x40, 0x80
	attr := func(flags, typ byte, v []byte) []byte {
		if len(v) > 255 {
			return append([]byte{flags | 0x10, typ, byte(len(v) >> 8), byte(len(v))}, v...)
		}
		return append([]byte{flags, typ, byte(len(v))}, v...)
	}
	switch a.Type {
	case 1: // ORIGIN
		if a.Value != nil {
			return attr(transitive, 1, []byte{byte(*a.Value)})
		}
	case 2: // AS_PATH, 4-octet ASNs
		var v []byte
		for _, s := range a.ASPaths {
			v = append(v, byte(s.SegmentType), byte(len(s.ASNs)))
			for _, asn := range s.ASNs {
				v = binary.BigEndian.AppendUint32(v, asn)
			}
		}
		return attr(transitive, 2, v)
	case 3: // NEXT_HOP
		if nh, err := netip.ParseAddr(a.Nexthop); err == nil && nh.Is4() {
			b := nh.As4()
			return attr(transitive, 3, b[:])
		}
	case 4: // MULTI_EXIT_DISC
		if a.Metric != nil {
			return attr(optional, 4, binary.BigEndian.AppendUint32(nil, *a.Metric))
		}
	case 5: // LOCAL_PREF
		if a.Value != nil {
			return attr(transitive, 5, binary.BigEndian.AppendUint32(nil, *a.Value))
		}
	case 8: // COMMUNITIES
		var v []byte
		for _, c := range a.Communities {
			v = binary.BigEndian.AppendUint32(v, c)
		}
		return attr(optional|transitive, 8, v)
	case 14: // MP_REACH_NLRI (IPv6): AFI 2, SAFI 1, next hop, reserved, NLRI
		if nh, err := netip.ParseAddr(a.Nexthop); err == nil && nh.Is6() {
			b := nh.As16()
			v := append([]byte{0, 2, 1, 16}, b[:]...)
			v = append(v, 0)
			v = append(v, nlri(prefix)...)
			return attr(optional, 14, v)
		}
	}
	return nil
}
