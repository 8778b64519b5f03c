// SPDX-License-Identifier: Apache-2.0

package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/bgpnet/kubectl-bgpnet/internal/collect/router"
	"github.com/bgpnet/kubectl-bgpnet/internal/model"
	"github.com/bgpnet/kubectl-bgpnet/internal/safeyaml"
	"github.com/spf13/pflag"
)

// RouterOptions say which upstream routers to read and how.
type RouterOptions struct {
	Kinds   []string
	Cmds    []string
	Dirs    []string
	Names   []string
	File    string
	Timeout time.Duration
}

// RouterSpec is one router to read: from --router/--router-cmd/--router-dir/--router-name
// (the n-th of each belong together) or an entry of --routers FILE.
type RouterSpec struct {
	Name string `json:"name,omitempty"`
	Kind string `json:"kind"`
	Cmd  string `json:"cmd,omitempty"`
	Dir  string `json:"dir,omitempty"`
}

// routersFile is the --routers file: {"routers": [{name, kind, cmd|dir}]} in YAML or JSON.
type routersFile struct {
	Routers []RouterSpec `json:"routers"`
}

func (r *RouterOptions) addFlags(fs *pflag.FlagSet) {
	fs.StringArrayVar(&r.Kinds, "router", nil, "read the upstream router: frr or bird (repeat for several routers)")
	fs.StringArrayVar(&r.Cmds, "router-cmd", nil, `command prefix that reaches the router's vtysh/birdc, e.g. "ssh admin@gw sudo", "ip netns exec rtr", "kubectl exec -n net frr-0 --" (one per --router; empty: local)`)
	fs.StringArrayVar(&r.Dirs, "router-dir", nil, "read saved router outputs from this directory instead (written by kubectl bgpnet router capture)")
	fs.StringArrayVar(&r.Names, "router-name", nil, "a name for the router in reports (one per --router)")
	fs.StringVar(&r.File, "routers", "", "YAML/JSON file listing routers: routers: [{name, kind, cmd | dir}]")
	fs.DurationVar(&r.Timeout, "router-timeout", 10*time.Second, "time limit for reading the routers (all of them and their commands, which run at once)")
}

// maxRoutersFile bounds the --routers file: a list of a few routers is a few KiB.
const maxRoutersFile = 1 << 20

// readFileMax reads the file at p, refusing one larger than max bytes.
func readFileMax(p string, max int64) ([]byte, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, max+1))
	switch {
	case err != nil:
		return nil, fmt.Errorf("read %s: %w", p, err)
	case int64(len(b)) > max:
		return nil, fmt.Errorf("%s: larger than %d KiB: refusing it", p, max>>10)
	}
	return b, nil
}

// specs validates the flags and returns the routers to read (none when not asked).
func (r *RouterOptions) specs() ([]RouterSpec, error) {
	if err := positive("router-timeout", r.Timeout); err != nil {
		return nil, err
	}
	var out []RouterSpec
	if r.File != "" {
		b, err := readFileMax(r.File, maxRoutersFile)
		if err != nil {
			return nil, fmt.Errorf("--routers: %w", err)
		}
		var f routersFile
		if err := safeyaml.UnmarshalStrict("--routers "+r.File, b, &f); err != nil {
			return nil, err
		}
		out = append(out, f.Routers...)
	}
	for _, list := range []struct {
		name string
		n    int
	}{{"--router-cmd", len(r.Cmds)}, {"--router-dir", len(r.Dirs)}, {"--router-name", len(r.Names)}} {
		if list.n > len(r.Kinds) {
			return nil, fmt.Errorf("%s given %d times for %d --router", list.name, list.n, len(r.Kinds))
		}
	}
	for i, k := range r.Kinds {
		s := RouterSpec{Kind: k}
		if i < len(r.Cmds) {
			s.Cmd = r.Cmds[i]
		}
		if i < len(r.Dirs) {
			s.Dir = r.Dirs[i]
		}
		if i < len(r.Names) {
			s.Name = r.Names[i]
		}
		out = append(out, s)
	}
	seen := map[string]int{}
	for i, s := range out {
		if err := oneOf("router", s.Kind, router.Kinds...); err != nil {
			return nil, fmt.Errorf("router %d: %w", i+1, err)
		}
		if s.Cmd != "" && s.Dir != "" {
			return nil, fmt.Errorf("router %d (%s): give a command or a directory, not both", i+1, s.Kind)
		}
		if s.Name == "" { // "frr", then "frr-2" for a second unnamed FRR router
			seen[s.Kind]++
			out[i].Name = s.Kind
			if n := seen[s.Kind]; n > 1 {
				out[i].Name = fmt.Sprintf("%s-%d", s.Kind, n)
			}
		}
	}
	return out, nil
}

// runner returns how to reach the router of s.
func (r *RouterOptions) runner(s RouterSpec) router.Runner {
	if s.Dir != "" {
		return router.Dir{Path: s.Dir}
	}
	return router.Exec{Prefix: router.ParsePrefix(s.Cmd), Timeout: r.Timeout}
}

// collectRouters reads every router (concurrently, under one deadline: --router-timeout)
// and records them and the source status in the snapshot.
func (r *RouterOptions) collectRouters(ctx context.Context, s *model.Snapshot, specs []RouterSpec) {
	st := model.SourceStatus{Name: model.SourceRouters, Status: model.StatusSkipped, Message: "no router given (--router, --routers)"}
	if len(specs) == 0 {
		if _, ok := s.Source(model.SourceRouters); !ok { // a saved snapshot keeps its own
			s.Sources = append(s.Sources, st)
		}
		return
	}
	kept := s.Sources[:0]
	for _, src := range s.Sources {
		if src.Name != model.SourceRouters {
			kept = append(kept, src)
		}
	}
	s.Sources = kept
	// one deadline for all routers and their commands, which run at once
	ctx, cancel := context.WithTimeout(ctx, r.Timeout)
	defer cancel()
	views := make([]model.RouterView, len(specs))
	var wg sync.WaitGroup
	for i, spec := range specs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			views[i] = router.Collect(ctx, spec.Kind, spec.Name, r.runner(spec))
		}()
	}
	wg.Wait()
	s.Routers = views
	st.Status, st.Message, st.Count = model.StatusOK, "", len(views)
	var bad []string
	for _, v := range views {
		switch {
		case v.Status != model.StatusOK:
			st.Failed++
			bad = append(bad, fmt.Sprintf("%s: %s", v.Name, v.Message))
		case len(v.Problems) > 0:
			st.Failed++ // read, but not completely
			bad = append(bad, fmt.Sprintf("%s: %s", v.Name, strings.Join(v.Problems, "; ")))
		}
	}
	unread := 0
	for _, v := range views {
		if v.Status != model.StatusOK {
			unread++
		}
	}
	if unread == len(views) {
		st.Status, st.Failed = model.StatusError, 0
	}
	st.Message = strings.Join(bad, "; ")
	s.Sources = append(s.Sources, st)
}
