// SPDX-License-Identifier: Apache-2.0

// Command lab runs the live lab (make lab / make lab-down) outside `go test`: the test
// API server with Cilium's CRDs and the lab's objects, kwok nodes with agent pods whose
// cilium-dbg reports the live state of GoBGP speakers in network namespaces peering with
// a real FRR (or BIRD) router, and a Hubble observer server behind hubble-relay.
//
//	lab up [--dir D] [--router frr|bird] [--cilium-like]   start in the background, wait until ready
//	lab down [--dir D]                                     stop it and remove everything
//	lab status [--dir D]                                   kubeconfig and the router's view
//	lab router-cmd [--dir D]                               the --router/--router-cmd flags for the lab's router
//	lab stop-speaker NODE | start-speaker NODE             stop/start a node's BGP speaker
//	lab set-peer-asn NODE ASN                              make the router expect another ASN
//	lab withdraw NODE PREFIX | announce NODE PREFIX        change what a node advertises
//
// It needs root, iproute2, frr/bird2/gobgpd and the test binaries (BGPNET_TEST_ASSETS,
// from hack/test-assets.sh); the Makefile provides them.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/bgpnet/kubectl-bgpnet/internal/testenv"
	flowpb "github.com/cilium/cilium/api/v1/flow"
	"google.golang.org/protobuf/types/known/timestamppb"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, out, errOut io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(errOut, "usage: lab up|down|status|router-cmd|stop-speaker|start-speaker|set-peer-asn|withdraw|announce [--dir DIR] …")
		return 2
	}
	fs := flag.NewFlagSet("lab "+args[0], flag.ContinueOnError)
	fs.SetOutput(errOut)
	dir := fs.String("dir", filepath.Join(os.TempDir(), "bgpnet-lab"), "the lab's directory (kubeconfig, state, log)")
	router := fs.String("router", "frr", "the router: frr or bird")
	ciliumLike := fs.Bool("cilium-like", false, "speakers only dial out, as Cilium's do (6-10 s to Established instead of 2 s)")
	if err := fs.Parse(args[1:]); err != nil {
		return 2
	}
	l := &lab{dir: *dir, router: *router, ciliumLike: *ciliumLike, out: out}
	var err error
	switch args[0] {
	case "up":
		err = l.up()
	case "serve":
		err = l.serve()
	case "down":
		err = l.down()
	case "status":
		err = l.status()
	case "router-cmd":
		err = l.routerCmd()
	case "stop-speaker", "start-speaker", "set-peer-asn", "withdraw", "announce":
		err = l.control(args[0], fs.Args())
	default:
		err = fmt.Errorf("unknown command %q", args[0])
	}
	if err != nil {
		fmt.Fprintln(errOut, "lab:", err)
		return 1
	}
	return 0
}

type lab struct {
	dir, router string
	ciliumLike  bool
	out         io.Writer
}

func (l *lab) path(name string) string { return filepath.Join(l.dir, name) }

