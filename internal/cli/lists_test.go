// SPDX-License-Identifier: Apache-2.0

package cli

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestListCommandsOnDemo(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"peers", "--demo"}, []string{"pi-cp  instance-64512  gw-v6", "active", "CiliumBGPNodeConfig"}},
		{[]string{"peers", "--demo", "-o", "wide", "--node", "nuc-1"}, []string{"HOLD/KEEPALIVE", "9s/3s"}},
		{[]string{"pools", "--demo"}, []string{"internal  10.20.0.10-10.20.0.20 ", "public    192.168.10.0/28,2001:db8:10::/124  3     29"}},
		{[]string{"pools", "--demo", "-o", "wide"}, []string{"media/jellyfin", "pool=public"}},
		{[]string{"nodes", "--demo"}, []string{"nuc-2  yes    192.168.1.12,fd00:1::12", "1/2"}},
		{[]string{"nodes", "--demo", "-o", "wide"}, []string{"bgp_enabled=true"}},
		{[]string{"routes", "--demo"}, []string{"No advertised routes"}},
	} {
		code, out, errOut := run(t, tc.args...)
		if code != 0 {
			t.Errorf("%v: exit %d %s", tc.args, code, errOut)
		}
		for _, w := range tc.want {
			if !strings.Contains(out, w) {
				t.Errorf("%v: output lacks %q:\n%s", tc.args, w, out)
			}
		}
	}
	for _, cmd := range []string{"peers", "pools", "nodes", "routes"} {
		_, out, _ := run(t, cmd, "--demo", "-o", "json")
		var doc map[string]json.RawMessage
		if err := json.Unmarshal([]byte(out), &doc); err != nil || doc[cmd] == nil || string(doc[cmd]) == "null" || doc["sources"] == nil {
			t.Errorf("%s -o json: %v %s", cmd, err, out)
		}
	}
	for _, args := range [][]string{{"routes", "--demo", "--prefix", "nonsense"}, {"routes", "--demo", "--service", "noslash"}, {"peers", "--demo", "--agents", "sometimes"}, {"pools", "--demo", "-o", "xml"}} {
		if code, _, _ := run(t, args...); code == 0 {
			t.Errorf("%v accepted", args)
		}
	}
}
