// SPDX-License-Identifier: Apache-2.0

// Package version holds the build identity stamped in by the linker.
package version

import "runtime"

// Stamped with -ldflags "-X github.com/bgpnet/kubectl-bgpnet/internal/version.Version=v0.1.0 ...".
var (
	Version = "dev"
	Commit  = "unknown"
	Date    = "unknown"
)

// Info is the build identity as printed by `kubectl bgpnet version`.
type Info struct {
	Version   string `json:"version"`
	Commit    string `json:"commit"`
	Date      string `json:"date"`
	GoVersion string `json:"goVersion"`
	Platform  string `json:"platform"`
}

// Get returns the stamped build identity.
func Get() Info {
	return Info{
		Version:   Version,
		Commit:    Commit,
		Date:      Date,
		GoVersion: runtime.Version(),
		Platform:  runtime.GOOS + "/" + runtime.GOARCH,
	}
}
