// SPDX-License-Identifier: Apache-2.0

// Package hubble reads flows from hubble-relay (or any Hubble observer server) over
// its gRPC API: dialled directly or through a port-forward to the hubble-relay Service.
package hubble

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/bgpnet/kubectl-bgpnet/internal/model"
	flowpb "github.com/cilium/cilium/api/v1/flow"
	observerpb "github.com/cilium/cilium/api/v1/observer"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// TLSOptions configure TLS to the server; without TLS the connection is plaintext,
// as hubble-relay serves by default.
type TLSOptions struct {
	Enabled    bool
	CAFile     string // verify the server with this CA (default: system roots)
	CertFile   string // client certificate for mTLS
	KeyFile    string
	ServerName string // e.g. instance.hubble-relay.cilium.io
	Insecure   bool   // skip verification (testing only)
}

// MaxMessage bounds one message from the server: a flow with all its labels is a few
// KiB; a larger message fails the stream (ResourceExhausted) instead of being read.
const MaxMessage = 1 << 20

// Dial connects to an observer server at addr ("host:port"; a tls:// prefix turns TLS on).
func Dial(addr string, t TLSOptions) (*grpc.ClientConn, error) {
	if strings.HasPrefix(addr, "tls://") {
		addr, t.Enabled = strings.TrimPrefix(addr, "tls://"), true
	}
	creds := insecure.NewCredentials()
	if t.Enabled {
		cfg := &tls.Config{ServerName: t.ServerName, InsecureSkipVerify: t.Insecure, MinVersion: tls.VersionTLS12} //nolint:gosec // opt-in flag
		if t.CAFile != "" {
			pem, err := os.ReadFile(t.CAFile)
			if err != nil {
				return nil, fmt.Errorf("read Hubble CA %s: %w", t.CAFile, err)
			}
			pool := x509.NewCertPool()
			if !pool.AppendCertsFromPEM(pem) {
				return nil, fmt.Errorf("no certificate in Hubble CA %s", t.CAFile)
			}
			cfg.RootCAs = pool
		}
		if t.CertFile != "" || t.KeyFile != "" {
			cert, err := tls.LoadX509KeyPair(t.CertFile, t.KeyFile)
			if err != nil {
				return nil, fmt.Errorf("load Hubble client certificate: %w", err)
			}
			cfg.Certificates = []tls.Certificate{cert}
		}
		creds = credentials.NewTLS(cfg)
	}
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(creds), grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(MaxMessage)))
	if err != nil {
		return nil, fmt.Errorf("connect to Hubble at %s: %w", addr, err)
	}
	return conn, nil
}

// Query selects flows.
type Query struct {
	// IPs matches flows from or to any of these addresses or CIDRs.
	IPs []string
	// Ports matches flows from or to any of these ports (with Protocol if set).
	Ports    []string
	Protocol string
	Verdicts []flowpb.Verdict
	Since    time.Duration
	Last     uint64
	Follow   bool
}

// Request builds the GetFlows request: filters in the whitelist are ORed, fields
// inside one filter ANDed, so "from or to" is two filters (as the hubble CLI does).
func (q Query) Request(now time.Time) *observerpb.GetFlowsRequest {
	req := &observerpb.GetFlowsRequest{Number: q.Last, Follow: q.Follow}
	if q.Since > 0 {
		req.Since = timestamppb.New(now.Add(-q.Since))
	}
	base := func() *flowpb.FlowFilter {
		f := &flowpb.FlowFilter{Verdict: q.Verdicts}
		if q.Protocol != "" {
			f.Protocol = []string{q.Protocol}
		}
		return f
	}
	switch {
	case len(q.IPs) > 0:
		src, dst := base(), base()
		src.SourceIp, dst.DestinationIp = q.IPs, q.IPs
		if len(q.Ports) > 0 {
			src.SourcePort, dst.DestinationPort = q.Ports, q.Ports // reply and request of the service
		}
		req.Whitelist = []*flowpb.FlowFilter{src, dst}
	case len(q.Ports) > 0:
		src, dst := base(), base()
		src.SourcePort, dst.DestinationPort = q.Ports, q.Ports
		req.Whitelist = []*flowpb.FlowFilter{src, dst}
	case len(q.Verdicts) > 0 || q.Protocol != "":
		req.Whitelist = []*flowpb.FlowFilter{base()}
	}
	return req
}

