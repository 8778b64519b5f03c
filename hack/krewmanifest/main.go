// SPDX-License-Identifier: Apache-2.0

// Command krewmanifest renders the krew manifest from the .krew.yaml template and a
// GoReleaser dist directory (its metadata.json tag and checksums.txt), validates it
// by krew-index's rules, checks each archive's sha256 as krew would on install, and
// writes it (make release-snapshot).
package main

import (
	"crypto/sha256"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path"
	"path/filepath"

	"github.com/bgpnet/kubectl-bgpnet/internal/release"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "krewmanifest:", err)
		os.Exit(1)
	}
}

func run() error {
	tpl := flag.String("template", ".krew.yaml", "the krew-release-bot template")
	dist := flag.String("dist", "dist", "GoReleaser's output directory")
	out := flag.String("out", "dist/krew/bgpnet.yaml", "where to write the manifest")
	flag.Parse()
	t, err := os.ReadFile(*tpl)
	if err != nil {
		return err
	}
	var meta struct {
		Tag string `json:"tag"`
	}
	b, err := os.ReadFile(filepath.Join(*dist, "metadata.json"))
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, &meta); err != nil || meta.Tag == "" {
		return fmt.Errorf("%s: no tag (%v)", filepath.Join(*dist, "metadata.json"), err)
	}
	b, err = os.ReadFile(filepath.Join(*dist, "checksums.txt"))
	if err != nil {
		return err
	}
	sums, err := release.ParseChecksums(b)
	if err != nil {
		return err
	}
	m, err := release.Render(t, meta.Tag, sums)
	if err != nil {
		return err
	}
	p, err := release.Validate("bgpnet", m)
	if err != nil {
		return fmt.Errorf("the rendered manifest is not valid: %w", err)
	}
	// what krew does on install: the archive's sha256 must be the manifest's
	for _, pl := range p.Spec.Platforms {
		f := filepath.Join(*dist, path.Base(pl.URI))
		b, err := os.ReadFile(f)
		if err != nil {
			return fmt.Errorf("platform %v: %w", pl.Selector.MatchLabels, err)
		}
		if got := fmt.Sprintf("%x", sha256.Sum256(b)); got != pl.Sha256 {
			return fmt.Errorf("%s: sha256 %s, the manifest says %s", f, got, pl.Sha256)
		}
	}
	if err := os.MkdirAll(filepath.Dir(*out), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(*out, m, 0o644); err != nil {
		return err
	}
	fmt.Println("wrote", *out, "for", meta.Tag)
	return nil
}
