// SPDX-License-Identifier: Apache-2.0

package router

import (
	"bufio"
	"cmp"
	"context"
	"fmt"
	"net/netip"
	"sort"
	"strconv"
	"strings"

	"github.com/bgpnet/kubectl-bgpnet/internal/model"
)

// birdProtocol is one block of `birdc show protocols all`.
type birdProtocol struct {
	Name, Proto, Table, State, Info string
	// Fields are the block's "Key: value" lines outside channels (BGP state, Neighbor
	// address, Neighbor AS, Local AS, Last error, Hold timer, Description…).
	Fields       map[string]string
	Channels     []birdChannel
	NeighborAFs  []string // "AF announced" under Neighbor capabilities
	capsSection  string
	multiproto   bool
	currentChann *birdChannel
}

// birdChannel is one "Channel ipv4" section of a protocol.
type birdChannel struct {
	Name, State, ImportFilter, ExportFilter string
	Imported, Exported, Preferred           int64
	// ImportReceived and ImportFiltered are the "Import updates" received and filtered.
	ImportReceived, ImportFiltered int64
}

// errBirdOutput names a line birdc printed that is not the expected format.
func errBirdOutput(c Command, lineNo int, line string, why string) error {
	return fmt.Errorf("%s: line %d %q: %s", c, lineNo, truncate(line, 80), why)
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// birdPreamble skips birdc's banner; an error banner (no daemon, no permission) is an
// error naming the command.
func birdPreamble(c Command, line string) (skip bool, err error) {
	switch {
	case strings.HasPrefix(line, "BIRD ") && strings.HasSuffix(line, "ready."):
		return true, nil
	case strings.HasPrefix(line, "Unable to connect"), strings.HasPrefix(line, "Access denied"),
		strings.HasPrefix(line, "Syntax error"), strings.HasPrefix(line, "No such"):
		return false, fmt.Errorf("%s: %s", c, line)
	}
	return false, nil
}

// parseBirdProtocols reads `birdc show protocols all`.
func parseBirdProtocols(c Command, out []byte) ([]birdProtocol, error) {
	var protos []birdProtocol
	var cur *birdProtocol
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	n := 0
	sawHeader := false
	for sc.Scan() {
		n++
		line := strings.TrimRight(sc.Text(), " \r")
		if skip, err := birdPreamble(c, line); err != nil {
			return nil, err
		} else if skip || strings.TrimSpace(line) == "" {
			continue
		}
		if strings.HasPrefix(line, "Name ") && strings.Contains(line, "Proto") {
			sawHeader = true
			continue
		}
		if line[0] != ' ' && line[0] != '\t' {
			f := strings.Fields(line)
			if len(f) < 4 {
				return nil, errBirdOutput(c, n, line, "a protocol line has name, protocol, table, state, since and info")
			}
			p := birdProtocol{Name: f[0], Proto: f[1], Table: f[2], State: f[3], Fields: map[string]string{}}
			rest := f[4:]
			if len(rest) > 0 && len(rest[0]) == 10 && strings.Count(rest[0], "-") == 2 { // a date, then a time
				rest = rest[1:]
			}
			if len(rest) > 0 {
				rest = rest[1:] // since
			}
			p.Info = strings.Join(rest, " ")
			protos = append(protos, p)
			cur = &protos[len(protos)-1]
			continue
		}
		if cur == nil {
			return nil, errBirdOutput(c, n, line, "indented line before any protocol")
		}
		cur.line(line)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", c, err)
	}
	if !sawHeader && len(protos) == 0 {
		return nil, fmt.Errorf("%s: no protocol table in the output (%q)", c, truncate(firstLine(string(out)), 80))
	}
	return protos, nil
}

// line files one indented line of a protocol block.
func (p *birdProtocol) line(raw string) {
	t := strings.TrimSpace(raw)
	indent := len(raw) - len(strings.TrimLeft(raw, " \t"))
	if strings.HasPrefix(t, "Channel ") && indent <= 2 {
		p.Channels = append(p.Channels, birdChannel{Name: strings.TrimPrefix(t, "Channel ")})
		p.currentChann = &p.Channels[len(p.Channels)-1]
		p.capsSection = ""
		return
	}
	if indent <= 2 {
		p.currentChann = nil
	}
	if t == "Local capabilities" || t == "Neighbor capabilities" {
		p.capsSection = t
		return
	}
	key, val, ok := strings.Cut(t, ":")
	val = strings.TrimSpace(val)
	if ch := p.currentChann; ch != nil {
		if !ok {
			return
		}
		switch key {
		case "State":
			ch.State = val
		case "Input filter":
			ch.ImportFilter = val
		case "Output filter":
			ch.ExportFilter = val
		case "Routes":
			// "1 imported, 0 exported, 1 preferred"
			for _, part := range strings.Split(val, ",") {
				f := strings.Fields(part)
				if len(f) == 2 {
					v, _ := strconv.ParseInt(f[0], 10, 64)
					switch f[1] {
					case "imported":
						ch.Imported = v
					case "exported":
						ch.Exported = v
					case "preferred":
						ch.Preferred = v
					}
				}
			}
		case "Import updates":
			// received rejected filtered ignored accepted
			f := strings.Fields(val)
			if len(f) == 5 {
				ch.ImportReceived, _ = strconv.ParseInt(f[0], 10, 64)
				ch.ImportFiltered, _ = strconv.ParseInt(f[2], 10, 64)
			}
		}
		return
	}
	if p.capsSection == "Neighbor capabilities" && key == "AF announced" {
		p.NeighborAFs = append(p.NeighborAFs, strings.Fields(val)...)
		return
	}
	if ok && p.capsSection == "" || ok && indent <= 4 && !strings.HasPrefix(key, "AF ") {
		if indent <= 4 {
			p.capsSection = ""
		}
		if _, dup := p.Fields[key]; !dup {
			p.Fields[key] = val
		}
	}
}

// birdRoute is one path of `birdc show route all` (or `show route export …`).
type birdRoute struct {
	Prefix   netip.Prefix
	Proto    string
	Best     bool
	Vias     []string
	ASPath   string
	NextHop  string
	FromAddr string // BGP.next_hop is not the neighbor; the protocol tells that
	// Unreachable: BIRD keeps the path but cannot resolve its next hop (route type
	// unreachable, blackhole or prohibit instead of unicast).
	Unreachable bool
}

// parseBirdRoutes reads `birdc show route all` and `birdc show route export PROTO`.
func parseBirdRoutes(c Command, out []byte) ([]birdRoute, error) {
	var routes []birdRoute
	var prefix netip.Prefix
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimRight(sc.Text(), " \r")
		if skip, err := birdPreamble(c, line); err != nil {
			return nil, err
		} else if skip || strings.TrimSpace(line) == "" || strings.HasPrefix(line, "Table ") {
			continue
		}
		if line[0] == '\t' {
			if len(routes) == 0 {
				return nil, errBirdOutput(c, n, line, "attribute line before any route")
			}
			r := &routes[len(routes)-1]
			t := strings.TrimSpace(line)
			switch {
			case strings.HasPrefix(t, "via "):
				if f := strings.Fields(t); len(f) >= 2 {
					r.Vias = append(r.Vias, f[1])
				}
			case strings.HasPrefix(t, "BGP.as_path:"):
				r.ASPath = strings.TrimSpace(strings.TrimPrefix(t, "BGP.as_path:"))
			case strings.HasPrefix(t, "BGP.next_hop:"):
				r.NextHop = strings.TrimSpace(strings.TrimPrefix(t, "BGP.next_hop:"))
			}
			continue
		}
		rest := line
		if line[0] != ' ' {
			f := strings.Fields(line)
			p, err := netip.ParsePrefix(f[0])
			if err != nil {
				return nil, errBirdOutput(c, n, line, "want a prefix: "+err.Error())
			}
			prefix, rest = p, strings.TrimSpace(strings.TrimPrefix(line, f[0]))
		} else if !prefix.IsValid() {
			return nil, errBirdOutput(c, n, line, "path line before any prefix")
		}
		// "unicast [node1 04:43:23.184] * (100) [AS64512?]"
		open, closeIdx := strings.IndexByte(rest, '['), strings.IndexByte(rest, ']')
		if open < 0 || closeIdx < open {
			return nil, errBirdOutput(c, n, line, "want [protocol since]")
		}
		inside := strings.Fields(rest[open+1 : closeIdx])
		if len(inside) == 0 {
			return nil, errBirdOutput(c, n, line, "empty [protocol since]")
		}
		after := strings.Fields(rest[closeIdx+1:])
		kind := strings.Fields(rest[:open])
		unreachable := len(kind) > 0 && (kind[0] == "unreachable" || kind[0] == "blackhole" || kind[0] == "prohibit")
		routes = append(routes, birdRoute{Prefix: prefix, Proto: inside[0], Best: len(after) > 0 && after[0] == "*", Unreachable: unreachable})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", c, err)
	}
	return routes, nil
}

