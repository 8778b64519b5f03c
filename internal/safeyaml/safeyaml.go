// SPDX-License-Identifier: Apache-2.0

// Package safeyaml decodes YAML (or JSON) input bounded by its size: YAML whose aliases
// or merge keys would expand it well beyond what it holds (a "billion laughs") is
// refused before any decoder expands it. Every file bgpnet reads as YAML goes through it.
package safeyaml

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	yamlv3 "go.yaml.in/yaml/v3"
	"sigs.k8s.io/yaml"
)

// ErrExpands is the error of input whose aliases expand it beyond its size.
var ErrExpands = errors.New("YAML aliases expand it beyond its size")

// expansion bounds what aliases may add: the expanded document may cost at most
// expansion× the input's bytes plus slack (a node and each byte of a scalar count one).
const (
	expansion = 2
	slack     = 64 << 10
)

// Check refuses YAML whose aliases (also through merge keys "<<") expand it beyond
// its size, and aliases that contain themselves. name names the input in errors. JSON
// and YAML without anchors cannot expand, and pass without being parsed.
func Check(name string, data []byte) error {
	if !mayAnchor(data) || json.Valid(data) {
		return nil // an alias needs an anchor (&name); JSON has neither
	}
	budget := int64(expansion)*int64(len(data)) + slack
	dec := yamlv3.NewDecoder(bytes.NewReader(data))
	c := counter{sizes: map[*yamlv3.Node]int64{}, budget: budget}
	var total int64
	for {
		var doc yamlv3.Node // parsed without expanding aliases
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: not valid YAML: %w", name, err)
		}
		n, err := c.size(&doc)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		if total += n; total > budget {
			return fmt.Errorf("%s: %w: its %d bytes would expand to more than %d nodes and bytes: refusing it", name, ErrExpands, len(data), budget)
		}
	}
}

// mayAnchor reports whether data may hold an anchor: an & that starts a token. An &
// right after a letter, a digit or one of /=?.;%_-+ is inside a scalar (a URL's query
// string), where the scanner never reads an anchor; anything else is parsed to be sure.
func mayAnchor(data []byte) bool {
	for i := 0; ; {
		j := bytes.IndexByte(data[i:], '&')
		if j < 0 {
			return false
		}
		i += j
		if i == 0 || !inScalar(data[i-1]) {
			return true
		}
		i++
	}
}

func inScalar(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || bytes.IndexByte([]byte("/=?.;%_-+"), c) >= 0
}

// counter sizes nodes with their aliases expanded, each node once (the size of an
// anchored node is remembered), stopping as soon as the budget is exceeded.
type counter struct {
	sizes  map[*yamlv3.Node]int64 // -1 while the node is being sized
	budget int64
}

func (c *counter) size(n *yamlv3.Node) (int64, error) {
	if n.Kind == yamlv3.AliasNode {
		n = n.Alias
		if n == nil {
			return 1, nil
		}
	}
	if s, ok := c.sizes[n]; ok {
		if s < 0 {
			return 0, fmt.Errorf("%w: alias %q contains itself", ErrExpands, n.Anchor)
		}
		return s, nil
	}
	c.sizes[n] = -1
	s := 1 + int64(len(n.Value))
	for _, ch := range n.Content {
		cs, err := c.size(ch)
		if err != nil {
			return 0, err
		}
		if s += cs; s > c.budget {
			break // already too large: no need to count on
		}
	}
	if n.Anchor == "" {
		delete(c.sizes, n) // only anchored nodes are reached again
	} else {
		c.sizes[n] = s
	}
	return s, nil
}

// ToJSON returns data as JSON: JSON as it is, YAML converted once Check accepted it.
// name names the input in errors.
func ToJSON(name string, data []byte) ([]byte, error) {
	if json.Valid(data) {
		return data, nil
	}
	if err := Check(name, data); err != nil {
		return nil, err
	}
	j, err := yaml.YAMLToJSON(data)
	if err != nil {
		return nil, fmt.Errorf("%s: neither JSON nor YAML: %w", name, err)
	}
	return j, nil
}

// UnmarshalStrict decodes YAML or JSON into v once Check accepted it, refusing
// unknown fields and duplicate keys. name names the input in errors.
func UnmarshalStrict(name string, data []byte, v any) error {
	if err := Check(name, data); err != nil {
		return err
	}
	if err := yaml.UnmarshalStrict(data, v); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}
