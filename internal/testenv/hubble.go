// SPDX-License-Identifier: Apache-2.0

package testenv

import (
	"context"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync"

	flowpb "github.com/cilium/cilium/api/v1/flow"
	observerpb "github.com/cilium/cilium/api/v1/observer"
	"google.golang.org/grpc"
)

// HubbleServer is a real gRPC server speaking the Hubble observer API on loopback. It
// replays recorded flows, applying the request's whitelist, blacklist, since and number
// like hubble-relay does, and with follow keeps the stream open for flows added later.
type HubbleServer struct {
	observerpb.UnimplementedObserverServer
	Addr string

	mu      sync.Mutex
	flows   []*flowpb.Flow
	waiters []chan *flowpb.Flow
}

// StartHubble serves flows on 127.0.0.1 until the test ends.
func StartHubble(t TB, flows []*flowpb.Flow) *HubbleServer {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	h := &HubbleServer{Addr: l.Addr().String(), flows: flows}
	srv := grpc.NewServer()
	observerpb.RegisterObserverServer(srv, h)
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(srv.Stop)
	return h
}

// Add publishes a new flow to followers (and to later requests).
func (h *HubbleServer) Add(f *flowpb.Flow) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.flows = append(h.flows, f)
	for _, w := range h.waiters {
		select {
		case w <- f:
		default:
		}
	}
}

// ServerStatus implements the observer API.
func (h *HubbleServer) ServerStatus(_ context.Context, _ *observerpb.ServerStatusRequest) (*observerpb.ServerStatusResponse, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return &observerpb.ServerStatusResponse{NumFlows: uint64(len(h.flows)), MaxFlows: 4095, SeenFlows: uint64(len(h.flows))}, nil
}

// GetFlows implements the observer API.
func (h *HubbleServer) GetFlows(req *observerpb.GetFlowsRequest, stream grpc.ServerStreamingServer[observerpb.GetFlowsResponse]) error {
	h.mu.Lock()
	var match []*flowpb.Flow
	for _, f := range h.flows {
		if req.GetSince() != nil && f.GetTime().AsTime().Before(req.GetSince().AsTime()) {
			continue
		}
		if selected(f, req.GetWhitelist(), true) && !selected(f, req.GetBlacklist(), false) {
			match = append(match, f)
		}
	}
	var ch chan *flowpb.Flow
	if req.GetFollow() {
		ch = make(chan *flowpb.Flow, 1024)
		h.waiters = append(h.waiters, ch)
	}
	h.mu.Unlock()
	if n := req.GetNumber(); n > 0 && uint64(len(match)) > n {
		match = match[uint64(len(match))-n:] // the last n, as --last does
	}
	for _, f := range match {
		if err := stream.Send(&observerpb.GetFlowsResponse{ResponseTypes: &observerpb.GetFlowsResponse_Flow{Flow: f}, NodeName: f.GetNodeName()}); err != nil {
			return err
		}
	}
	if ch == nil {
		return nil
	}
	defer h.unwait(ch)
	for {
		select {
		case <-stream.Context().Done():
			return nil
		case f := <-ch:
			if selected(f, req.GetWhitelist(), true) && !selected(f, req.GetBlacklist(), false) {
				if err := stream.Send(&observerpb.GetFlowsResponse{ResponseTypes: &observerpb.GetFlowsResponse_Flow{Flow: f}}); err != nil {
					return err
				}
			}
		}
	}
}

// selected applies a filter list: filters are ORed, the fields of one filter ANDed;
// an empty list selects everything when empty means all.
func selected(f *flowpb.Flow, filters []*flowpb.FlowFilter, emptyMeansAll bool) bool {
	if len(filters) == 0 {
		return emptyMeansAll
	}
	for _, ff := range filters {
		if matches(f, ff) {
			return true
		}
	}
	return false
}

func matches(f *flowpb.Flow, ff *flowpb.FlowFilter) bool {
	if len(ff.GetSourceIp()) > 0 && !ipIn(f.GetIP().GetSource(), ff.GetSourceIp()) {
		return false
	}
	if len(ff.GetDestinationIp()) > 0 && !ipIn(f.GetIP().GetDestination(), ff.GetDestinationIp()) {
		return false
	}
	sp, dp, proto := ports(f)
	if len(ff.GetSourcePort()) > 0 && !slices.Contains(ff.GetSourcePort(), strconv.Itoa(int(sp))) {
		return false
	}
	if len(ff.GetDestinationPort()) > 0 && !slices.Contains(ff.GetDestinationPort(), strconv.Itoa(int(dp))) {
		return false
	}
	if len(ff.GetProtocol()) > 0 && !slices.ContainsFunc(ff.GetProtocol(), func(p string) bool { return strings.EqualFold(p, proto) }) {
		return false
	}
	if len(ff.GetVerdict()) > 0 && !slices.Contains(ff.GetVerdict(), f.GetVerdict()) {
		return false
	}
	if len(ff.GetDropReasonDesc()) > 0 && !slices.Contains(ff.GetDropReasonDesc(), f.GetDropReasonDesc()) {
		return false
	}
	if len(ff.GetNodeName()) > 0 && !slices.Contains(ff.GetNodeName(), f.GetNodeName()) {
		return false
	}
	return true
}

// ipIn matches an address against addresses and CIDRs.
func ipIn(ip string, list []string) bool {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return false
	}
	for _, s := range list {
		if p, err := netip.ParsePrefix(s); err == nil && p.Contains(a) {
			return true
		}
		if b, err := netip.ParseAddr(s); err == nil && a == b {
			return true
		}
	}
	return false
}

func ports(f *flowpb.Flow) (src, dst uint32, proto string) {
	l4 := f.GetL4()
	switch {
	case l4.GetTCP() != nil:
		return l4.GetTCP().GetSourcePort(), l4.GetTCP().GetDestinationPort(), "tcp"
	case l4.GetUDP() != nil:
		return l4.GetUDP().GetSourcePort(), l4.GetUDP().GetDestinationPort(), "udp"
	case l4.GetICMPv4() != nil:
		return 0, 0, "icmp"
	case l4.GetICMPv6() != nil:
		return 0, 0, "icmpv6"
	}
	return 0, 0, ""
}

// unwait forgets a follower whose stream ended.
func (h *HubbleServer) unwait(ch chan *flowpb.Flow) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for i, w := range h.waiters {
		if w == ch {
			h.waiters = append(h.waiters[:i], h.waiters[i+1:]...)
			return
		}
	}
}
