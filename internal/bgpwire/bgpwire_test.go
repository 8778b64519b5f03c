// SPDX-License-Identifier: Apache-2.0

package bgpwire

import (
	"encoding/base64"
	"net/netip"
	"strings"
	"testing"
)

func TestParseAttributes(t *testing.T) {
	// from a real `cilium-dbg bgp routes advertised -o yaml` (cilium PR #30033)
	a, err := ParseAttributes([]string{"QAEBAA==", "QAIGAgEAAP3p", "QAMECgABAg=="})
	if err != nil {
		t.Fatal(err)
	}
	if a.Origin != "igp" || len(a.ASPath) != 1 || a.ASPath[0] != 65001 || len(a.NextHops) != 1 || a.NextHops[0] != netip.MustParseAddr("10.0.1.2") {
		t.Errorf("attributes = %+v", a)
	}
	// MP_REACH_NLRI for IPv6 with global + link-local next hops, communities, local pref
	mp := []byte{0x90, 14, 0, 37, 0, 2, 1, 32}
	g, ll := netip.MustParseAddr("fd00:1::11").As16(), netip.MustParseAddr("fe80::1").As16()
	mp = append(append(append(mp, g[:]...), ll[:]...), 0)
	mp[3] = byte(len(mp) - 4)
	comm := []byte{0xc0, 8, 4, 0xfc, 0x00, 0x00, 0x64} // 64512:100
	lp := []byte{0x40, 5, 4, 0, 0, 0, 200}
	a, err = ParseAttributes([]string{base64.StdEncoding.EncodeToString(mp), base64.StdEncoding.EncodeToString(comm), base64.StdEncoding.EncodeToString(lp)})
	if err != nil {
		t.Fatal(err)
	}
	if len(a.NextHops) != 2 || a.NextHops[0].String() != "fd00:1::11" || a.Communities[0] != "64512:100" || *a.LocalPref != 200 {
		t.Errorf("attributes = %+v", a)
	}
}

func TestMalformedAttributes(t *testing.T) {
	for _, in := range []string{"QAM=", "QAMEClE", "!!!", "QAIFAgEAAP0=", base64.StdEncoding.EncodeToString([]byte{0x90, 14, 0, 3, 0, 2, 1})} {
		if _, err := ParseAttributes([]string{in}); err == nil {
			t.Errorf("%q: no error", in)
		}
	}
	// the good attributes survive a bad one
	a, err := ParseAttributes([]string{"QAMECgABAg==", "QAM="})
	if err == nil || len(a.NextHops) != 1 || !strings.Contains(err.Error(), "path attribute 1") {
		t.Errorf("partial decode: %+v %v", a, err)
	}
}

func TestParseNLRI(t *testing.T) {
	p, err := ParseNLRI("GAoBAA==", false)
	if err != nil || p.String() != "10.1.0.0/24" {
		t.Errorf("NLRI = %v %v", p, err)
	}
	p, err = ParseNLRI(base64.StdEncoding.EncodeToString([]byte{64, 0xfd, 0, 0, 0x42, 0, 0, 0, 1}), true)
	if err != nil || p.String() != "fd00:42:0:1::/64" {
		t.Errorf("NLRI v6 = %v %v", p, err)
	}
	for _, bad := range []string{"", "IQ==", "GAo="} {
		if _, err := ParseNLRI(bad, false); err == nil {
			t.Errorf("NLRI %q accepted", bad)
		}
	}
}

func TestParseCapability(t *testing.T) {
	for in, want := range map[string]string{
		base64.StdEncoding.EncodeToString([]byte{1, 4, 0, 2, 0, 1}):     "multiprotocol ipv6-unicast",
		base64.StdEncoding.EncodeToString([]byte{65, 4, 0, 0, 0xfc, 0}): "4-octet-as 64512",
		base64.StdEncoding.EncodeToString([]byte{2, 0}):                 "route-refresh",
		base64.StdEncoding.EncodeToString([]byte{200, 1, 7}):            "capability-200",
	} {
		if got, err := ParseCapability(in); err != nil || got != want {
			t.Errorf("%q: %q %v, want %q", in, got, err, want)
		}
	}
	if _, err := ParseCapability(base64.StdEncoding.EncodeToString([]byte{1, 4, 0})); err == nil {
		t.Error("truncated capability accepted")
	}
}

func FuzzParseAttributes(f *testing.F) {
	f.Add([]byte{0x40, 1, 1, 0, 0x40, 2, 6, 2, 1, 0, 0, 0xfd, 0xe9, 0x40, 3, 4, 10, 0, 1, 2})
	f.Add([]byte{0x90, 14, 0, 8, 0, 1, 1, 4, 10, 0, 0, 1, 0})
	f.Add([]byte{0xc0, 32, 12, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3})
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = ParseAttributes([]string{base64.StdEncoding.EncodeToString(b)})
		_, _ = ParseCapability(base64.StdEncoding.EncodeToString(b))
		_, _ = ParseNLRI(base64.StdEncoding.EncodeToString(b), len(b)%2 == 0)
	})
}
