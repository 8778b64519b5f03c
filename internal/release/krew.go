// SPDX-License-Identifier: Apache-2.0

// Package release renders and validates the krew plugin manifest: the .krew.yaml
// template krew-release-bot fills at each tag, rendered here from the archives a
// (snapshot) release built, and checked against krew-index's rules.
package release

import (
	"bytes"
	"fmt"
	"path"
	"regexp"
	"strings"
	"text/template"

	"golang.org/x/mod/semver"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"
)

// The krew manifest schema (krew-index's plugin manifests, apiVersion v1alpha2), the
// fields of sigs.k8s.io/krew/pkg/index: krew's module cannot be used here (it requires
// an ancient client-go), and its validator is internal to it.
const (
	krewAPIVersion = "krew.googlecontainertools.github.com/v1alpha2"
	krewKind       = "Plugin"
)

// Plugin is a krew plugin manifest.
type Plugin struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	Spec              PluginSpec `json:"spec"`
}

// PluginSpec is a manifest's spec.
type PluginSpec struct {
	Version          string     `json:"version,omitempty"`
	ShortDescription string     `json:"shortDescription,omitempty"`
	Description      string     `json:"description,omitempty"`
	Caveats          string     `json:"caveats,omitempty"`
	Homepage         string     `json:"homepage,omitempty"`
	Platforms        []Platform `json:"platforms,omitempty"`
}

// Platform is one installable archive and the os/arch it is for.
type Platform struct {
	URI      string                `json:"uri,omitempty"`
	Sha256   string                `json:"sha256,omitempty"`
	Selector *metav1.LabelSelector `json:"selector,omitempty"`
	Files    []FileOperation       `json:"files,omitempty"`
	Bin      string                `json:"bin,omitempty"`
}

// FileOperation copies files out of the archive.
type FileOperation struct {
	From string `json:"from,omitempty"`
	To   string `json:"to,omitempty"`
}

// Render fills the krew template as krew-release-bot does: {{ .TagName }} is the tag,
// and addURIAndSha(url, tag) writes the archive's uri and sha256 (sums by file name,
// as in goreleaser's checksums.txt).
func Render(tpl []byte, tag string, sums map[string]string) ([]byte, error) {
	var missing []string
	t, err := template.New(".krew.yaml").Funcs(template.FuncMap{
		"addURIAndSha": func(url, tag string) string {
			url = strings.ReplaceAll(url, "{{ .TagName }}", tag)
			sum, ok := sums[path.Base(url)]
			if !ok {
				missing = append(missing, path.Base(url))
			}
			return fmt.Sprintf("uri: %s\n    sha256: %s", url, sum)
		},
	}).Parse(string(tpl))
	if err != nil {
		return nil, fmt.Errorf("parse the krew template: %w", err)
	}
	var b bytes.Buffer
	if err := t.Execute(&b, map[string]string{"TagName": tag}); err != nil {
		return nil, fmt.Errorf("render the krew template: %w", err)
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("no archive (checksum) for %s", strings.Join(missing, ", "))
	}
	return b.Bytes(), nil
}

var (
	safeName = regexp.MustCompile(`^[\w-]+$`)
	sha256Re = regexp.MustCompile(`^[a-f0-9]{64}$`)
	windows  = []string{"CON", "PRN", "AUX", "NUL", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8", "COM9",
		"LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9"}
)

