// SPDX-License-Identifier: Apache-2.0

package agent

import (
	"errors"
	"testing"
)

func TestSPDYRefused(t *testing.T) {
	for _, c := range []struct {
		msg  string
		want bool
	}{
		{"unable to upgrade connection: this proxy does not speak SPDY", true},
		{"unable to upgrade connection: 400 Bad Request", true},
		{`unable to upgrade connection: pods "cilium-x" is forbidden: User "viewer" cannot create resource "pods/exec"`, false},
		{`unable to upgrade connection: container not found ("cilium-agent")`, false},
		{`unable to upgrade connection: pods "cilium-x" not found`, false},
		{"command terminated with exit code 1", false},
		{"i/o timeout", false},
	} {
		if got := spdyRefused(errors.New(c.msg)); got != c.want {
			t.Errorf("spdyRefused(%q) = %v, want %v", c.msg, got, c.want)
		}
	}
}

func TestLockedBufferBounds(t *testing.T) {
	for _, c := range []struct {
		name   string
		b      *lockedBuffer
		writes []string
		want   string
		over   bool
	}{
		{"stdout within", &lockedBuffer{max: 8}, []string{"1234", "5678"}, "12345678", false},
		{"stdout beyond", &lockedBuffer{max: 8}, []string{"1234", "56789"}, "1234", true},
		{"stderr beyond", &lockedBuffer{max: 8, head: true}, []string{"1234", "56789", "abc"}, "12345678 … (4 more bytes not kept)", false},
	} {
		var failed bool
		for _, w := range c.writes {
			if n, err := c.b.Write([]byte(w)); err != nil {
				failed = true
				if !errors.Is(err, errOutputTooLarge) || n != 0 {
					t.Errorf("%s: write %d, %v", c.name, n, err)
				}
			}
		}
		if got := string(c.b.copy()); got != c.want || c.b.tooLarge() != c.over || failed != c.over {
			t.Errorf("%s: %q over %v (a write failed: %v), want %q over %v", c.name, got, c.b.tooLarge(), failed, c.want, c.over)
		}
	}
}
