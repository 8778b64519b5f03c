// SPDX-License-Identifier: Apache-2.0

package snapshot

import (
	"bytes"
	_ "embed"

	"github.com/bgpnet/kubectl-bgpnet/internal/model"
)

// demoJSON is a snapshot of a partly broken dual-stack homelab. It is not typed by
// hand: the integration test TestDemoSnapshot seeds a real kube-apiserver with the
// demo cluster, collects it, and writes this file (go test -run TestDemo -update-demo).
//
//go:embed demo.json
var demoJSON []byte

// DemoJSON returns the embedded demo snapshot as written.
func DemoJSON() []byte { return bytes.Clone(demoJSON) }

// Demo returns the embedded demo snapshot.
func Demo() (*model.Snapshot, error) {
	s, err := Decode(bytes.NewReader(demoJSON), "embedded demo")
	if err != nil {
		return nil, err
	}
	s.Origin = "demo"
	return s, nil
}
