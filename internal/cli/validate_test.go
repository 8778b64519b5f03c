// SPDX-License-Identifier: Apache-2.0

package cli

import (
	"strings"
	"testing"
)

// Refused flags and arguments exit 2 with a message naming the flag, before anything
// is collected.
func TestRefusedFlags(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"zero timeout", []string{"snapshot", "--demo", "--timeout", "0s"}, "--timeout must be positive, got 0s"},
		{"negative timeout", []string{"doctor", "--demo", "--timeout=-5s"}, "--timeout must be positive, got -5s"},
		{"unparsable timeout", []string{"doctor", "--demo", "--timeout", "soon"}, `invalid argument "soon" for "--timeout"`},
		{"zero router timeout", []string{"doctor", "--demo", "--router-timeout", "0s"}, "--router-timeout must be positive"},
		{"negative router timeout", []string{"router", "show", "--router", "frr", "--router-timeout=-1s"}, "--router-timeout must be positive"},
		{"zero agent timeout", []string{"peers", "--demo", "--agent-timeout", "0s"}, "--agent-timeout must be positive"},
		{"negative agent timeout", []string{"snapshot", "--demo", "--agent-timeout=-1m"}, "--agent-timeout must be positive"},
		{"zero hubble timeout", []string{"doctor", "--demo", "--hubble-timeout", "0s"}, "--hubble-timeout must be positive"},
		{"zero probe timeout", []string{"probe", "--demo", "--probe-timeout", "0s"}, "--probe-timeout must be positive"},
		{"absurd count", []string{"probe", "--demo", "--count", "100000"}, "--count must be between 1 and 1000"},
		{"negative since", []string{"flows", "--hubble-server", "127.0.0.1:1", "--since=-10m"}, "--since must not be negative"},
		{"negative for", []string{"watch", "--for=-1s"}, "--for must not be negative"},
		{"negative refresh", []string{"--demo", "--refresh=-30s"}, "--refresh must be 0 or at least 1s"},
		{"tiny refresh", []string{"--demo", "--refresh", "1ms"}, "--refresh must be 0 or at least 1s"},
		{"zero concurrency", []string{"doctor", "--demo", "--agent-concurrency", "0"}, "--agent-concurrency must be between 1 and 1024, got 0"},
		{"negative concurrency", []string{"nodes", "--demo", "--agent-concurrency=-4"}, "--agent-concurrency must be between 1 and 1024, got -4"},
		{"absurd concurrency", []string{"routes", "--demo", "--agent-concurrency", "100000"}, "--agent-concurrency must be between 1 and 1024, got 100000"},
		{"empty check", []string{"doctor", "--demo", "--check", ""}, `--check is empty`},
		{"empty check ID", []string{"doctor", "--demo", "--check", "lbipam-first-last-ip,"}, "an empty check ID"},
		{"empty skip", []string{"doctor", "--demo", "--skip="}, "--skip is empty"},
		{"nothing left", []string{"doctor", "--demo", "--check", "lbipam-first-last-ip", "--skip", "lbipam-first-last-ip"}, "leaves no check to run"},
		{"empty subject", []string{"fix", "--all", "--demo", "--subject", ""}, `--subject "": an empty part`},
		{"subject empty kind", []string{"fix", "--all", "--demo", "--subject", "/nuc-2"}, "an empty part"},
		{"subject empty name", []string{"fix", "--all", "--demo", "--subject", "Node/"}, "an empty part"},
		{"subject empty namespace", []string{"fix", "--all", "--demo", "--subject", "Service//web"}, "an empty part"},
		{"subject too deep", []string{"fix", "--all", "--demo", "--subject", "a/b/c/d"}, "want KIND/NAME, KIND/NAMESPACE/NAME or NAME"},
		{"label set and removed", []string{"what-if", "label", "nuc-2", "a=b", "a-", "--demo"}, "label a given twice (a=b and a-)"},
		{"label set twice", []string{"what-if", "label", "nuc-2", "a=b", "a=c", "--demo"}, "label a given twice"},
		{"label bad output", []string{"what-if", "label", "nuc-2", "a=b", "--demo", "-o", "xml"}, `--output "xml"`},
		{"unknown output", []string{"peers", "--demo", "-o", "xml"}, `--output "xml"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := run(t, tt.args...)
			if code != exitBroken || out != "" || !strings.Contains(errOut, tt.want) {
				t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit 2 and %q", tt.args, code, out, errOut, tt.want)
			}
		})
	}
}

// Well-formed values of the same flags are accepted.
func TestAcceptedFlags(t *testing.T) {
	for _, args := range [][]string{
		{"fix", "--all", "--demo", "--subject", "nuc-2"},
		{"fix", "--all", "--demo", "--subject", "Node/nuc-2"},
		{"fix", "--all", "--demo", "--subject", "Service/media/jellyfin"},
		{"doctor", "--demo", "--agent-concurrency", "1024", "--fail-on", "never"},
		{"what-if", "label", "nuc-2", "bgp-enabled=true", "bgp_enabled-", "--demo"},
	} {
		if code, _, errOut := run(t, args...); code != 0 {
			t.Errorf("%v: exit %d, stderr %q", args, code, errOut)
		}
	}
}

func TestValidSubject(t *testing.T) {
	for s, ok := range map[string]bool{
		"nuc-2": true, "Node/nuc-2": true, "Service/ns/web": true,
		"": false, "/": false, "Node/": false, "/x": false, "a//b": false, "a/b/c/d": false, " /x": false,
	} {
		if err := validSubject(s); (err == nil) != ok {
			t.Errorf("validSubject(%q) = %v, want ok=%v", s, err, ok)
		}
	}
}
