// SPDX-License-Identifier: Apache-2.0

package testenv

// TB is the part of testing.TB the harness uses. *testing.T and *testing.B satisfy it;
// so does the lab program (test/lab), which runs the same harness outside `go test`.
type TB interface {
	Helper()
	Fatal(args ...any)
	Fatalf(format string, args ...any)
	Skip(args ...any)
	Logf(format string, args ...any)
	Cleanup(func())
	TempDir() string
}
