// SPDX-License-Identifier: Apache-2.0

package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestRouterSpecs(t *testing.T) {
	file := filepath.Join(t.TempDir(), "routers.yaml")
	if err := os.WriteFile(file, []byte("routers:\n- {name: dc1-tor, kind: frr, cmd: ssh admin@dc1 sudo}\n- {kind: bird, dir: ./dc2}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// a billion laughs, and a file larger than any list of routers
	bomb := filepath.Join(t.TempDir(), "bomb.yaml")
	laughs := "l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
	for i := 1; i < 12; i++ {
		laughs += fmt.Sprintf("l%d: &l%d [*l%d, *l%d, *l%d, *l%d, *l%d, *l%d, *l%d, *l%d, *l%d, *l%d]\n", i, i, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1)
	}
	huge := filepath.Join(t.TempDir(), "huge.yaml")
	for p, data := range map[string]string{bomb: laughs + "routers: []\n", huge: "routers: []\n" + strings.Repeat("#", 2<<20)} {
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct {
		name string
		opts RouterOptions
		want string // names and kinds, or the error
	}{
		{"none", RouterOptions{}, ""},
		{"one", RouterOptions{Kinds: []string{"frr"}, Cmds: []string{"ip netns exec rtr"}}, "frr/frr/ip netns exec rtr/"},
		{"two unnamed", RouterOptions{Kinds: []string{"frr", "frr"}, Dirs: []string{"a", "b"}}, "frr/frr//a frr-2/frr//b"},
		{"file plus flag", RouterOptions{File: file, Kinds: []string{"bird"}, Names: []string{"lab"}}, "dc1-tor/frr/ssh admin@dc1 sudo/ bird/bird//./dc2 lab/bird//"},
		{"bad kind", RouterOptions{Kinds: []string{"quagga"}}, `router 1: --router "quagga": want one of frr, bird`},
		{"too many cmds", RouterOptions{Kinds: []string{"frr"}, Cmds: []string{"a", "b"}}, "--router-cmd given 2 times for 1 --router"},
		{"cmd and dir", RouterOptions{Kinds: []string{"frr"}, Cmds: []string{"a"}, Dirs: []string{"b"}}, "router 1 (frr): give a command or a directory, not both"},
		{"bad file", RouterOptions{File: file + ".missing"}, "--routers: open"},
		{"negative timeout", RouterOptions{Kinds: []string{"frr"}, Timeout: -time.Second}, "--router-timeout must be positive, got -1s"},
		{"alias bomb", RouterOptions{File: bomb}, "--routers " + bomb + ": YAML aliases expand it beyond its size"},
		{"huge file", RouterOptions{File: huge}, "--routers: " + huge + ": larger than 1024 KiB"},
	} {
		if c.opts.Timeout == 0 {
			c.opts.Timeout = 10 * time.Second // the flag's default
		}
		specs, err := c.opts.specs()
		var got string
		if err != nil {
			got = err.Error()
		} else {
			var parts []string
			for _, s := range specs {
				parts = append(parts, s.Name+"/"+s.Kind+"/"+s.Cmd+"/"+s.Dir)
			}
			got = strings.Join(parts, " ")
		}
		if !strings.HasPrefix(got, c.want) || (c.want == "" && got != "") {
			t.Errorf("%s: got %q, want %q", c.name, got, c.want)
		}
	}
}

// A capture that saved only part of the outputs says so and exits 1; one that saved
// nothing fails; a complete one exits 0.
func TestRouterCapturePartial(t *testing.T) {
	dir := t.TempDir()
	stub := func(failOn string) {
		script := "#!/bin/sh\ncase \"$2\" in " + failOn + ") echo 'vtysh: failed to connect' >&2; exit 1;; esac\necho '{}'\n"
		if err := os.WriteFile(filepath.Join(dir, "vtysh"), []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("PATH", dir+":/usr/bin:/bin")
	for _, tc := range []struct {
		failOn string
		code   int
		want   string
	}{
		{"'show ip route json'", 1, "only part of the frr router's outputs were saved"},
		{"*", 1, "no output saved"},
		{"nothing", 0, "saved the frr router's outputs"},
	} {
		stub(tc.failOn)
		code, out, errOut := run(t, "router", "capture", filepath.Join(t.TempDir(), "out"), "--router", "frr")
		if code != tc.code || !strings.Contains(out+errOut, tc.want) {
			t.Errorf("failing %s: exit %d, want %d with %q:\n%s%s", tc.failOn, code, tc.code, tc.want, out, errOut)
		}
	}
}
