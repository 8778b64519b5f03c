// SPDX-License-Identifier: Apache-2.0

package router

import (
	"context"
	"os"
	"testing"
)

// oneOutput answers every command with the same bytes.
type oneOutput []byte

func (o oneOutput) Describe() string                             { return "fuzz" }
func (o oneOutput) Run(context.Context, Command) ([]byte, error) { return o, nil }

func seed(f *testing.F, paths ...string) {
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
}

// FuzzFRR feeds arbitrary bytes to every FRR decoder: an error, never a panic.
func FuzzFRR(f *testing.F) {
	seed(f, "testdata/frr/vtysh-show-bgp-summary-json.txt", "testdata/frr/vtysh-show-bgp-neighbors-json.txt",
		"testdata/frr/vtysh-show-bgp-ipv4-unicast-json.txt", "testdata/frr/vtysh-show-ip-route-json.txt")
	f.Add([]byte(`{"ipv4Unicast":{"peers":{"x":{}}}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		_ = Collect(context.Background(), "frr", "", oneOutput(b))
	})
}

// FuzzBIRD feeds arbitrary bytes to the BIRD text parsers.
func FuzzBIRD(f *testing.F) {
	seed(f, "testdata/bird/birdc-show-protocols-all.txt", "testdata/bird/birdc-show-route-all.txt",
		"testdata/bird-broken/birdc-show-protocols-all.txt", "testdata/bird/birdc-show-status.txt")
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = parseBirdProtocols(Command{"birdc", "show protocols all"}, b)
		_, _ = parseBirdRoutes(Command{"birdc", "show route all"}, b)
		_ = Collect(context.Background(), "bird", "", oneOutput(b))
	})
}
