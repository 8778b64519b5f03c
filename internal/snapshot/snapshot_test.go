// SPDX-License-Identifier: Apache-2.0

package snapshot

import (
	"bytes"
	"io"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/bgpnet/kubectl-bgpnet/internal/atomicfile"
	"github.com/bgpnet/kubectl-bgpnet/internal/model"
)

func TestDecodeErrors(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"empty", "", "file is empty"},
		{"whitespace", " \n\t", "file is empty"},
		{"garbage", "\x00\x01binary", "neither JSON nor YAML"},
		{"json array", `[1,2]`, "not a JSON object"},
		{"yaml scalar", "hello", "not a JSON object"},
		{"not a snapshot", `{"apiVersion":"v1","kind":"Pod"}`, "no schemaVersion field, not a bgpnet snapshot"},
		{"newer", `{"schemaVersion": 99}`, "written by a newer bgpnet (schemaVersion 99, this build reads up to 1)"},
		{"zero", `{"schemaVersion": 0}`, "invalid schemaVersion 0"},
		{"wrong type", `{"schemaVersion": 1, "nodes": [{"name": "n", "ready": "yes"}]}`, `field nodes.ready: expected bool, got JSON string`},
		{"bad address", `{"schemaVersion": 1, "nodes": [{"name": "n", "internalIPs": ["999.1.1.1"]}]}`, "999.1.1.1"},
		{"truncated", `{"schemaVersion": 1, "nodes": [{"name"`, "neither JSON nor YAML"},
		{"alias bomb", "schemaVersion: 1\nl0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "l1: &l1 [*l0, *l0, *l0, *l0, *l0, *l0, *l0, *l0, *l0, *l0]\n" +
			"l2: &l2 [*l1, *l1, *l1, *l1, *l1, *l1, *l1, *l1, *l1, *l1]\nl3: &l3 [*l2, *l2, *l2, *l2, *l2, *l2, *l2, *l2, *l2, *l2]\n" +
			"l4: &l4 [*l3, *l3, *l3, *l3, *l3, *l3, *l3, *l3, *l3, *l3]\nl5: &l5 [*l4, *l4, *l4, *l4, *l4, *l4, *l4, *l4, *l4, *l4]\n", "YAML aliases expand it beyond its size"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Decode(strings.NewReader(tt.in), "snap.json")
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "snap.json") {
				t.Errorf("Decode error %v; want one naming snap.json and containing %q", err, tt.want)
			}
		})
	}
}

func TestDecodeTooLarge(t *testing.T) {
	r := strings.NewReader(strings.Repeat(" ", MaxSize+1))
	if _, err := Decode(r, "big"); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("Decode of an oversized file: %v", err)
	}
}

func TestRoundTrip(t *testing.T) {
	demo, err := Demo()
	if err != nil {
		t.Fatal(err)
	}
	if demo.Origin != "demo" || len(demo.Nodes) == 0 || len(demo.Services) == 0 {
		t.Fatalf("demo snapshot looks empty: %+v", demo)
	}
	for _, f := range []Format{JSON, YAML} {
		t.Run(string(f), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "snap."+string(f))
			if err := atomicfile.Write(path, 0o600, func(w io.Writer) error { return Encode(w, demo, f) }); err != nil {
				t.Fatal(err)
			}
			back, err := Load(path)
			if err != nil {
				t.Fatal(err)
			}
			if back.Origin != "file" {
				t.Errorf("origin %q", back.Origin)
			}
			back.Origin = demo.Origin
			if !reflect.DeepEqual(demo, back) {
				t.Errorf("%s round trip changed the snapshot", f)
			}
		})
	}
}

func TestEncodeUnknownFormat(t *testing.T) {
	if err := Encode(&bytes.Buffer{}, &model.Snapshot{}, "xml"); err == nil {
		t.Error("unknown format must fail")
	}
}

func TestFormatForPath(t *testing.T) {
	for path, want := range map[string]Format{"a.yaml": YAML, "A.YML": YAML, "a.json": JSON, "a": JSON} {
		if got := FormatForPath(path); got != want {
			t.Errorf("FormatForPath(%q) = %s", path, got)
		}
	}
}

// FuzzDecode feeds arbitrary bytes to the snapshot loader: it must never panic, and
// whatever it accepts must survive an encode/decode round trip unchanged.
func FuzzDecode(f *testing.F) {
	// small seeds: the fuzzer minimises every new input, which is slow on large ones
	f.Add([]byte(`{"schemaVersion":1}`))
	f.Add([]byte("schemaVersion: 1\nnodes:\n- name: a\n  internalIPs: [10.0.0.1]\n"))
	f.Add([]byte(`{"schemaVersion":1,"pools":[{"metadata":{"name":"p"},"blocks":[{"cidr":"10.0.0.0/24"}]}]}`))
	f.Add([]byte(`{"schemaVersion":2}`))
	f.Add([]byte(`{"schemaVersion":1,"bgp":{"nodeConfigs":[{"metadata":{"name":"n"},"statusInstances":[{"name":"i","peers":[{"name":"p","peerAddress":"fd00::1","establishedTime":"2026-01-01T00:00:00Z"}]}]}]}}`))
	f.Add([]byte(`{"schemaVersion":1,"services":[{"metadata":{"namespace":"a","name":"b"},"type":"LoadBalancer","ingress":[{"ip":"10.0.0.1"}],"endpoints":{"readyByNode":{"n":1}}}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Decode(bytes.NewReader(data), "fuzz")
		if err != nil {
			return
		}
		var buf bytes.Buffer
		if err := Encode(&buf, s, JSON); err != nil {
			t.Fatalf("accepted snapshot does not encode: %v", err)
		}
		first := bytes.Clone(buf.Bytes())
		back, err := Decode(&buf, "re-encoded")
		if err != nil {
			t.Fatalf("re-encoded snapshot does not decode: %v", err)
		}
		var buf2 bytes.Buffer
		if err := Encode(&buf2, back, JSON); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(first, buf2.Bytes()) {
			t.Fatalf("round trip not stable")
		}
	})
}
