// SPDX-License-Identifier: Apache-2.0

package model

import (
	"fmt"
	"strings"
	"time"
)

// SourceHubble is the source of flows (hubble-relay through the Hubble observer API).
const SourceHubble = "hubble"

// Flow is one Hubble flow, reduced to what troubleshooting BGP-announced Services needs.
type Flow struct {
	Time            time.Time `json:"time"`
	Verdict         string    `json:"verdict"`
	DropReason      string    `json:"dropReason,omitempty"`
	Node            string    `json:"node,omitempty"`
	Protocol        string    `json:"protocol,omitempty"`
	Source          string    `json:"source"`
	SourcePort      uint32    `json:"sourcePort,omitempty"`
	Destination     string    `json:"destination"`
	DestinationPort uint32    `json:"destinationPort,omitempty"`
	// SourceName and DestinationName are namespace/pod, or the first label (reserved:world).
	SourceName         string `json:"sourceName,omitempty"`
	DestinationName    string `json:"destinationName,omitempty"`
	DestinationService string `json:"destinationService,omitempty"`
	Direction          string `json:"direction,omitempty"`
	IsReply            bool   `json:"isReply,omitempty"`
	// Flags summarises TCP flags or the ICMP type.
	Flags string `json:"flags,omitempty"`
}

// Endpoint renders one end of a flow as "ip:port (name)" ("[ip]:port" for IPv6; the
// port and the name only when known), as hubble observe does.
func Endpoint(ip string, port uint32, name string) string {
	s := ip
	if port != 0 {
		if strings.Contains(ip, ":") {
			s = "[" + ip + "]"
		}
		s += fmt.Sprintf(":%d", port)
	}
	if name != "" {
		s += " (" + name + ")"
	}
	return s
}
