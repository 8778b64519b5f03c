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
