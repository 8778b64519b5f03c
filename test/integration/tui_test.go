// SPDX-License-Identifier: Apache-2.0

package integration

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/bgpnet/kubectl-bgpnet/internal/cli"
	"github.com/bgpnet/kubectl-bgpnet/internal/testenv"
	"github.com/bgpnet/kubectl-bgpnet/internal/tui/app"
	"github.com/charmbracelet/x/ansi"
	flowpb "github.com/cilium/cilium/api/v1/flow"
	"google.golang.org/protobuf/types/known/timestamppb"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/kubernetes"
)

// frameMsg asks the running program for its current frame (answered by the filter
// inside the event loop, so the test never reads the model concurrently).
type frameMsg struct{ ch chan string }

// TestTUILive runs the terminal UI's program against the live lab, as `kubectl bgpnet
// --refresh 2s` would: Peers shows both sessions from the agents, turns node2's to
// unknown when its speaker stops (the next auto-refresh), and back; Flows streams from
// the lab's Hubble server and shows a flow added while it watches.
func TestTUILive(t *testing.T) {
	if testenv.AssetsDir() == "" {
		t.Skip("integration test skipped: no test assets; run `make test`")
	}
	lab := testenv.StartLab(t, testenv.LabOptions{})
	m, closeFn, err := cli.NewTUI(genericiooptions.IOStreams{In: &bytes.Buffer{}, Out: io.Discard, ErrOut: io.Discard},
		[]string{"--kubeconfig", lab.Kubeconfig, "--refresh", "2s", "--screen", "peers", "--theme", "dark"})
	if err != nil {
		t.Fatal(err)
	}
	defer closeFn()
	filter := func(model tea.Model, msg tea.Msg) tea.Msg {
		if f, ok := msg.(frameMsg); ok {
			f.ch <- ansi.Strip(model.(*app.Model).Render())
			return nil
		}
		return msg
	}
	inR, inW := io.Pipe()
	defer inW.Close()
	p := tea.NewProgram(m, tea.WithInput(inR), tea.WithOutput(io.Discard), tea.WithWindowSize(160, 40), tea.WithFilter(filter), tea.WithoutSignals())
	done := make(chan error, 1)
	go func() { _, err := p.Run(); done <- err }()
	defer p.Kill()
	p.Send(tea.WindowSizeMsg{Width: 160, Height: 40})

	frame := func() string {
		ch := make(chan string, 1)
		p.Send(frameMsg{ch})
		select {
		case s := <-ch:
			return s
		case <-time.After(5 * time.Second):
			t.Fatal("the program did not answer within 5s")
			return ""
		}
	}
	waitFor := func(what string, cond func(string) bool) string {
		t.Helper()
		deadline := time.Now().Add(45 * time.Second)
		for {
			f := frame()
			if cond(f) {
				return f
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: not within 45s; frame:\n%s", what, f)
			}
			time.Sleep(300 * time.Millisecond)
		}
	}
	row := func(f, node string) string {
		for _, l := range strings.Split(f, "\n") {
			if strings.HasPrefix(l, node+" ") {
				return l
			}
		}
		return ""
	}
	key := func(k string) { p.Send(tea.KeyPressMsg{Code: rune(k[0]), Text: k}) }

	waitFor("both sessions established", func(f string) bool {
		return strings.Contains(row(f, "node1"), "established") && strings.Contains(row(f, "node2"), "established")
	})
	if err := lab.Net.StopSpeaker("node2"); err != nil {
		t.Fatal(err)
	}
	f := waitFor("node2 down on the next refresh", func(f string) bool { return strings.Contains(row(f, "node2"), "unknown") })
	if !strings.Contains(row(f, "node1"), "established") {
		t.Errorf("node1 after node2 stopped:\n%s", f)
	}
	if err := lab.Net.StartSpeaker("node2"); err != nil {
		t.Fatal(err)
	}
	waitFor("node2 back", func(f string) bool { return strings.Contains(row(f, "node2"), "established") })

	key("6")
	waitFor("the stream's replayed flows", func(f string) bool {
		return strings.Contains(f, "live flows for every VIP") && strings.Contains(f, "SERVICE_BACKEND_NOT_FOUND")
	})
	lab.Hubble.Add(&flowpb.Flow{Time: timestamppb.Now(), Verdict: flowpb.Verdict_DROPPED, DropReasonDesc: flowpb.DropReason_POLICY_DENIED, NodeName: "node2",
		IP: &flowpb.IP{Source: "203.0.113.77", Destination: lab.VIP, IpVersion: flowpb.IPVersion_IPv4},
		L4: &flowpb.Layer4{Protocol: &flowpb.Layer4_TCP{TCP: &flowpb.TCP{SourcePort: 41000, DestinationPort: 80, Flags: &flowpb.TCPFlags{SYN: true}}}}})
	waitFor("a flow added while watching", func(f string) bool {
		return strings.Contains(f, "203.0.113.77:41000") && strings.Contains(f, "POLICY_DENIED")
	})

	key("v") // dropped only
	waitFor("the verdict filter", func(f string) bool {
		return strings.Contains(f, "dropped only") && strings.Contains(f, "203.0.113.77:41000") && !strings.Contains(f, "FORWARDED")
	})

	// the doctor's dry-run: node3 nearly selected (a value typo); `a` on the finding asks
	// the API server and shows the diff, and the node is not changed
	core := kubernetes.NewForConfigOrDie(lab.Env.Config)
	node3, err := core.CoreV1().Nodes().Get(t.Context(), "node3", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	node3.Labels["bgp"] = "Enabled"
	if node3, err = core.CoreV1().Nodes().Update(t.Context(), node3, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	key("7")
	key("r")
	waitFor("the near-miss finding", func(f string) bool { return strings.Contains(f, "node-label-near-miss") })
	for _, k := range "/near-miss" {
		key(string(k))
	}
	p.Send(tea.KeyPressMsg{Code: tea.KeyEnter})
	p.Send(tea.KeyPressMsg{Code: tea.KeyEnter})
	waitFor("the finding's detail", func(f string) bool {
		return strings.Contains(f, "Evidence") && strings.Contains(f, "kubectl label node node3")
	})
	key("a")
	f = waitFor("the dry-run diff", func(f string) bool { return strings.Contains(f, "Server-side dry-run") })
	for _, want := range []string{"-    bgp: Enabled", "+    bgp: enabled", "y applies this change to Node node3"} {
		if !strings.Contains(f, want) {
			t.Errorf("dry-run pane lacks %q:\n%s", want, f)
		}
	}
	after, err := core.CoreV1().Nodes().Get(t.Context(), "node3", metav1.GetOptions{})
	if err != nil || after.ResourceVersion != node3.ResourceVersion || after.Labels["bgp"] != "Enabled" {
		t.Errorf("the dry-run changed node3: %v %v", after.Labels, err)
	}
	// y applies it (the same path as fix --apply), the TUI collects again and says so
	key("y")
	waitFor("the fix applied and checked", func(f string) bool { return strings.Contains(f, "fixed: node-label-near-miss node3 is gone") })
	after, err = core.CoreV1().Nodes().Get(t.Context(), "node3", metav1.GetOptions{})
	if err != nil || after.Labels["bgp"] != "enabled" || after.ManagedFields[len(after.ManagedFields)-1].Manager != "kubectl-bgpnet" {
		t.Errorf("node3 after y: %v %v", after.Labels, err)
	}

	key("q")
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("program: %v", err)
		}
	case <-time.After(2 * time.Second):
		t.Error("q did not end the program within 2s")
	}
}
