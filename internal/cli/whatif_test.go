// SPDX-License-Identifier: Apache-2.0

package cli

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var updateGolden = flag.Bool("update", false, "rewrite the golden files in testdata")

func TestWhatIfLabel(t *testing.T) {
	code, out, errOut := run(t, "what-if", "label", "nuc-2", "bgp-enabled=true", "bgp_enabled-", "--demo")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	golden := filepath.Join("testdata", "whatif-nuc-2.txt")
	if *updateGolden {
		if err := os.WriteFile(golden, []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
	} else if want, err := os.ReadFile(golden); err != nil || string(want) != out {
		t.Errorf("output differs from %s (go test ./internal/cli -run TestWhatIfLabel -update):\n%s", golden, out)
	}

	code, out, _ = run(t, "what-if", "label", "nuc-2", "bgp-enabled=true", "--demo", "-o", "json")
	var doc struct {
		WhatIf struct {
			After struct {
				SelectedBy []struct{ Name string } `json:"selectedBy"`
			} `json:"after"`
			Resolved []struct{ ID string } `json:"resolvedFindings"`
		} `json:"whatIf"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil || code != 0 {
		t.Fatalf("-o json: exit %d, %v\n%s", code, err, out)
	}
	if len(doc.WhatIf.After.SelectedBy) != 1 || len(doc.WhatIf.Resolved) == 0 {
		t.Errorf("json: %+v", doc.WhatIf)
	}

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"what-if", "label", "nuc-9", "a=b", "--demo"}, `node "nuc-9" is not in the snapshot`},
		{[]string{"what-if", "label", "nuc-2", "bad key=x", "--demo"}, "invalid key"},
		{[]string{"what-if", "label", "nuc-2", "--demo"}, "requires at least 2 arg"},
	} {
		if code, _, errOut := run(t, tc.args...); code == 0 || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d, stderr %q, want %q", tc.args, code, errOut, tc.want)
		}
	}
}
