// SPDX-License-Identifier: Apache-2.0

package checks

import "github.com/bgpnet/kubectl-bgpnet/internal/model"

// CaseSnapshot is one positive case of the catalogue's tests, for the tests of the
// external package (hostile_test.go) that drive the CLI.
type CaseSnapshot struct {
	ID, Name string
	S        *model.Snapshot
}

// CaseSnapshots returns the snapshot of every positive case, mutated and normalised.
func CaseSnapshots() []CaseSnapshot {
	out := make([]CaseSnapshot, 0, len(cases))
	for _, tc := range cases {
		s := healthy()
		tc.mutate(s)
		s.Normalize()
		out = append(out, CaseSnapshot{ID: tc.id, Name: tc.name, S: s})
	}
	return out
}