// parseBirdStatus reads `birdc show status`: version and router ID.
func parseBirdStatus(out []byte) (version, routerID string) {
	for _, line := range strings.Split(string(out), "\n") {
		line = strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(line, "BIRD ") && !strings.HasSuffix(line, "ready."):
			version = strings.TrimPrefix(line, "BIRD ")
		case strings.HasPrefix(line, "Router ID is "):
			routerID = strings.TrimPrefix(line, "Router ID is ")
		}
	}
	return version, routerID
}

// secondsOf reads "81.231/90" (remaining/configured) as the configured 90.
func secondsOf(timer string) int64 {
	_, conf, ok := strings.Cut(timer, "/")
	if !ok {
		return 0
	}
	v, _ := strconv.ParseFloat(strings.TrimSpace(conf), 64)
	return int64(v)
}

// collectBIRD reads a BIRD 2 router.
func collectBIRD(ctx context.Context, r Runner, v *model.RouterView) {
	problem := func(err error) { v.Problems = append(v.Problems, err.Error()) }
	c := Command{Tool: "birdc", Show: "show protocols all"}
	out, err := r.Run(ctx, c)
	var protos []birdProtocol
	if err == nil {
		protos, err = parseBirdProtocols(c, out)
	}
	if err != nil {
		v.Status, v.Message = model.StatusError, err.Error()
		return
	}
	byProto := map[string]string{} // protocol name → neighbor address
	var kernels []string
	for _, p := range protos {
		switch p.Proto {
		case "Kernel":
			kernels = append(kernels, p.Name)
		case "BGP":
			n := birdNeighbor(p)
			byProto[p.Name] = n.Address
			v.Neighbors = append(v.Neighbors, n)
			if v.ASN == 0 {
				v.ASN = n.LocalASN
			}
		}
	}
	sort.Slice(v.Neighbors, func(i, j int) bool { return v.Neighbors[i].Address < v.Neighbors[j].Address })

	c = Command{Tool: "birdc", Show: "show route all"}
	if out, err := r.Run(ctx, c); err != nil {
		problem(err)
	} else if routes, err := parseBirdRoutes(c, out); err != nil {
		problem(err)
	} else {
		for _, br := range routes {
			from, isBGP := byProto[br.Proto]
			if !isBGP {
				continue
			}
			v.Routes = append(v.Routes, model.RouterRoute{Prefix: br.Prefix, From: from, Best: br.Best, Valid: !br.Unreachable, ASPath: br.ASPath, NextHop: cmp.Or(br.NextHop, first(br.Vias))})
		}
	}
	for _, k := range kernels {
		c := Command{Tool: "birdc", Show: "show route export " + k}
		out, err := r.Run(ctx, c)
		if err != nil {
			problem(err)
			continue
		}
		routes, err := parseBirdRoutes(c, out)
		if err != nil {
			problem(err)
			continue
		}
		for _, br := range routes {
			if _, isBGP := byProto[br.Proto]; isBGP {
				v.FIB = append(v.FIB, model.FIBRoute{Prefix: br.Prefix, Protocol: "bgp", NextHops: br.Vias})
			}
		}
	}
	if len(kernels) == 0 {
		v.Problems = append(v.Problems, "no Kernel protocol: BIRD installs nothing in the FIB")
	}
	c = Command{Tool: "birdc", Show: "show status"}
	if out, err := r.Run(ctx, c); err != nil {
		problem(err)
	} else {
		v.Version, v.RouterID = parseBirdStatus(out)
	}
	sortRoutes(v)
	v.Status = model.StatusOK
}