// Validate decodes a manifest strictly into krew's schema and applies the rules of
// krew's validator (internal/index/validation of krew v0.4.4, restated) plus
// krew-index's: a description, no two platforms for the same os/arch, archives named
// .tar.gz or .zip, .exe binaries on Windows.
func Validate(name string, manifest []byte) (*Plugin, error) {
	var p Plugin
	if err := yaml.UnmarshalStrict(manifest, &p); err != nil {
		return nil, fmt.Errorf("decode the manifest: %w", err)
	}
	switch {
	case p.APIVersion != krewAPIVersion:
		return nil, fmt.Errorf("apiVersion %q, want %q", p.APIVersion, krewAPIVersion)
	case p.Kind != krewKind:
		return nil, fmt.Errorf("kind %q, want %q", p.Kind, krewKind)
	case !safeName.MatchString(name) || isWindowsName(name):
		return nil, fmt.Errorf("plugin name %q is not allowed", name)
	case p.Name != name:
		return nil, fmt.Errorf("plugin is named %q, the file %q", p.Name, name)
	case p.Spec.ShortDescription == "" || strings.ContainsAny(p.Spec.ShortDescription, "\r\n"):
		return nil, fmt.Errorf("shortDescription must be one non-empty line, got %q", p.Spec.ShortDescription)
	case strings.TrimSpace(p.Spec.Description) == "":
		return nil, fmt.Errorf("description is required by krew-index")
	case !strings.HasPrefix(p.Spec.Version, "v") || !semver.IsValid(p.Spec.Version):
		return nil, fmt.Errorf("version %q is not semver with a v prefix", p.Spec.Version)
	case len(p.Spec.Platforms) == 0:
		return nil, fmt.Errorf("no platform")
	}
	seen := map[string]bool{}
	for i, pl := range p.Spec.Platforms {
		if err := validatePlatform(pl); err != nil {
			return nil, fmt.Errorf("platform %d: %w", i, err)
		}
		key := pl.Selector.MatchLabels["os"] + "/" + pl.Selector.MatchLabels["arch"]
		if seen[key] {
			return nil, fmt.Errorf("platform %d: a second platform for %s", i, key)
		}
		seen[key] = true
	}
	return &p, nil
}

func isWindowsName(n string) bool {
	for _, w := range windows {
		if strings.EqualFold(w, n) {
			return true
		}
	}
	return false
}

func validatePlatform(p Platform) error {
	switch {
	case p.URI == "":
		return fmt.Errorf("uri is empty")
	case !strings.HasSuffix(p.URI, ".tar.gz") && !strings.HasSuffix(p.URI, ".zip"):
		return fmt.Errorf("uri %s is not a .tar.gz or .zip", p.URI)
	case !sha256Re.MatchString(p.Sha256):
		return fmt.Errorf("sha256 %q is not 64 lowercase hex digits", p.Sha256)
	case p.Bin == "":
		return fmt.Errorf("bin is empty")
	case p.Files != nil && len(p.Files) == 0:
		return fmt.Errorf("files must be unset or non-empty")
	case p.Selector == nil || (len(p.Selector.MatchLabels) == 0 && len(p.Selector.MatchExpressions) == 0):
		return fmt.Errorf("selector is empty")
	}
	for _, f := range p.Files {
		if f.From == "" || f.To == "" {
			return fmt.Errorf("files: from and to must be set")
		}
	}
	for k := range p.Selector.MatchLabels {
		if k != "os" && k != "arch" {
			return fmt.Errorf("selector key %q: only os and arch", k)
		}
	}
	for _, e := range p.Selector.MatchExpressions {
		if e.Key != "os" && e.Key != "arch" {
			return fmt.Errorf("selector key %q: only os and arch", e.Key)
		}
	}
	if p.Selector.MatchLabels["os"] == "windows" && !strings.HasSuffix(p.Bin, ".exe") {
		return fmt.Errorf("bin %q on Windows must end in .exe", p.Bin)
	}
	return nil
}

// ParseChecksums reads goreleaser's checksums.txt ("<sha256>  <file>" lines).
func ParseChecksums(b []byte) (map[string]string, error) {
	out := map[string]string{}
	for n, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		f := strings.Fields(line)
		if len(f) != 2 || !sha256Re.MatchString(f[0]) {
			return nil, fmt.Errorf("checksums line %d: %q", n+1, line)
		}
		out[f[1]] = f[0]
	}
	return out, nil
}