// up starts `lab serve` detached and waits until it is ready or gone.
func (l *lab) up() error {
	if pid, ok := l.servePID(); ok {
		return fmt.Errorf("a lab already runs in %s (pid %d): make lab-down first", l.dir, pid)
	}
	if err := os.MkdirAll(l.dir, 0o755); err != nil {
		return err
	}
	_ = os.Remove(l.path("ready"))
	logf, err := os.Create(l.path("lab.log"))
	if err != nil {
		return err
	}
	defer logf.Close()
	self, err := os.Executable()
	if err != nil {
		return err
	}
	args := []string{"serve", "--dir", l.dir, "--router", l.router}
	if l.ciliumLike {
		args = append(args, "--cilium-like")
	}
	cmd := exec.Command(self, args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	for deadline := time.Now().Add(4 * time.Minute); time.Now().Before(deadline); {
		select {
		case err := <-exited:
			return fmt.Errorf("the lab stopped while starting (%v); its log %s says:\n%s", err, l.path("lab.log"), tail(l.path("lab.log"), 20))
		case <-time.After(200 * time.Millisecond):
		}
		if _, err := os.Stat(l.path("ready")); err == nil {
			kc := l.path("kubeconfig")
			fmt.Fprintf(l.out, `lab ready in %s (log %s)

  export KUBECONFIG=%s
  bin/kubectl-bgpnet peers            # live sessions from the agents
  bin/kubectl-bgpnet routes           # what the speakers advertise, with provenance
  bin/kubectl-bgpnet flows web/frontend --follow
  bin/kubectl-bgpnet doctor

break it (then run peers/doctor again):
  bin/bgpnet-lab stop-speaker node2        (start-speaker node2)
  bin/bgpnet-lab set-peer-asn node1 64999  (set-peer-asn node1 64512)
  bin/bgpnet-lab withdraw node2 198.51.100.10/32   (announce …)
  bin/bgpnet-lab status                    (the router's view)

stop it: make lab-down
`, time.Since(start).Round(time.Second), l.path("lab.log"), kc)
			return nil
		}
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	return fmt.Errorf("the lab was not ready within 4 minutes; log: %s", l.path("lab.log"))
}

func tail(path string, n int) string {
	b, _ := os.ReadFile(path)
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// serve runs the lab in the foreground until SIGINT/SIGTERM.
func (l *lab) serve() (err error) {
	t := &tb{dir: l.dir}
	defer t.cleanup()
	defer func() {
		if r := recover(); r != nil {
			if f, ok := r.(fatal); ok {
				err = errors.New(string(f))
				return
			}
			panic(r)
		}
	}()
	if err := os.WriteFile(l.path("serve.pid"), []byte(strconv.Itoa(os.Getpid())), 0o644); err != nil {
		return err
	}
	t.Cleanup(func() { _ = os.Remove(l.path("serve.pid")); _ = os.Remove(l.path("ready")) })
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	lab := testenv.StartLab(t, testenv.LabOptions{Dir: l.dir, Router: l.router, CiliumLike: l.ciliumLike})
	if err := os.WriteFile(l.path("netlab-dir"), []byte(lab.Net.Dir), 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(l.path("ready"), []byte(lab.Kubeconfig), 0o644); err != nil {
		return err
	}
	t.Logf("lab ready: KUBECONFIG=%s", lab.Kubeconfig)
	tick := time.NewTicker(5 * time.Second)
	defer tick.Stop()
	for i := 0; ; i++ {
		select {
		case s := <-sig:
			t.Logf("%s: stopping", s)
			return nil
		case now := <-tick.C:
			// keep `flows --follow` alive: web traffic to the VIP, now and then a ping
			for _, f := range testenv.LabFlows(now) {
				if f.GetVerdict() == flowpb.Verdict_FORWARDED || i%6 == 0 {
					f.Time = timestamppb.New(now)
					lab.Hubble.Add(f)
				}
			}
		}
	}
}

func (l *lab) servePID() (int, bool) {
	b, err := os.ReadFile(l.path("serve.pid"))
	if err != nil {
		return 0, false
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 1 || syscall.Kill(pid, 0) != nil {
		return 0, false
	}
	return pid, true
}

// down stops the serving process (which tears everything down), then removes whatever
// a killed process may have left: the network namespaces and the lab directory.
func (l *lab) down() error {
	if pid, ok := l.servePID(); ok {
		_ = syscall.Kill(pid, syscall.SIGTERM)
		for range 600 {
			if syscall.Kill(pid, 0) != nil {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		if syscall.Kill(pid, 0) == nil {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	}
	var errs []error
	if b, err := os.ReadFile(l.path("netlab-dir")); err == nil {
		if nl, err := testenv.OpenNetLab(strings.TrimSpace(string(b))); err == nil {
			errs = append(errs, nl.Down())
		}
	}
	errs = append(errs, os.RemoveAll(l.dir))
	if err := errors.Join(errs...); err != nil {
		return err
	}
	fmt.Fprintln(l.out, "lab down")
	return nil
}

func (l *lab) netlab() (*testenv.NetLab, error) {
	b, err := os.ReadFile(l.path("netlab-dir"))
	if err != nil {
		return nil, fmt.Errorf("no lab in %s (make lab): %w", l.dir, err)
	}
	return testenv.OpenNetLab(strings.TrimSpace(string(b)))
}

func (l *lab) status() error {
	nl, err := l.netlab()
	if err != nil {
		return err
	}
	fmt.Fprintf(l.out, "KUBECONFIG=%s\n\n", l.path("kubeconfig"))
	var out []byte
	if nl.Router == "bird" {
		out, err = nl.Birdc("show", "protocols")
	} else {
		out, err = nl.Vtysh("show bgp summary")
	}
	fmt.Fprintf(l.out, "router (%s):\n%s\n", nl.Router, out)
	return err
}

// routerCmd prints the --router and --router-cmd flags that reach the lab's router.
func (l *lab) routerCmd() error {
	nl, err := l.netlab()
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(l.out, "--router %s --router-cmd %q\n", nl.Router, strings.Join(nl.RouterCommand(), " "))
	return err
}

func (l *lab) control(cmd string, args []string) error {
	want := map[string]int{"stop-speaker": 1, "start-speaker": 1, "set-peer-asn": 2, "withdraw": 2, "announce": 2}[cmd]
	if len(args) != want {
		return fmt.Errorf("%s needs %d arguments, got %d", cmd, want, len(args))
	}
	nl, err := l.netlab()
	if err != nil {
		return err
	}
	switch cmd {
	case "stop-speaker":
		return nl.StopSpeaker(args[0])
	case "start-speaker":
		return nl.StartSpeaker(args[0])
	case "set-peer-asn":
		asn, err := strconv.ParseUint(args[1], 10, 32)
		if err != nil {
			return fmt.Errorf("ASN %q: %w", args[1], err)
		}
		return nl.SetRouterPeerASN(args[0], uint32(asn))
	case "withdraw":
		return nl.Withdraw(args[0], args[1])
	default:
		return nl.Announce(args[0], args[1])
	}
}

// fatal is how tb stops the lab on a harness failure.
type fatal string

// tb runs the test harness outside `go test`: failures stop the lab, cleanups run in
// reverse order when it stops.
type tb struct {
	dir      string
	cleanups []func()
}

func (t *tb) Helper()                      {}
func (t *tb) Fatal(args ...any)            { t.fail(fmt.Sprint(args...)) }
func (t *tb) Fatalf(f string, args ...any) { t.fail(fmt.Sprintf(f, args...)) }
func (t *tb) Skip(args ...any)             { t.fail(fmt.Sprint(args...)) }
func (t *tb) Logf(f string, args ...any) {
	fmt.Printf("%s "+f+"\n", append([]any{time.Now().Format("15:04:05")}, args...)...)
}
func (t *tb) Cleanup(f func()) { t.cleanups = append(t.cleanups, f) }
func (t *tb) fail(msg string)  { t.Logf("FATAL %s", msg); panic(fatal(msg)) }
func (t *tb) TempDir() string {
	d, err := os.MkdirTemp(t.dir, "tmp-")
	if err != nil {
		t.fail(err.Error())
	}
	t.Cleanup(func() { _ = os.RemoveAll(d) })
	return d
}

func (t *tb) cleanup() {
	for i := len(t.cleanups) - 1; i >= 0; i-- {
		t.cleanups[i]()
	}
	t.cleanups = nil
}
