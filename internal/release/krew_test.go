// SPDX-License-Identifier: Apache-2.0

package release

import (
	"crypto/sha256"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// goreleaser is the part of .goreleaser.yaml the manifest depends on.
type goreleaser struct {
	ProjectName string `json:"project_name"`
	Builds      []struct {
		ID     string   `json:"id"`
		Binary string   `json:"binary"`
		Goos   []string `json:"goos"`
		Goarch []string `json:"goarch"`
		Ignore []struct {
			Goos, Goarch string
		} `json:"ignore"`
	} `json:"builds"`
	Archives []struct {
		ID              string   `json:"id"`
		Formats         []string `json:"formats"`
		NameTemplate    string   `json:"name_template"`
		WrapInDirectory bool     `json:"wrap_in_directory"`
		Files           []string `json:"files"`
	} `json:"archives"`
}

func read(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// archiveName is the archive goreleaser names for os/arch at tag.
func (g goreleaser) archiveName(tag, goos, goarch string) string {
	r := strings.NewReplacer("{{ .ProjectName }}", g.ProjectName, "{{ .Tag }}", tag, "{{ .Os }}", goos, "{{ .Arch }}", goarch)
	return r.Replace(g.Archives[0].NameTemplate) + "." + g.Archives[0].Formats[0]
}

// The krew template, rendered for every archive the goreleaser config builds, is a
// valid manifest: each platform has an archive (and each archive a platform), the
// binary is at the archive root with the LICENSE krew-index requires.
func TestKrewManifestMatchesGoreleaser(t *testing.T) {
	var g goreleaser
	if err := yaml.UnmarshalStrict(read(t, "../../.goreleaser.yaml"), &g, yaml.DisallowUnknownFields); err != nil {
		// the config has keys this struct does not model; decode leniently
		if err := yaml.Unmarshal(read(t, "../../.goreleaser.yaml"), &g); err != nil {
			t.Fatal(err)
		}
	}
	if len(g.Builds) != 1 || len(g.Archives) != 1 {
		t.Fatalf("want one build and one archive set, got %d and %d", len(g.Builds), len(g.Archives))
	}
	a := g.Archives[0]
	if !slices.Contains(a.Files, "LICENSE") || a.WrapInDirectory || !slices.Equal(a.Formats, []string{"tar.gz"}) {
		t.Errorf("archives: %+v (LICENSE inside, binary at the root, tar.gz)", a)
	}
	const tag = "v0.1.0"
	sums := map[string]string{}
	var archives []string
	for _, goos := range g.Builds[0].Goos {
		for _, goarch := range g.Builds[0].Goarch {
			name := g.archiveName(tag, goos, goarch)
			archives = append(archives, name)
			sums[name] = fmt.Sprintf("%x", sha256.Sum256([]byte(name)))
		}
	}
	if len(archives) != 6 {
		t.Errorf("%d archives, want linux/darwin/windows × amd64/arm64: %v", len(archives), archives)
	}
	out, err := Render(read(t, "../../.krew.yaml"), tag, sums)
	if err != nil {
		t.Fatal(err)
	}
	p, err := Validate("bgpnet", out)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	var uris []string
	for _, pl := range p.Spec.Platforms {
		goos, goarch := pl.Selector.MatchLabels["os"], pl.Selector.MatchLabels["arch"]
		want := g.archiveName(tag, goos, goarch)
		if !strings.HasSuffix(pl.URI, "/"+tag+"/"+want) || pl.Sha256 != sums[want] {
			t.Errorf("%s/%s: uri %s sha %s, want the archive %s", goos, goarch, pl.URI, pl.Sha256, want)
		}
		bin := g.Builds[0].Binary
		if goos == "windows" {
			bin += ".exe"
		}
		if pl.Bin != bin {
			t.Errorf("%s/%s: bin %s, want %s", goos, goarch, pl.Bin, bin)
		}
		uris = append(uris, pl.URI)
	}
	if len(uris) != len(archives) {
		t.Errorf("%d platforms for %d archives", len(uris), len(archives))
	}
	if p.Spec.Version != tag || !strings.Contains(p.Spec.Caveats, "deploy/rbac") {
		t.Errorf("version %s; caveats:\n%s", p.Spec.Version, p.Spec.Caveats)
	}
}

// A missing archive is an error, not a manifest with an empty sha256.
func TestRenderMissingArchive(t *testing.T) {
	if _, err := Render(read(t, "../../.krew.yaml"), "v0.1.0", map[string]string{}); err == nil || !strings.Contains(err.Error(), "kubectl-bgpnet_v0.1.0_darwin_amd64.tar.gz") {
		t.Errorf("err = %v", err)
	}
}

func TestValidateRejects(t *testing.T) {
	good := `apiVersion: krew.googlecontainertools.github.com/v1alpha2
kind: Plugin
metadata: {name: bgpnet}
spec:
  version: v0.1.0
  shortDescription: Troubleshoot Cilium BGP
  description: It does things.
  platforms:
  - selector: {matchLabels: {os: linux, arch: amd64}}
    uri: https://example.com/a_linux_amd64.tar.gz
    sha256: ` + strings.Repeat("a", 64) + `
    bin: kubectl-bgpnet
`
	if _, err := Validate("bgpnet", []byte(good)); err != nil {
		t.Fatalf("the good manifest: %v", err)
	}
	for _, tc := range []struct{ name, from, to, want string }{
		{"upper-case sha", strings.Repeat("a", 64), strings.Repeat("A", 64), "sha256"},
		{"short sha", strings.Repeat("a", 64), "abc", "sha256"},
		{"no v", "version: v0.1.0", "version: 0.1.0", "semver"},
		{"two lines", "shortDescription: Troubleshoot Cilium BGP", "shortDescription: \"a\\nb\"", "one non-empty line"},
		{"other selector key", "{os: linux, arch: amd64}", "{os: linux, arch: amd64, distro: debian}", "only os and arch"},
		{"name differs", "metadata: {name: bgpnet}", "metadata: {name: bgp}", "named"},
		{"not an archive", "a_linux_amd64.tar.gz", "a_linux_amd64.exe", ".tar.gz or .zip"},
		{"unknown field", "  description: It does things.", "  description: It does things.\n  colour: blue", "unknown field"},
		{"no description", "  description: It does things.\n", "", "description"},
		{"windows without exe", "{os: linux, arch: amd64}", "{os: windows, arch: amd64}", ".exe"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bad := strings.Replace(good, tc.from, tc.to, 1)
			if bad == good {
				t.Fatal("the replacement did not apply")
			}
			if _, err := Validate("bgpnet", []byte(bad)); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want %q", err, tc.want)
			}
		})
	}
	dup := strings.Replace(good, "  platforms:\n", "  platforms:\n  - selector: {matchLabels: {os: linux, arch: amd64}}\n    uri: https://example.com/b.tar.gz\n    sha256: "+strings.Repeat("b", 64)+"\n    bin: kubectl-bgpnet\n", 1)
	if _, err := Validate("bgpnet", []byte(dup)); err == nil || !strings.Contains(err.Error(), "second platform") {
		t.Errorf("duplicate selector: %v", err)
	}
}

func TestParseChecksums(t *testing.T) {
	sums, err := ParseChecksums([]byte(strings.Repeat("a", 64) + "  kubectl-bgpnet_v0.1.0_linux_amd64.tar.gz\n"))
	if err != nil || sums["kubectl-bgpnet_v0.1.0_linux_amd64.tar.gz"] != strings.Repeat("a", 64) {
		t.Errorf("%v %v", sums, err)
	}
	if _, err := ParseChecksums([]byte("nonsense")); err == nil {
		t.Error("accepted nonsense")
	}
}
