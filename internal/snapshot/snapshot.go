// SPDX-License-Identifier: Apache-2.0

// Package snapshot reads and writes snapshot files (JSON or YAML) and holds the
// embedded demo snapshot.
package snapshot

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/bgpnet/kubectl-bgpnet/internal/jsonutil"
	"github.com/bgpnet/kubectl-bgpnet/internal/model"
	"github.com/bgpnet/kubectl-bgpnet/internal/safeyaml"
	"sigs.k8s.io/yaml"
)

// MaxSize bounds how much of a snapshot file is read (256 MiB): a 5000-Service
// cluster is a few MiB, so anything larger is not a snapshot.
const MaxSize = 256 << 20

// Format is a serialisation of a snapshot.
type Format string

// Supported formats.
const (
	JSON Format = "json"
	YAML Format = "yaml"
)

// Decode reads a snapshot in JSON or YAML. name names the input in errors.
// It rejects empty input, files that are not bgpnet snapshots, and snapshots
// written by a newer bgpnet (schemaVersion above model.SchemaVersion).
func Decode(r io.Reader, name string) (*model.Snapshot, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxSize+1))
	if err != nil {
		return nil, fmt.Errorf("read snapshot %s: %w", name, err)
	}
	if len(data) > MaxSize {
		return nil, fmt.Errorf("snapshot %s: larger than %d MiB, not a bgpnet snapshot", name, MaxSize>>20)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, fmt.Errorf("snapshot %s: file is empty", name)
	}
	if data, err = safeyaml.ToJSON("snapshot "+name, data); err != nil {
		return nil, err
	}
	var probe struct {
		SchemaVersion *int `json:"schemaVersion"`
	}
	if err := json.Unmarshal(data, &probe); err != nil {
		return nil, fmt.Errorf("snapshot %s: not a JSON object: %w", name, err)
	}
	switch {
	case probe.SchemaVersion == nil:
		return nil, fmt.Errorf("snapshot %s: no schemaVersion field, not a bgpnet snapshot", name)
	case *probe.SchemaVersion > model.SchemaVersion:
		return nil, fmt.Errorf("snapshot %s: written by a newer bgpnet (schemaVersion %d, this build reads up to %d): upgrade kubectl-bgpnet",
			name, *probe.SchemaVersion, model.SchemaVersion)
	case *probe.SchemaVersion < 1:
		return nil, fmt.Errorf("snapshot %s: invalid schemaVersion %d", name, *probe.SchemaVersion)
	}
	var s model.Snapshot
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, fmt.Errorf("snapshot %s: %w", name, jsonutil.Describe(err))
	}
	return &s, nil
}

// Load reads a snapshot file.
func Load(path string) (*model.Snapshot, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open snapshot: %w", err)
	}
	defer f.Close()
	s, err := Decode(f, path)
	if err != nil {
		return nil, err
	}
	s.Origin = "file"
	return s, nil
}

// Encode writes s in the given format.
func Encode(w io.Writer, s *model.Snapshot, f Format) error {
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return fmt.Errorf("encode snapshot: %w", err)
	}
	switch f {
	case JSON:
		data = append(data, '\n')
	case YAML:
		if data, err = yaml.JSONToYAML(data); err != nil {
			return fmt.Errorf("encode snapshot as YAML: %w", err)
		}
	default:
		return fmt.Errorf("unknown snapshot format %q (want json or yaml)", f)
	}
	if _, err := w.Write(data); err != nil {
		return fmt.Errorf("write snapshot: %w", err)
	}
	return nil
}

// FormatForPath guesses the format from a file name: .yaml/.yml is YAML, anything else JSON.
func FormatForPath(path string) Format {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".yaml", ".yml":
		return YAML
	}
	return JSON
}
