// SPDX-License-Identifier: Apache-2.0

package kube

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/bgpnet/kubectl-bgpnet/internal/model"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/dynamic"
)

// SessionEvent is a change of one session as CiliumBGPNodeConfig status reports it.
type SessionEvent struct {
	Time        time.Time `json:"time"`
	Node        string    `json:"node"`
	Instance    string    `json:"instance"`
	Peer        string    `json:"peer"`
	PeerAddress string    `json:"peerAddress"`
	// From and To are peering states; From is empty for a session first seen (or present
	// when the watch started, with Initial set), To is empty for a session that is gone.
	From    string `json:"from,omitempty"`
	To      string `json:"to,omitempty"`
	Initial bool   `json:"initial,omitempty"`
	// Reset is set when a session that is established both times was re-established in
	// between: its establishedTime moved, so it flapped faster than the status updates.
	Reset bool `json:"reset,omitempty"`
}

// Down reports whether the event leaves the session not established (or gone).
func (e SessionEvent) Down() bool { return !strings.EqualFold(e.To, "established") || e.Reset }

// sessionKey identifies a session within a node.
type sessionKey struct{ instance, peer string }

// sessionsOf indexes a NodeConfig status by instance and peer.
func sessionsOf(st []model.NodeInstanceStatus) map[sessionKey]model.PeerStatus {
	out := map[sessionKey]model.PeerStatus{}
	for _, in := range st {
		for _, p := range in.Peers {
			out[sessionKey{in.Name, p.Name}] = p
		}
	}
	return out
}

// SessionDiff returns the changes between two versions of one node's status, in a
// stable order. before nil means the node was not known: every session is new.
func SessionDiff(node string, before, after []model.NodeInstanceStatus, now time.Time, initial bool) []SessionEvent {
	b, a := sessionsOf(before), sessionsOf(after)
	var out []SessionEvent
	for k, p := range a {
		ev := SessionEvent{Time: now, Node: node, Instance: k.instance, Peer: k.peer, PeerAddress: p.PeerAddress, To: orUnknown(p.PeeringState), Initial: initial}
		old, seen := b[k]
		switch {
		case !seen:
		case old.PeeringState != p.PeeringState:
			ev.From = orUnknown(old.PeeringState)
		case strings.EqualFold(p.PeeringState, "established") && !sameTime(old.EstablishedTime, p.EstablishedTime):
			ev.From, ev.Reset = ev.To, true
		default:
			continue
		}
		out = append(out, ev)
	}
	for k, p := range b {
		if _, ok := a[k]; !ok {
			out = append(out, SessionEvent{Time: now, Node: node, Instance: k.instance, Peer: k.peer, PeerAddress: p.PeerAddress, From: orUnknown(p.PeeringState)})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Instance != out[j].Instance {
			return out[i].Instance < out[j].Instance
		}
		return out[i].Peer < out[j].Peer
	})
	return out
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}

func sameTime(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Equal(*b)
}

// WatchSessions reports the sessions of every node from CiliumBGPNodeConfig status and
// then every change to them, until ctx ends (then it returns nil). It lists once, at
// the newest API version served, and watches from there; a watch that closes or expires
// is resumed, after a fresh list when the server no longer has the version, so that no
// change between the two is lost (it is reported when the list shows it).
func WatchSessions(ctx context.Context, dyn dynamic.Interface, fn func(SessionEvent)) error {
	var k ciliumKind
	for _, c := range ciliumKinds {
		if c.source == model.SourceNodeConfigs {
			k = c
		}
	}
	var ri dynamic.NamespaceableResourceInterface
	var list *unstructured.UnstructuredList
	var err error
	for _, v := range k.versions {
		ri = dyn.Resource(k.gvr(v))
		if list, err = ri.List(ctx, metav1.ListOptions{}); !apierrors.IsNotFound(err) {
			break
		}
	}
	if apierrors.IsNotFound(err) {
		return fmt.Errorf("the API server has no %s.%s (BGPv2 is not installed): watch follows sessions through CiliumBGPNodeConfig status; on BGPv1 use `kubectl bgpnet peers --agents always`", k.resource, ciliumGroup)
	}
	if err != nil {
		return fmt.Errorf("list %s: %w", k.resource, err)
	}
	known := map[string][]model.NodeInstanceStatus{}
	apply := func(items []unstructured.Unstructured, initial bool) {
		seen := map[string]bool{}
		for i := range items {
			nc, err := decodeNodeConfig(&items[i])
			if err != nil {
				continue // a malformed object: its sessions cannot be followed
			}
			seen[nc.Name] = true
			for _, ev := range SessionDiff(nc.Name, known[nc.Name], nc.Status, time.Now().UTC(), initial) {
				fn(ev)
			}
			known[nc.Name] = nc.Status
		}
		if !initial {
			for node, st := range known {
				if !seen[node] {
					for _, ev := range SessionDiff(node, st, nil, time.Now().UTC(), false) {
						fn(ev)
					}
					delete(known, node)
				}
			}
		}
	}
	apply(list.Items, true)
	rv := list.GetResourceVersion()
	for backoff := time.Second; ctx.Err() == nil; {
		w, err := ri.Watch(ctx, metav1.ListOptions{ResourceVersion: rv, AllowWatchBookmarks: true})
		if err == nil {
			rv, err = follow(ctx, w, rv, known, fn)
			w.Stop()
			backoff = time.Second
		}
		if ctx.Err() != nil {
			return nil
		}
		if apierrors.IsResourceExpired(err) || apierrors.IsGone(err) || errors.Is(err, errRelist) {
			if list, err = ri.List(ctx, metav1.ListOptions{}); err == nil {
				apply(list.Items, false)
				rv = list.GetResourceVersion()
				continue
			}
		}
		if err != nil {
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(backoff):
			}
			backoff = min(2*backoff, 30*time.Second)
		}
	}
	return nil
}

// errRelist asks WatchSessions to list again (the watch reported an expired version).
var errRelist = errors.New("watch expired")

// follow handles one watch until it closes; it returns the last resource version seen.
func follow(ctx context.Context, w watch.Interface, rv string, known map[string][]model.NodeInstanceStatus, fn func(SessionEvent)) (string, error) {
	for {
		select {
		case <-ctx.Done():
			return rv, nil
		case ev, ok := <-w.ResultChan():
			if !ok {
				return rv, nil
			}
			if ev.Type == watch.Error {
				if st, ok := ev.Object.(*metav1.Status); ok && (st.Code == 410 || st.Reason == metav1.StatusReasonExpired || st.Reason == metav1.StatusReasonGone) {
					return rv, errRelist
				}
				return rv, fmt.Errorf("watch ciliumbgpnodeconfigs: %v", ev.Object)
			}
			u, ok := ev.Object.(*unstructured.Unstructured)
			if !ok {
				continue
			}
			rv = u.GetResourceVersion()
			if ev.Type == watch.Bookmark {
				continue
			}
			now := time.Now().UTC()
			name := u.GetName()
			if ev.Type == watch.Deleted {
				for _, e := range SessionDiff(name, known[name], nil, now, false) {
					fn(e)
				}
				delete(known, name)
				continue
			}
			nc, err := decodeNodeConfig(u)
			if err != nil {
				continue
			}
			for _, e := range SessionDiff(name, known[name], nc.Status, now, false) {
				fn(e)
			}
			known[name] = nc.Status
		}
	}
}
