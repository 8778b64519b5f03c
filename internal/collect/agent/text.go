// SPDX-License-Identifier: Apache-2.0

package agent

import (
	"bufio"
	"bytes"
	"fmt"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/bgpnet/kubectl-bgpnet/internal/model"
)

// DecodePeersText reads the human forms of the agent's peer list, as cilium-bugtool
// saves them (inside a Markdown code block or not): the detailed form of
// `cilium-dbg shell -- bgp/peers -f detailed` (1.19+) or the table of
// `cilium-dbg bgp peers` (≤1.18). Output in neither form is an error quoting its start.
func DecodePeersText(out []byte) ([]model.AgentPeer, error) {
	t := unfence(out)
	if len(bytes.TrimSpace(t)) == 0 {
		return nil, fmt.Errorf("empty peers output")
	}
	if bytes.Contains(t, []byte("BGP Control Plane is disabled")) {
		return nil, ErrBGPDisabled
	}
	first := strings.TrimSpace(string(t[:min(len(t), bytes.IndexByte(append(t, '\n'), '\n'))]))
	switch {
	case strings.HasPrefix(first, "Instance:"):
		return decodeDetailed(t)
	case strings.HasPrefix(first, "Local AS"):
		return decodeTable(t)
	}
	return nil, fmt.Errorf("neither `bgp/peers -f detailed` nor the `bgp peers` table; output starts %s", quote(t))
}

// unfence strips cilium-bugtool's Markdown: a "# command" title and ``` fences.
func unfence(out []byte) []byte {
	var b bytes.Buffer
	for line := range strings.Lines(string(out)) {
		trim := strings.TrimSpace(line)
		if strings.HasPrefix(trim, "```") || strings.HasPrefix(line, "# ") {
			continue
		}
		b.WriteString(line)
	}
	return bytes.TrimLeft(b.Bytes(), "\n")
}