// Stream runs the query and calls fn for every flow until the server ends the
// stream, fn returns an error, or ctx ends.
func Stream(ctx context.Context, client observerpb.ObserverClient, req *observerpb.GetFlowsRequest, fn func(model.Flow) error) error {
	stream, err := client.GetFlows(ctx, req)
	if err != nil {
		return fmt.Errorf("Hubble GetFlows: %w", err)
	}
	for {
		resp, err := stream.Recv()
		switch {
		case errors.Is(err, io.EOF), status.Code(err) == codes.Canceled && ctx.Err() != nil, errors.Is(err, context.Canceled):
			return nil
		case err != nil:
			return fmt.Errorf("Hubble GetFlows: %w", err)
		}
		if f := resp.GetFlow(); f != nil {
			if err := fn(FromProto(f)); err != nil {
				return err
			}
		}
	}
}

// FromProto reduces a Hubble flow to the model.
func FromProto(f *flowpb.Flow) model.Flow {
	out := model.Flow{
		Verdict: f.GetVerdict().String(), Node: f.GetNodeName(), Direction: f.GetTrafficDirection().String(), IsReply: f.GetIsReply().GetValue(),
		Source: f.GetIP().GetSource(), Destination: f.GetIP().GetDestination(),
		SourceName: endpointName(f.GetSource()), DestinationName: endpointName(f.GetDestination()),
	}
	if f.GetTime() != nil {
		out.Time = f.GetTime().AsTime().UTC()
	}
	if f.GetVerdict() == flowpb.Verdict_DROPPED {
		out.DropReason = f.GetDropReasonDesc().String()
	}
	if svc := f.GetDestinationService(); svc != nil && svc.GetName() != "" {
		out.DestinationService = svc.GetNamespace() + "/" + svc.GetName()
	}
	l4 := f.GetL4()
	switch {
	case l4.GetTCP() != nil:
		out.Protocol, out.SourcePort, out.DestinationPort = "TCP", l4.GetTCP().GetSourcePort(), l4.GetTCP().GetDestinationPort()
		out.Flags = tcpFlags(l4.GetTCP().GetFlags())
	case l4.GetUDP() != nil:
		out.Protocol, out.SourcePort, out.DestinationPort = "UDP", l4.GetUDP().GetSourcePort(), l4.GetUDP().GetDestinationPort()
	case l4.GetICMPv4() != nil:
		out.Protocol, out.Flags = "ICMPv4", "type "+strconv.Itoa(int(l4.GetICMPv4().GetType()))
	case l4.GetICMPv6() != nil:
		out.Protocol, out.Flags = "ICMPv6", "type "+strconv.Itoa(int(l4.GetICMPv6().GetType()))
	case l4.GetSCTP() != nil:
		out.Protocol, out.SourcePort, out.DestinationPort = "SCTP", l4.GetSCTP().GetSourcePort(), l4.GetSCTP().GetDestinationPort()
	}
	return out
}

func endpointName(e *flowpb.Endpoint) string {
	switch {
	case e == nil:
		return ""
	case e.GetPodName() != "":
		return e.GetNamespace() + "/" + e.GetPodName()
	case len(e.GetLabels()) > 0:
		return e.GetLabels()[0]
	}
	return ""
}

func tcpFlags(f *flowpb.TCPFlags) string {
	if f == nil {
		return ""
	}
	var out []string
	for _, x := range []struct {
		set  bool
		name string
	}{{f.GetSYN(), "SYN"}, {f.GetACK(), "ACK"}, {f.GetFIN(), "FIN"}, {f.GetRST(), "RST"}, {f.GetPSH(), "PSH"}} {
		if x.set {
			out = append(out, x.name)
		}
	}
	return strings.Join(out, ",")
}
