// SPDX-License-Identifier: Apache-2.0

// Package bgpwire decodes the few BGP wire structures the agents hand out base64-encoded
// (path attributes, NLRI, capabilities), so route next hops, AS paths and communities
// can be shown without GoBGP's packet package. Every decoder checks lengths and returns
// an error for truncated or malformed input; nothing panics.
package bgpwire

import (
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"strings"
)

// Path attribute type codes (RFC 4271, 4760, 1997, 8092).
const (
	AttrOrigin         = 1
	AttrASPath         = 2
	AttrNextHop        = 3
	AttrMED            = 4
	AttrLocalPref      = 5
	AttrCommunities    = 8
	AttrMPReachNLRI    = 14
	AttrLargeCommunity = 32
)

// Attributes is what bgpnet shows of a path's attributes.
type Attributes struct {
	Origin          string       `json:"origin,omitempty"`
	ASPath          []uint32     `json:"asPath,omitempty"`
	NextHops        []netip.Addr `json:"nextHops,omitempty"`
	MED             *uint32      `json:"med,omitempty"`
	LocalPref       *uint32      `json:"localPref,omitempty"`
	Communities     []string     `json:"communities,omitempty"`
	LargeCommunties []string     `json:"largeCommunities,omitempty"`
}

var errTruncated = errors.New("truncated")

// DecodeBase64 decodes standard or URL-safe, padded or unpadded base64.
func DecodeBase64(s string) ([]byte, error) {
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			return b, nil
		}
	}
	return nil, fmt.Errorf("not base64: %q", quoteStart(s))
}

// ParseAttributes decodes a list of base64 path attributes; an attribute that does not
// decode is reported in the error and the others are still returned.
func ParseAttributes(encoded []string) (Attributes, error) {
	var a Attributes
	var errs []error
	for i, e := range encoded {
		raw, err := DecodeBase64(e)
		if err == nil {
			err = a.parse(raw)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("path attribute %d: %w", i, err))
		}
	}
	return a, errors.Join(errs...)
}

// parse decodes one or more attributes in wire form: flags, type, length, value.
func (a *Attributes) parse(b []byte) error {
	for len(b) > 0 {
		if len(b) < 3 {
			return errTruncated
		}
		flags, typ := b[0], b[1]
		var n, hdr int
		if flags&0x10 != 0 { // extended length
			if len(b) < 4 {
				return errTruncated
			}
			n, hdr = int(binary.BigEndian.Uint16(b[2:4])), 4
		} else {
			n, hdr = int(b[2]), 3
		}
		if len(b) < hdr+n {
			return fmt.Errorf("attribute type %d: %w (%d of %d bytes)", typ, errTruncated, len(b)-hdr, n)
		}
		if err := a.value(typ, b[hdr:hdr+n]); err != nil {
			return fmt.Errorf("attribute type %d: %w", typ, err)
		}
		b = b[hdr+n:]
	}
	return nil
}

func (a *Attributes) value(typ byte, v []byte) error {
	switch typ {
	case AttrOrigin:
		if len(v) != 1 {
			return errTruncated
		}
		a.Origin = map[byte]string{0: "igp", 1: "egp", 2: "incomplete"}[v[0]]
		if a.Origin == "" {
			a.Origin = fmt.Sprintf("unknown(%d)", v[0])
		}
	case AttrASPath:
		path, err := parseASPath(v)
		if err != nil {
			return err
		}
		a.ASPath = append(a.ASPath, path...)
	case AttrNextHop:
		if len(v) != 4 {
			return fmt.Errorf("NEXT_HOP of %d bytes", len(v))
		}
		a.NextHops = append(a.NextHops, netip.AddrFrom4([4]byte(v)))
	case AttrMED, AttrLocalPref:
		if len(v) != 4 {
			return errTruncated
		}
		x := binary.BigEndian.Uint32(v)
		if typ == AttrMED {
			a.MED = &x
		} else {
			a.LocalPref = &x
		}
	case AttrCommunities:
		if len(v)%4 != 0 {
			return errTruncated
		}
		for i := 0; i < len(v); i += 4 {
			a.Communities = append(a.Communities, fmt.Sprintf("%d:%d", binary.BigEndian.Uint16(v[i:]), binary.BigEndian.Uint16(v[i+2:])))
		}
	case AttrLargeCommunity:
		if len(v)%12 != 0 {
			return errTruncated
		}
		for i := 0; i < len(v); i += 12 {
			a.LargeCommunties = append(a.LargeCommunties, fmt.Sprintf("%d:%d:%d",
				binary.BigEndian.Uint32(v[i:]), binary.BigEndian.Uint32(v[i+4:]), binary.BigEndian.Uint32(v[i+8:])))
		}
	case AttrMPReachNLRI:
		hops, err := parseMPReachNextHops(v)
		if err != nil {
			return err
		}
		a.NextHops = append(a.NextHops, hops...)
	}
	return nil // other attributes are not shown
}