// decodeDetailed parses the indented `bgp/peers -f detailed` form: instances at
// column 0, peers at 2, their fields at 4, sections (families, timers, capabilities)
// below.
func decodeDetailed(t []byte) ([]model.AgentPeer, error) {
	var out []model.AgentPeer
	var instance string
	var p *model.AgentPeer
	var fam *model.AgentFamily
	section := map[int]string{} // the open section at each indent
	sc := bufio.NewScanner(bytes.NewReader(t))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	n := 0
	flush := func() {
		if p != nil {
			out = append(out, *p)
		}
		p, fam = nil, nil
	}
	for sc.Scan() {
		n++
		line := strings.TrimRight(sc.Text(), " \r")
		if strings.TrimSpace(line) == "" {
			continue
		}
		indent := len(line) - len(strings.TrimLeft(line, " "))
		key, val, hasColon := strings.Cut(strings.TrimSpace(line), ":")
		val = strings.TrimSpace(val)
		for i := range section {
			if i >= indent {
				delete(section, i)
			}
		}
		switch {
		case indent == 0 && key == "Instance":
			flush()
			instance = val
			continue
		case indent == 2 && key == "Peer":
			flush()
			p = &model.AgentPeer{Instance: instance, Name: val}
			continue
		case p == nil:
			return nil, fmt.Errorf("line %d: %q outside a peer", n, line)
		}
		parent := section[indent-2]
		if hasColon && val == "" {
			section[indent] = key
		}
		var err error
		switch {
		case parent == "Address Families" && hasColon && val == "":
			afi, safi, _ := strings.Cut(key, "/")
			p.Families = append(p.Families, model.AgentFamily{AFI: afi, SAFI: safi})
			fam = &p.Families[len(p.Families)-1]
		case section[4] == "Address Families" && indent == 8 && fam != nil:
			var v int64
			v, err = strconv.ParseInt(val, 10, 64)
			switch key {
			case "Received Routes":
				fam.Received = v
			case "Accepted Routes":
				fam.Accepted = v
			case "Advertised Routes":
				fam.Advertised = v
			}
		case section[4] == "Local Capabilities" || section[4] == "Remote Capabilities":
			caps := &p.LocalCapabilities
			if section[4] == "Remote Capabilities" {
				caps = &p.RemoteCapabilities
			}
			switch indent {
			case 6:
				*caps = append(*caps, strings.ToLower(key))
			case 8:
				if len(*caps) > 0 && !strings.Contains(val, " ") && !hasColon { // "ipv4-unicast" under "multiprotocol:"
					last := &(*caps)[len(*caps)-1]
					if !strings.Contains(*last, " ") {
						*last += " " + key
					} else {
						*caps = append(*caps, strings.SplitN(*last, " ", 2)[0]+" "+key)
					}
				}
			}
		case indent == 4:
			err = setDetail(p, key, val)
		case parent == "Hold Time" || parent == "Keep Alive Time":
			var d int64
			d, err = secondsOf(val)
			switch {
			case parent == "Hold Time" && key == "Configured":
				p.ConfiguredHold = d
			case parent == "Hold Time" && key == "Applied":
				p.AppliedHold = d
			case key == "Configured":
				p.ConfiguredKeepalive = d
			case key == "Applied":
				p.AppliedKeepalive = d
			}
		case parent == "Timers" && key == "Connect Retry Time":
			p.ConnectRetry, err = secondsOf(val)
		case parent == "Graceful Restart" && key == "Enabled":
			p.GracefulRestart = val == "true"
		case parent == "Graceful Restart" && key == "Restart Time":
			p.GRRestartTime, err = secondsOf(val)
		}
		if err != nil {
			return nil, fmt.Errorf("line %d %q: %w", n, strings.TrimSpace(line), err)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("line %d: %w", n+1, err)
	}
	flush()
	return out, nil
}

// setDetail sets one of a peer's own fields of the detailed form.
func setDetail(p *model.AgentPeer, key, val string) error {
	var err error
	switch key {
	case "Address":
		p.PeerAddress = val
	case "Port":
		p.PeerPort, err = strconv.ParseInt(val, 10, 64)
	case "PeerAsn":
		p.PeerASN, err = strconv.ParseInt(val, 10, 64)
	case "LocalAsn":
		p.LocalASN, err = strconv.ParseInt(val, 10, 64)
	case "Session State":
		p.State = val
	case "Uptime":
		p.Uptime, err = time.ParseDuration(val)
	case "Ebgp Multihop TTL":
		p.EBGPMultihopTTL, err = strconv.ParseInt(val, 10, 64)
	case "TCP Password Enabled":
		p.TCPPasswordEnabled = val == "true"
	}
	return err
}

// secondsOf parses a Go duration ("1m30s") into whole seconds.
func secondsOf(val string) (int64, error) {
	d, err := time.ParseDuration(val)
	return int64(d / time.Second), err
}

// decodeTable parses the `cilium-dbg bgp peers` table of Cilium ≤1.18: a row per
// session and family, further families of a session on rows whose session columns
// are blank. Without uptime (--no-uptime) the Uptime column is absent. Columns are
// found as for the routes tables (tableColumns).
func decodeTable(t []byte) ([]model.AgentPeer, error) {
	lines := strings.Split(strings.TrimRight(string(t), "\n"), "\n")
	cols := tableColumns(lines[0])
	col := map[string]int{}
	for i, c := range cols {
		col[c.name] = i
	}
	for _, want := range []string{"Local AS", "Peer AS", "Peer Address", "Session", "Family", "Received", "Advertised"} {
		if _, ok := col[want]; !ok {
			return nil, fmt.Errorf("peers table without a %q column; header %q", want, lines[0])
		}
	}
	var out []model.AgentPeer
	for n, line := range lines[1:] {
		if strings.TrimSpace(line) == "" {
			continue
		}
		// a session's further families are on rows whose session columns are blank
		cells := cutColumns(strings.TrimRight(line, " \r"), cols)
		get := func(name string) string { return cells[col[name]] }
		if get("Peer Address") == "" && len(out) > 0 {
			f, err := tableFamily(get("Family"), get("Received"), get("Advertised"))
			if err != nil {
				return nil, fmt.Errorf("line %d %q: %w", n+2, line, err)
			}
			out[len(out)-1].Families = append(out[len(out)-1].Families, f)
			continue
		}
		var p model.AgentPeer
		var err error
		if p.LocalASN, err = strconv.ParseInt(get("Local AS"), 10, 64); err != nil {
			return nil, fmt.Errorf("line %d %q: local AS: %w", n+2, line, err)
		}
		if p.PeerASN, err = strconv.ParseInt(get("Peer AS"), 10, 64); err != nil {
			return nil, fmt.Errorf("line %d %q: peer AS: %w", n+2, line, err)
		}
		if p.PeerAddress, p.PeerPort, err = addrPort(get("Peer Address")); err != nil {
			return nil, fmt.Errorf("line %d %q: peer address: %w", n+2, line, err)
		}
		p.Instance = "asn-" + strconv.FormatInt(p.LocalASN, 10)
		p.State = get("Session")
		if i, ok := col["Uptime"]; ok {
			p.Uptime, _ = time.ParseDuration(cells[i]) // "-" when not established
		}
		f, err := tableFamily(get("Family"), get("Received"), get("Advertised"))
		if err != nil {
			return nil, fmt.Errorf("line %d %q: %w", n+2, line, err)
		}
		p.Families = append(p.Families, f)
		out = append(out, p)
	}
	return out, nil
}

// addrPort splits "192.0.2.1:179", "[fd00::1]:179" or, as cilium-dbg prints IPv6
// peers, "fd00::1:179" (no brackets: the port is after the last colon).
func addrPort(s string) (string, int64, error) {
	i := strings.LastIndexByte(s, ':')
	if i < 0 {
		return "", 0, fmt.Errorf("%q has no port", s)
	}
	a, err := netip.ParseAddr(strings.Trim(s[:i], "[]"))
	if err != nil {
		return "", 0, err
	}
	port, err := strconv.ParseUint(s[i+1:], 10, 16)
	if err != nil {
		return "", 0, fmt.Errorf("port of %q: %w", s, err)
	}
	return a.String(), int64(port), nil
}

// tableFamily reads the "ipv4/unicast", received and advertised cells.
func tableFamily(family, received, advertised string) (model.AgentFamily, error) {
	afi, safi, ok := strings.Cut(family, "/")
	if !ok {
		return model.AgentFamily{}, fmt.Errorf("family %q is not afi/safi", family)
	}
	f := model.AgentFamily{AFI: afi, SAFI: safi}
	var err error
	if f.Received, err = strconv.ParseInt(received, 10, 64); err != nil {
		return f, fmt.Errorf("received: %w", err)
	}
	if f.Advertised, err = strconv.ParseInt(advertised, 10, 64); err != nil {
		return f, fmt.Errorf("advertised: %w", err)
	}
	return f, nil
}

// DecodeRoutesText reads the human tables of the agent's advertised routes, as
// cilium-bugtool saves them: `cilium-dbg shell -- bgp/routes -a out <afi> unicast`
// (1.19+: Instance, Peer as the peer's name, Prefix, NextHop, Age; instance and peer
// are left blank when they repeat) or `cilium-dbg bgp routes advertised <afi> unicast`
// (≤1.18: VRouter, Peer as its address, Prefix, NextHop, Age, Attrs). The peer column is
// returned as printed; the caller maps 1.19+ names to addresses.
func DecodeRoutesText(out []byte) ([]model.AgentRoute, error) {
	t := unfence(out)
	if len(bytes.TrimSpace(t)) == 0 {
		return nil, nil // nothing advertised: cilium-bugtool drops empty outputs, or saves an empty block
	}
	if bytes.Contains(t, []byte("BGP Control Plane is disabled")) {
		return nil, ErrBGPDisabled
	}
	lines := strings.Split(strings.TrimRight(string(t), "\n"), "\n")
	header := lines[0]
	cols := tableColumns(header)
	idx := map[string]int{}
	for i, c := range cols {
		idx[c.name] = i
	}
	router, hasRouter := idx["Instance"]
	if !hasRouter {
		router, hasRouter = idx["VRouter"]
	}
	for _, want := range []string{"Peer", "Prefix", "NextHop"} {
		if _, ok := idx[want]; !ok || !hasRouter {
			return nil, fmt.Errorf("routes table without Instance/VRouter, Peer, Prefix and NextHop columns; header %q", header)
		}
	}
	var res []model.AgentRoute
	var lastRouter, lastPeer string
	for n, line := range lines[1:] {
		if strings.TrimSpace(line) == "" {
			continue
		}
		cells := cutColumns(line, cols)
		if cells[router] == "" {
			cells[router] = lastRouter
		}
		if cells[idx["Peer"]] == "" && cells[router] == lastRouter {
			cells[idx["Peer"]] = lastPeer
		}
		lastRouter, lastPeer = cells[router], cells[idx["Peer"]]
		p, err := netip.ParsePrefix(cells[idx["Prefix"]])
		if err != nil {
			return nil, fmt.Errorf("line %d %q: prefix: %w", n+2, line, err)
		}
		r := model.AgentRoute{Peer: cells[idx["Peer"]], Prefix: p}
		if asn, err := strconv.ParseInt(cells[router], 10, 64); err == nil {
			r.RouterASN = asn // ≤1.18 prints the local ASN; 1.19+ the instance name
		}
		if nh, err := netip.ParseAddr(cells[idx["NextHop"]]); err == nil {
			r.NextHops = []netip.Addr{nh}
		}
		if i, ok := idx["Age"]; ok {
			if d, err := time.ParseDuration(cells[i]); err == nil {
				r.Age = int64(d)
			}
		}
		r.Best = true // only best paths are advertised
		res = append(res, r)
	}
	return res, nil
}

// headerWords matches a column title: words separated by single spaces.
var headerWords = regexp.MustCompile(`\S+(?: \S+)*`)

// column is a table column: its title and where it starts in the header.
type column struct {
	name  string
	start int
}

// tableColumns finds the columns of a header: separated by tabs, or by runs of two or
// more spaces as a tab writer aligns them.
func tableColumns(header string) []column {
	var cols []column
	if strings.Contains(header, "\t") {
		for i, h := range strings.Split(header, "\t") {
			if h = strings.TrimSpace(h); h != "" {
				cols = append(cols, column{name: h, start: -1 - i}) // negative: the tab index
			}
		}
		return cols
	}
	for _, loc := range headerWords.FindAllStringIndex(header, -1) {
		cols = append(cols, column{name: header[loc[0]:loc[1]], start: loc[0]})
	}
	return cols
}

// cutColumns splits a row into the header's columns: by tab index, or by the header's
// offsets (the last column takes the rest of the line).
func cutColumns(line string, cols []column) []string {
	cells := make([]string, len(cols))
	if len(cols) > 0 && cols[0].start < 0 {
		parts := strings.Split(line, "\t")
		for i, c := range cols {
			if j := -1 - c.start; j < len(parts) {
				cells[i] = strings.TrimSpace(parts[j])
			}
		}
		if last := -1 - cols[len(cols)-1].start; last < len(parts) {
			cells[len(cols)-1] = strings.TrimSpace(strings.Join(parts[last:], "\t"))
		}
		return cells
	}
	for i, c := range cols {
		if c.start >= len(line) {
			break
		}
		end := len(line)
		if i+1 < len(cols) {
			end = min(len(line), cols[i+1].start)
		}
		cells[i] = strings.TrimSpace(line[c.start:end])
	}
	return cells
}