func first(xs []string) string {
	if len(xs) == 0 {
		return ""
	}
	return xs[0]
}

// birdNeighbor maps a BGP protocol block to a neighbor.
func birdNeighbor(p birdProtocol) model.RouterNeighbor {
	f := p.Fields
	n := model.RouterNeighbor{Name: p.Name, Address: f["Neighbor address"], Description: f["Description"], State: cmp.Or(f["BGP state"], p.Info)}
	n.RemoteASN, _ = strconv.ParseInt(f["Neighbor AS"], 10, 64)
	n.LocalASN, _ = strconv.ParseInt(f["Local AS"], 10, 64)
	n.Established = strings.EqualFold(n.State, "Established")
	n.LastError = f["Last error"]
	if n.Established {
		n.HoldTime, n.Keepalive = secondsOf(f["Hold timer"]), secondsOf(f["Keepalive timer"])
	}
	for _, ch := range p.Channels {
		n.PrefixesAccepted += ch.Imported
		n.PrefixesSent += ch.Exported
		n.PrefixesReceived += ch.Imported + ch.ImportFiltered
		n.ImportFiltered += ch.ImportFiltered
		n.ImportFilter = cmp.Or(n.ImportFilter, ch.ImportFilter)
		n.ExportFilter = cmp.Or(n.ExportFilter, ch.ExportFilter)
	}
	for _, af := range p.NeighborAFs {
		n.Families = append(n.Families, af+"-unicast")
	}
	return n
}