// parseASPath reads AS_PATH segments; GoBGP (and so Cilium) encodes 4-byte ASNs, older
// speakers 2-byte ones: the segment length decides.
func parseASPath(v []byte) ([]uint32, error) {
	var out []uint32
	size := 4
	if !fits(v, 4) {
		size = 2
		if !fits(v, 2) {
			return nil, fmt.Errorf("AS_PATH of %d bytes fits neither 2- nor 4-byte ASNs", len(v))
		}
	}
	for len(v) > 0 {
		count := int(v[1])
		v = v[2:]
		for i := 0; i < count; i++ {
			if size == 4 {
				out = append(out, binary.BigEndian.Uint32(v))
			} else {
				out = append(out, uint32(binary.BigEndian.Uint16(v)))
			}
			v = v[size:]
		}
	}
	return out, nil
}

// fits reports whether v splits exactly into AS_PATH segments of size-byte ASNs.
func fits(v []byte, size int) bool {
	for len(v) > 0 {
		if len(v) < 2 {
			return false
		}
		n := 2 + int(v[1])*size
		if len(v) < n {
			return false
		}
		v = v[n:]
	}
	return true
}

// parseMPReachNextHops reads the next hops of MP_REACH_NLRI: AFI, SAFI, next-hop
// length, next hop(s) (IPv6 may carry a global and a link-local address).
func parseMPReachNextHops(v []byte) ([]netip.Addr, error) {
	if len(v) < 4 {
		return nil, errTruncated
	}
	n := int(v[3])
	if len(v) < 4+n {
		return nil, fmt.Errorf("MP_REACH_NLRI next hop: %w", errTruncated)
	}
	nh := v[4 : 4+n]
	switch n {
	case 4:
		return []netip.Addr{netip.AddrFrom4([4]byte(nh))}, nil
	case 16:
		return []netip.Addr{netip.AddrFrom16([16]byte(nh))}, nil
	case 32:
		return []netip.Addr{netip.AddrFrom16([16]byte(nh[:16])), netip.AddrFrom16([16]byte(nh[16:]))}, nil
	case 0:
		return nil, nil
	}
	return nil, fmt.Errorf("MP_REACH_NLRI next hop of %d bytes", n)
}

// ParseNLRI decodes one unicast NLRI (prefix length, then the prefix's bytes).
func ParseNLRI(encoded string, v6 bool) (netip.Prefix, error) {
	b, err := DecodeBase64(encoded)
	if err != nil {
		return netip.Prefix{}, err
	}
	if len(b) < 1 {
		return netip.Prefix{}, errTruncated
	}
	bits, max := int(b[0]), 32
	if v6 {
		max = 128
	}
	if bits > max {
		return netip.Prefix{}, fmt.Errorf("prefix length %d > %d", bits, max)
	}
	need := (bits + 7) / 8
	if len(b) < 1+need {
		return netip.Prefix{}, errTruncated
	}
	var buf [16]byte
	copy(buf[:], b[1:1+need])
	addr := netip.AddrFrom16(buf)
	if !v6 {
		addr = netip.AddrFrom4([4]byte(buf[:4]))
	}
	return addr.Prefix(bits)
}

// Capability names by code (IANA "Capability Codes").
var capabilityNames = map[byte]string{
	1: "multiprotocol", 2: "route-refresh", 5: "extended-nexthop", 6: "extended-message", 64: "graceful-restart",
	65: "4-octet-as", 69: "add-path", 70: "enhanced-route-refresh", 71: "long-lived-graceful-restart", 73: "fqdn",
}

// ParseCapability decodes one base64 capability into a readable name, e.g.
// "multiprotocol ipv6-unicast" or "4-octet-as 64512".
func ParseCapability(encoded string) (string, error) {
	b, err := DecodeBase64(encoded)
	if err != nil {
		return "", err
	}
	if len(b) < 2 || len(b) < 2+int(b[1]) {
		return "", errTruncated
	}
	code, v := b[0], b[2:2+int(b[1])]
	name, ok := capabilityNames[code]
	if !ok {
		return fmt.Sprintf("capability-%d", code), nil
	}
	switch code {
	case 1:
		if len(v) == 4 {
			return name + " " + Family(binary.BigEndian.Uint16(v), v[3]), nil
		}
	case 65:
		if len(v) == 4 {
			return fmt.Sprintf("%s %d", name, binary.BigEndian.Uint32(v)), nil
		}
	}
	return name, nil
}

// Family names an AFI/SAFI pair the way Cilium does ("ipv4-unicast").
func Family(afi uint16, safi byte) string {
	a := map[uint16]string{1: "ipv4", 2: "ipv6", 25: "l2vpn"}[afi]
	if a == "" {
		a = fmt.Sprintf("afi%d", afi)
	}
	s := map[byte]string{1: "unicast", 2: "multicast", 70: "evpn"}[safi]
	if s == "" {
		s = fmt.Sprintf("safi%d", safi)
	}
	return a + "-" + s
}

func quoteStart(s string) string {
	if len(s) > 32 {
		return s[:32] + "…"
	}
	return strings.ToValidUTF8(s, "?")
}
