// SPDX-License-Identifier: Apache-2.0

package integration

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/bgpnet/kubectl-bgpnet/internal/model"
)

// hostileCase runs the real binary once: args, what it reads on stdin, extra
// environment, and what must come out.
type hostileCase struct {
	name  string
	setup func(t *testing.T, dir string) (args []string, stdin string, env []string)
	exit  int
	want  []string // substrings of stdout+stderr
	check func(t *testing.T, stdout string)
}

// TestHostileInputs is issue 12's table: each hostile or unlucky input, fed to the
// built binary as a user would, ends with the stated exit code and message, within a
// hang guard of 60 s and under 300 MB of peak RSS (measured by the kernel: ru_maxrss).
func TestHostileInputs(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "kubectl-bgpnet")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/bgpnet/kubectl-bgpnet/cmd/kubectl-bgpnet").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	demo := func(t *testing.T, dir string, mutate func(*model.Snapshot)) string {
		out, err := exec.Command(bin, "snapshot", "--demo", "-o", "json").Output()
		if err != nil {
			t.Fatal(err)
		}
		var s model.Snapshot
		if err := json.Unmarshal(out, &s); err != nil {
			t.Fatal(err)
		}
		mutate(&s)
		b, _ := json.Marshal(&s)
		p := filepath.Join(dir, "snapshot.json")
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	cases := []hostileCase{
		{name: "1 MB of YAML aliases with --from", exit: 1, want: []string{"aliases expand it beyond its size", "bomb.yaml"},
			setup: func(t *testing.T, dir string) ([]string, string, []string) {
				var b strings.Builder
				b.WriteString("l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n")
				for i := 1; b.Len() < 1<<20; i++ {
					fmt.Fprintf(&b, "l%d: &l%d [%s]\n", i, i, strings.TrimSuffix(strings.Repeat(fmt.Sprintf("*l%d, ", i-1), 10), ", "))
				}
				p := filepath.Join(dir, "bomb.yaml")
				writeFile(t, p, b.String())
				return []string{"snapshot", "--from", p}, "", nil
			}},
		{name: "a 250 KB sysdump whose member inflates to 250 MiB", exit: 0, want: []string{"decompresses to more than"},
			setup: func(t *testing.T, dir string) ([]string, string, []string) {
				p := filepath.Join(dir, "cilium-sysdump-20261203-120000.zip")
				writeFile(t, p, string(zipBomb(t, "cilium-sysdump-20261203-120000/k8s-services-20261203-120000.yaml", 250<<20)))
				return []string{"snapshot", "--from", p, "-o", "json"}, "", nil
			},
			check: func(t *testing.T, stdout string) {
				var s model.Snapshot
				if err := json.Unmarshal([]byte(stdout), &s); err != nil {
					t.Fatalf("snapshot: %v", err)
				}
				for _, src := range s.Sources {
					if strings.Contains(src.Message, "decompresses") && src.Status == model.StatusOK {
						t.Errorf("source %s cut but ok: %s", src.Name, src.Message)
					}
				}
			}},
		{name: "--from - reads a pipe without losing bytes", exit: 0, want: []string{"nuc-2"},
			setup: func(t *testing.T, dir string) ([]string, string, []string) {
				b, _ := os.ReadFile(demo(t, dir, func(*model.Snapshot) {}))
				return []string{"snapshot", "--from", "-"}, string(b), nil
			}},
		{name: "an endpoint that answers 404 is not an API server", exit: 2, want: []string{"not a Kubernetes API server at http://127.0.0.1"},
			setup: func(t *testing.T, dir string) ([]string, string, []string) {
				srv := httptest.NewServer(http.NotFoundHandler())
				t.Cleanup(srv.Close)
				return []string{"snapshot", "--server", srv.URL}, "", nil
			}},
		{name: "an endpoint that answers HTML is not an API server", exit: 2, want: []string{"not a Kubernetes API server"},
			setup: func(t *testing.T, dir string) ([]string, string, []string) {
				srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
					w.Header().Set("Content-Type", "text/html")
					fmt.Fprint(w, "<html><body>router login\x1b[2J</body></html>")
				}))
				t.Cleanup(srv.Close)
				return []string{"doctor", "--server", srv.URL}, "", nil
			}},
		{name: "a blackhole API server ends at the one deadline", exit: 2, want: []string{"127.0.0.1"},
			setup: func(t *testing.T, dir string) ([]string, string, []string) {
				ln, err := net.Listen("tcp", "127.0.0.1:0")
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { ln.Close() })
				go func() { // accept and never answer
					for {
						c, err := ln.Accept()
						if err != nil {
							return
						}
						t.Cleanup(func() { c.Close() })
					}
				}()
				return []string{"doctor", "--server", "http://" + ln.Addr().String(), "--timeout", "2s"}, "", nil
			}},
		{name: "doctor that could read neither nodes nor Services checked nothing", exit: 2, want: []string{"nothing was checked"},
			setup: func(t *testing.T, dir string) ([]string, string, []string) {
				p := demo(t, dir, func(s *model.Snapshot) {
					for i := range s.Sources {
						if s.Sources[i].Name == model.SourceNodes || s.Sources[i].Name == model.SourceServices {
							s.Sources[i].Status, s.Sources[i].Message = model.StatusForbidden, "forbidden"
						}
					}
				})
				return []string{"doctor", "--from", p, "--fail-on", "never"}, "", nil
			}},
		{name: "--output-file refuses a device", exit: 2, want: []string{"/dev/null"},
			setup: func(t *testing.T, dir string) ([]string, string, []string) {
				return []string{"snapshot", "--demo", "--output-file", "/dev/null"}, "", nil
			}},
		{name: "--output-file refuses a FIFO", exit: 2, want: []string{"fifo"},
			setup: func(t *testing.T, dir string) ([]string, string, []string) {
				p := filepath.Join(dir, "fifo")
				if err := syscall.Mkfifo(p, 0o600); err != nil {
					t.Fatal(err)
				}
				return []string{"snapshot", "--demo", "--output-file", p}, "", nil
			}},
		{name: "probe refuses the demo's made-up addresses", exit: 2, want: []string{"made up"},
			setup: func(t *testing.T, dir string) ([]string, string, []string) {
				return []string{"probe", "--demo"}, "", nil
			}},
		{name: "probe asks before probing addresses read from a file", exit: 2, want: []string{"nothing was sent"},
			setup: func(t *testing.T, dir string) ([]string, string, []string) {
				return []string{"probe", "--from", demo(t, dir, func(*model.Snapshot) {})}, "n\n", nil
			}},
		{name: "zero timeout", exit: 2, want: []string{"--timeout must be positive"},
			setup: func(*testing.T, string) ([]string, string, []string) {
				return []string{"doctor", "--demo", "--timeout", "0s"}, "", nil
			}},
		{name: "absurd concurrency", exit: 2, want: []string{"--agent-concurrency"},
			setup: func(*testing.T, string) ([]string, string, []string) {
				return []string{"doctor", "--demo", "--agent-concurrency", "100000"}, "", nil
			}},
		{name: "malformed --subject", exit: 2, want: []string{"--subject"},
			setup: func(*testing.T, string) ([]string, string, []string) {
				return []string{"fix", "--all", "--demo", "--subject", "Node//"}, "", nil
			}},
		{name: "contradictory what-if labels", exit: 2, want: []string{"bgp"},
			setup: func(*testing.T, string) ([]string, string, []string) {
				return []string{"what-if", "label", "nuc-2", "bgp=on", "bgp-", "--demo"}, "", nil
			}},
		{name: "empty --check", exit: 2, want: []string{"--check"},
			setup: func(*testing.T, string) ([]string, string, []string) {
				return []string{"doctor", "--demo", "--check", ""}, "", nil
			}},
		{name: "a hanging router ends at --router-timeout with its process group", exit: 0, want: []string{"no answer within 1s"},
			setup: func(t *testing.T, dir string) ([]string, string, []string) {
				hang := filepath.Join(dir, "hang")
				marker := filepath.Join(dir, "child-alive")
				// the prefix starts a child that outlives it unless the group is killed
				writeExec(t, hang, "#!/bin/sh\n(sleep 3; touch "+marker+") &\nsleep 60\n")
				t.Cleanup(func() {
					time.Sleep(3500 * time.Millisecond)
					if _, err := os.Stat(marker); err == nil {
						t.Errorf("the router command's child outlived the timeout")
					}
				})
				return []string{"router", "show", "--router", "frr", "--router-cmd", hang, "--router-timeout", "1s"}, "", nil
			}},
		{name: "router capture that saved part of the outputs", exit: 1, want: []string{"only part of the frr router's outputs"},
			setup: func(t *testing.T, dir string) ([]string, string, []string) {
				stubs := filepath.Join(dir, "bin")
				writeExec(t, filepath.Join(stubs, "vtysh"), "#!/bin/sh\ncase \"$2\" in 'show ip route json') exit 1;; esac\necho '{}'\n")
				return []string{"router", "capture", filepath.Join(dir, "out"), "--router", "frr"}, "", []string{"PATH=" + stubs + ":/usr/bin:/bin"}
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			args, stdin, env := tc.setup(t, dir)
			cmd := exec.Command(bin, args...)
			cmd.Env = append(append(os.Environ(), "KUBECONFIG="+filepath.Join(dir, "no-kubeconfig")), env...)
			cmd.Stdin = strings.NewReader(stdin)
			var out, errOut bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &errOut
			start := time.Now()
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			select {
			case <-done:
			case <-time.After(60 * time.Second):
				_ = cmd.Process.Kill()
				<-done
				t.Fatalf("still running after 60 s")
			}
			elapsed := time.Since(start)
			rss := cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss >> 10 // KiB → MiB
			t.Logf("exit %d in %s, peak RSS %d MiB", cmd.ProcessState.ExitCode(), elapsed.Round(time.Millisecond), rss)
			both := out.String() + errOut.String()
			if code := cmd.ProcessState.ExitCode(); code != tc.exit {
				t.Errorf("exit %d, want %d\n%s", code, tc.exit, both)
			}
			for _, w := range tc.want {
				if !strings.Contains(both, w) {
					t.Errorf("output lacks %q:\n%s", w, both)
				}
			}
			if strings.ContainsAny(errOut.String(), "\x1b\r") {
				t.Errorf("stderr holds a raw control character: %q", errOut.String())
			}
			if rss > 300 {
				t.Errorf("peak RSS %d MiB, want under 300", rss)
			}
			if tc.check != nil {
				tc.check(t, out.String())
			}
		})
	}
}

// zipBomb is a sysdump (an empty node list) holding one member of size bytes, deflated to a few hundred KB.
func zipBomb(t *testing.T, member string, size int) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) { return flate.NewWriter(w, flate.BestCompression) })
	dir := strings.SplitN(member, "/", 2)[0]
	nodes, err := zw.Create(dir + "/k8s-nodes-" + strings.TrimPrefix(dir, "cilium-sysdump-") + ".yaml")
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.WriteString(nodes, "apiVersion: v1\nkind: NodeList\nitems: []\n")
	w, err := zw.CreateHeader(&zip.FileHeader{Name: member, Method: zip.Deflate})
	if err != nil {
		t.Fatal(err)
	}
	chunk := []byte(strings.Repeat("- {}\n", 1<<18))
	for n := 0; n < size; n += len(chunk) {
		if _, err := w.Write(chunk); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func writeFile(t *testing.T, p, s string) {
	t.Helper()
	if err := os.WriteFile(p, []byte(s), 0o600); err != nil {
		t.Fatal(err)
	}
}

func writeExec(t *testing.T, p, s string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(s), 0o755); err != nil {
		t.Fatal(err)
	}
}
