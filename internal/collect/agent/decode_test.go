// SPDX-License-Identifier: Apache-2.0

package agent

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func read(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDecodePeers(t *testing.T) {
	peers, err := DecodePeers(read(t, "peers-gobgp-lab.json"))
	if err != nil || len(peers) != 1 {
		t.Fatalf("lab sample: %v %+v", err, peers)
	}
	p := peers[0]
	if p.Name != "rtr" || p.PeerAddress != "192.0.2.1" || p.State != "established" || p.Uptime != 4*time.Second ||
		p.Families[0].Received != 3 || p.Families[0].Advertised != 2 || p.Instance != "asn-64512" || p.ConnectRetry != 5 {
		t.Errorf("lab peer: %+v", p)
	}

	peers, err = DecodePeers(read(t, "peers-1.14-doc.json"))
	if err != nil || len(peers) != 1 {
		t.Fatalf("doc sample: %v", err)
	}
	p = peers[0]
	if p.EBGPMultihopTTL != 10 || len(p.Families) != 2 || p.Families[1].AFI != "ipv6" || p.Families[1].Advertised != 0 ||
		strings.Join(p.LocalCapabilities, ";") != "multiprotocol ipv4-unicast;4-octet-as 65001" || p.RemoteCapabilities[0] != "multiprotocol ipv6-unicast" {
		t.Errorf("doc peer: %+v", p)
	}

	peers, err = DecodePeers(read(t, "peers-1.20-shell.json"))
	if err != nil || len(peers) != 2 {
		t.Fatalf("1.20 shell form: %v %+v", err, peers)
	}
	if p := peers[0]; p.Instance != "instance-65001" || p.Name != "peer-65000-tor1" || p.AppliedHold != 90 || p.ConnectRetry != 120 ||
		!p.GracefulRestart || p.GRRestartTime != 120 || p.Uptime != 125*time.Second {
		t.Errorf("shell peer: %+v", p)
	}
	if peers[1].State != "active" {
		t.Errorf("second shell peer: %+v", peers[1])
	}
}

func TestDecodeRoutes(t *testing.T) {
	routes, err := DecodeRoutes(read(t, "routes-advertised-ipv4.json"))
	if err != nil || len(routes) != 2 {
		t.Fatalf("routes: %v %+v", err, routes)
	}
	if r := routes[0]; r.Prefix.String() != "10.1.0.0/24" || r.Peer != "10.0.1.1" || r.NextHops[0].String() != "10.0.1.2" || r.ASPath[0] != 65001 || r.Error != "" {
		t.Errorf("route 0: %+v", r)
	}
	if r := routes[1]; r.Prefix.String() != "198.51.100.10/32" || !r.Best || r.Communities[0] != "64512:100" {
		t.Errorf("route 1: %+v", r)
	}
}

func TestBadOutput(t *testing.T) {
	tests := []struct {
		name, out, want string
		disabled        bool
	}{
		{"disabled", "BGP Control Plane is disabled\n", "", true},
		{"empty", "  \n", "empty output", false},
		{"garbage", "Error: unable to connect to agent socket /var/run/cilium/cilium.sock: dial unix: no such file", `output starts "Error: unable to connect`, false},
		{"truncated", `[{"name":"rtr","local-asn":645`, `output starts "[{\"name\":\"rtr\",\"local-asn\":645"`, false},
		{"wrong type", `[{"name":"rtr","local-asn":"64512"}]`, "local-asn", false},
		{"object", `{"peers":[]}`, "not a JSON array", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodePeers([]byte(tt.out))
			if tt.disabled != errors.Is(err, ErrBGPDisabled) || err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("DecodePeers: %v", err)
			}
			if _, err := DecodeRoutes([]byte(tt.out)); err == nil {
				t.Error("DecodeRoutes accepted it")
			}
		})
	}
	long := strings.Repeat("x", 5000)
	if _, err := DecodePeers([]byte(long)); err == nil || len(err.Error()) > 400 {
		t.Errorf("error must quote only the start of the output: %d bytes", len(err.Error()))
	}
}

func TestRouteWithBrokenAttributesKeepsPrefix(t *testing.T) {
	out := `[{"prefix":"10.1.0.0/24","paths":[{"best":true,"path-attributes":[{"base64":"QAMECgABAg=="},{"base64":"QAM="}]}]}]`
	routes, err := DecodeRoutes([]byte(out))
	if err != nil || len(routes) != 1 || routes[0].Prefix.String() != "10.1.0.0/24" || routes[0].Error == "" || len(routes[0].NextHops) != 1 {
		t.Errorf("routes %+v, err %v", routes, err)
	}
	// no prefix string: taken from the NLRI
	routes, err = DecodeRoutes([]byte(`[{"paths":[{"family":{"afi":"ipv4"},"nlri":{"base64":"GAoBAA=="}}]}]`))
	if err != nil || routes[0].Prefix.String() != "10.1.0.0/24" {
		t.Errorf("NLRI fallback: %+v %v", routes, err)
	}
}

func FuzzDecodePeers(f *testing.F) {
	for _, n := range []string{"peers-gobgp-lab.json", "peers-1.14-doc.json", "peers-1.20-shell.json"} {
		b, err := os.ReadFile(filepath.Join("testdata", n))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("BGP Control Plane is disabled"))
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = DecodePeers(b)
	})
}

func FuzzDecodeRoutes(f *testing.F) {
	b, err := os.ReadFile(filepath.Join("testdata", "routes-advertised-ipv4.json"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Add([]byte(`[{"paths":[{"nlri":{"base64":"GAoBAA=="}}]}]`))
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = DecodeRoutes(b)
	})
}
