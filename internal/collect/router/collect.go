// SPDX-License-Identifier: Apache-2.0

package router

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/bgpnet/kubectl-bgpnet/internal/model"
)

// Kinds are the supported router daemons.
var Kinds = []string{"frr", "bird"}

// Collect reads one router of kind ("frr" or "bird") through r. The view's status says
// whether it could be read at all; Problems lists the commands that failed.
func Collect(ctx context.Context, kind, name string, r Runner) model.RouterView {
	v := model.RouterView{Name: name, Kind: kind, Via: r.Describe()}
	if v.Name == "" {
		v.Name = kind + " (" + r.Describe() + ")"
	}
	switch kind {
	case "frr":
		collectFRR(ctx, r, &v)
	case "bird":
		collectBIRD(ctx, r, &v)
	default:
		v.Status, v.Message = model.StatusError, fmt.Sprintf("unknown router kind %q (want frr or bird)", kind)
	}
	return v
}

// Commands lists the show commands Capture saves for kind (BIRD's per-kernel-protocol
// exports are added once the protocols are known).
func Commands(kind string) []Command {
	var out []Command
	switch kind {
	case "frr":
		for _, s := range frrCommands {
			out = append(out, Command{Tool: "vtysh", Show: s})
		}
	case "bird":
		for _, s := range birdCommands {
			out = append(out, Command{Tool: "birdc", Show: s})
		}
	}
	return out
}

// Capture runs the commands of kind through r and saves each output in dir under
// Command.FileName, for --router-dir later. It returns the commands that failed.
func Capture(ctx context.Context, kind string, r Runner, dir string) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var failed []string
	save := func(c Command) []byte {
		out, err := r.Run(ctx, c)
		if err != nil {
			failed = append(failed, err.Error())
			return nil
		}
		if err := os.WriteFile(filepath.Join(dir, c.FileName()), out, 0o644); err != nil {
			failed = append(failed, fmt.Sprintf("%s: %v", c, err))
		}
		return out
	}
	for _, c := range Commands(kind) {
		out := save(c)
		if kind == "bird" && c.Show == "show protocols all" && out != nil {
			if protos, err := parseBirdProtocols(c, out); err == nil {
				for _, p := range protos {
					if p.Proto == "Kernel" {
						save(Command{Tool: "birdc", Show: "show route export " + p.Name})
					}
				}
			}
		}
	}
	return failed, nil
}
