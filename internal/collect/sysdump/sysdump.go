// SPDX-License-Identifier: Apache-2.0

// Package sysdump reads a cilium sysdump (the zip archive `cilium sysdump` writes) into
// a snapshot, so that doctor, the listings and the TUI run offline on a bundle a user
// attached to a bug report. It reads the archive in memory, never extracts it, and
// bounds every entry it reads: a hostile archive gets an error naming the entry.
package sysdump

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/bgpnet/kubectl-bgpnet/internal/collect/kube"
	"github.com/bgpnet/kubectl-bgpnet/internal/model"
	"github.com/bgpnet/kubectl-bgpnet/internal/safeyaml"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// Limits bound what is read from an archive.
type Limits struct {
	// Entries is the most entries an archive may list.
	Entries int
	// Entry is the most bytes one entry may decompress to.
	Entry int64
	// Total is the most bytes decompressed from all entries together, the gzip
	// archives inside them included.
	Total int64
	// Ratio bounds what an entry or a gzip archive inside one may decompress to:
	// Ratio times its compressed size (at least 16 MiB). 0 means no bound.
	Ratio int64
}

// DefaultLimits fit a sysdump of a few thousand nodes: its largest files (pods,
// endpoint slices) are tens of MiB.
// YAML compresses 5–20 times; a zip bomb 1000 times.
var DefaultLimits = Limits{Entries: 200_000, Entry: 256 << 20, Total: 1 << 30, Ratio: 200}

// IsZip reports whether head, the first bytes of a file, start a zip archive.
func IsZip(head []byte) bool {
	return bytes.HasPrefix(head, []byte("PK\x03\x04"))
}

// Read reads the sysdump at p.
func Read(p string) (*model.Snapshot, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, fmt.Errorf("open sysdump: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("sysdump %s: %w", p, err)
	}
	return ReadArchive(f, fi.Size(), p, DefaultLimits)
}

// fileName matches the names cilium-cli gives its files: a kind, the time the sysdump
// started (20060102-150405) and an extension.
var fileName = regexp.MustCompile(`^(.+)-(\d{8}-\d{6})\.(yaml|json|txt|log|tar\.gz)$`)

// file is one recognised file of the archive.
type file struct {
	entry *zip.File
	ts    string
}

// archive is an opened sysdump.
type archive struct {
	name   string
	files  map[string]file // by "kind.ext", e.g. "k8s-nodes.yaml"
	log    string          // cilium-sysdump.log, if present
	limits Limits
	read   int64 // bytes read so far, against limits.Total
	// podList is k8s-pods, read on first use.
	podList  []unstructured.Unstructured
	podsErr  error
	podsRead bool
}

// ReadArchive reads a sysdump from r (size bytes); name names it in errors.
func ReadArchive(r io.ReaderAt, size int64, name string, limits Limits) (*model.Snapshot, error) {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return nil, fmt.Errorf("sysdump %s: not a readable zip archive: %w", name, err)
	}
	if len(zr.File) > limits.Entries {
		return nil, fmt.Errorf("sysdump %s: %d entries, more than the %d a sysdump has: refusing to read it", name, len(zr.File), limits.Entries)
	}
	a := &archive{name: name, files: map[string]file{}, limits: limits}
	for _, f := range zr.File {
		base := path.Base(f.Name)
		if base == "cilium-sysdump.log" {
			if data, err := a.readEntry(f); err == nil {
				a.log = string(data)
			}
			continue
		}
		m := fileName.FindStringSubmatch(base)
		if m == nil {
			continue
		}
		key := m[1] + "." + m[3]
		if prev, ok := a.files[key]; !ok || m[2] > prev.ts {
			a.files[key] = file{entry: f, ts: m[2]} // two sysdumps in one archive: the newer
		}
	}
	if _, ok := a.files["k8s-nodes.yaml"]; !ok && !slices.ContainsFunc(kinds, func(k kindFile) bool { _, ok := a.files[k.file+".yaml"]; return ok }) {
		return nil, fmt.Errorf("sysdump %s: no k8s-nodes-<time>.yaml and no Cilium resource files: not a cilium sysdump", name)
	}
	return a.snapshot()
}

// readEntry decompresses one entry within the limits.
func (a *archive) readEntry(f *zip.File) ([]byte, error) {
	if f.UncompressedSize64 > uint64(a.limits.Entry) {
		return nil, fmt.Errorf("%s: %d bytes uncompressed, more than the %s allowed", f.Name, f.UncompressedSize64, size(a.limits.Entry))
	}
	rc, err := f.Open()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", f.Name, err)
	}
	defer rc.Close()
	b := a.bounded(rc, int64(f.CompressedSize64))
	var buf bytes.Buffer
	buf.Grow(int(min(int64(f.UncompressedSize64), b.limit)) + 1) // one allocation, not doubling up to the limit
	if _, err := buf.ReadFrom(b); err != nil {
		return nil, fmt.Errorf("%s: %w", f.Name, err)
	}
	return buf.Bytes(), nil
}

// ratioFloor is what any entry may decompress to, whatever its compression ratio.
const ratioFloor = 16 << 20

// bounded counts what r decompresses from compressed bytes against the limits: the
// entry's, what is left of the archive's total, and Ratio times the compressed size.
// Beyond the first it fails with an error saying which.
func (a *archive) bounded(r io.Reader, compressed int64) *boundedReader {
	b := &boundedReader{r: r, a: a, limit: a.limits.Entry, why: "decompresses to more than " + size(a.limits.Entry)}
	if rest := a.limits.Total - a.read; rest < b.limit {
		b.limit, b.why = max(rest, 0), "the archive decompresses to more than "+size(a.limits.Total)+" in all: refusing to read further"
	}
	if a.limits.Ratio > 0 {
		if r := max(a.limits.Ratio*compressed, ratioFloor); r < b.limit {
			b.limit, b.why = r, fmt.Sprintf("decompresses to more than %d times its %s compressed (a zip bomb?): refusing it", a.limits.Ratio, size(compressed))
		}
	}
	return b
}

// boundedReader is the reader of bounded.
type boundedReader struct {
	r     io.Reader
	a     *archive
	n     int64
	limit int64
	why   string
}

func (b *boundedReader) Read(p []byte) (int, error) {
	if left := b.limit - b.n + 1; int64(len(p)) > left {
		p = p[:left] // one byte more than allowed tells that there is more
	}
	n, err := b.r.Read(p)
	b.n += int64(n)
	b.a.read += int64(n)
	if b.n > b.limit {
		return n, errors.New(b.why)
	}
	return n, err
}

// size renders a byte count in KiB or MiB.
func size(n int64) string {
	if n >= 1<<20 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d KiB", n>>10)
}

// kindFile maps a file of the sysdump to the source it feeds.
type kindFile struct {
	file   string // name before the timestamp
	source string
	// resource is the plural the sysdump log names when listing it failed.
	resource string
}

// kinds are the Cilium files bgpnet reads: one per resource the live collection lists,
// named after its plural. cilium-cli writes each as the YAML of the list the API server
// returned.
var kinds = func() []kindFile {
	var out []kindFile
	for _, r := range kube.CiliumResources() {
		out = append(out, kindFile{file: r.Resource, source: r.Source, resource: r.Resource})
	}
	return out
}()

// core are the files of core kinds, by source; several files may feed one source.
var core = []kindFile{
	{"k8s-nodes", model.SourceNodes, "nodes"},
	{"cilium-configmap", model.SourceCiliumConfig, "configmaps"},
	{"cilium-daemonset", model.SourceDaemonSets, "daemonsets"},
	{"cilium-operator-deployment", model.SourceDeployments, "deployments"},
	{"hubble-relay-deployment", model.SourceDeployments, "deployments"},
	{"k8s-services", model.SourceServices, "services"},
	{"k8s-endpointslices", model.SourceEndpointSlices, "endpointslices"},
}

// snapshot decodes the recognised files.
func (a *archive) snapshot() (*model.Snapshot, error) {
	d := kube.Dump{Origin: "sysdump", CiliumNamespace: "kube-system", Sources: map[string]kube.DumpSource{}}
	for _, f := range a.files {
		if t, err := time.Parse("20060102-150405", f.ts); err == nil && t.After(d.CollectedAt) {
			d.CollectedAt = t // the sysdump's local time; its zone is not recorded
		}
	}
	for _, k := range slices.Concat(core, kinds) {
		a.addFile(&d, k)
	}
	a.inferDaemonSets(&d)
	a.fillMissing(&d)
	if cm := d.Sources[model.SourceCiliumConfig]; len(cm.Items) > 0 && cm.Items[0].GetNamespace() != "" {
		d.CiliumNamespace = cm.Items[0].GetNamespace()
	}
	s := kube.Assemble(d)
	s.Cluster.Context = "sysdump " + path.Base(a.name)
	a.addFlows(s)
	a.addAgents(s)
	return s, nil
}

// addFile reads one file into its source. A file that cannot be read or parsed makes
// its source an error naming the file; the other sources are still read.
func (a *archive) addFile(d *kube.Dump, k kindFile) {
	f, ok := a.files[k.file+".yaml"]
	if !ok {
		return
	}
	src := d.Sources[k.source]
	name := path.Base(f.entry.Name)
	if src.Status != "" && src.Status != model.StatusOK {
		return // an earlier file of this source already failed
	}
	items, err := a.objects(f.entry)
	if err != nil {
		d.Sources[k.source] = kube.DumpSource{Status: model.StatusError, Message: err.Error()}
		return
	}
	src.Status = model.StatusOK
	src.Message = joinMsg(src.Message, "from "+name)
	src.Items = append(src.Items, items...)
	if len(items) > 0 && strings.HasPrefix(items[0].GetAPIVersion(), "cilium.io/") {
		src.APIVersion = items[0].GetAPIVersion()
	}
	d.Sources[k.source] = src
}

// perPod returns, sorted, the keys of the files written once per pod: prefix, the pod
// and ext ("hubble-flows-" … ".json").
func (a *archive) perPod(prefix, ext string) []string {
	var keys []string
	for k := range a.files {
		if strings.HasPrefix(k, prefix) && strings.HasSuffix(k, ext) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys
}

func joinMsg(a, b string) string {
	if a == "" {
		return b
	}
	return a + ", " + b
}

// objects parses a file holding one object or a list of them.
func (a *archive) objects(f *zip.File) ([]unstructured.Unstructured, error) {
	data, err := a.readEntry(f)
	if err != nil {
		return nil, err
	}
	name := path.Base(f.Name)
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, fmt.Errorf("%s: empty file", name)
	}
	j, err := safeyaml.ToJSON(name, data)
	if err != nil {
		return nil, err
	}
	if bytes.Equal(bytes.TrimSpace(j), []byte("null")) {
		return nil, fmt.Errorf("%s: no object in it", name)
	}
	var head struct {
		Kind string `json:"kind"`
	}
	if err := json.Unmarshal(j, &head); err != nil {
		return nil, fmt.Errorf("%s: not a Kubernetes object or list: %w", name, err)
	}
	if !strings.HasSuffix(head.Kind, "List") {
		var u unstructured.Unstructured
		if err := u.UnmarshalJSON(j); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		return []unstructured.Unstructured{u}, nil
	}
	var list unstructured.UnstructuredList
	if err := list.UnmarshalJSON(j); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return list.Items, nil
}

// fillMissing says, for every source no file fed, why: what the sysdump's log says
// about it, what the Cilium configuration implies, or that the sysdump does not have it.
func (a *archive) fillMissing(d *kube.Dump) {
	version := ""
	if ds := d.Sources[model.SourceDaemonSets]; ds.Status == model.StatusOK {
		for _, it := range ds.Items {
			if img := agentImage(it); img != "" {
				version = img
			}
		}
	}
	cfg := map[string]string{}
	if cm := d.Sources[model.SourceCiliumConfig]; cm.Status == model.StatusOK && len(cm.Items) > 0 {
		cfg, _, _ = unstructured.NestedStringMap(cm.Items[0].Object, "data")
	}
	for _, k := range slices.Concat(core, kinds) {
		if _, ok := d.Sources[k.source]; ok {
			continue
		}
		st := kube.DumpSource{Status: model.StatusSkipped, Message: fmt.Sprintf("no %s-<time>.yaml in the sysdump", k.file)}
		switch {
		case a.logSays(k.resource, "forbidden"):
			st = kube.DumpSource{Status: model.StatusForbidden, Message: "the sysdump could not list " + k.resource + ": forbidden (see cilium-sysdump.log)"}
		case a.logSays(k.resource, "could not find the requested resource"), a.logSays(k.resource, "not found"):
			st = kube.DumpSource{Status: model.StatusNotInstalled, Message: k.resource + " not served when the sysdump was taken (cilium-sysdump.log)"}
		case k.source == model.SourcePeeringPolicies && atLeast(version, 1, 19):
			st = kube.DumpSource{Status: model.StatusNotInstalled, Message: "BGPv1 CiliumBGPPeeringPolicy was removed in Cilium 1.19 (agent " + version + ")"}
		case k.source == model.SourceL2Policies && cfg["enable-l2-announcements"] != "true" && len(cfg) > 0:
			st = kube.DumpSource{Status: model.StatusNotInstalled, Message: "cilium sysdump does not collect L2 announcement policies; enable-l2-announcements is off in cilium-config, so none applies"}
		case k.source == model.SourceL2Policies:
			st.Message = "cilium sysdump does not collect CiliumL2AnnouncementPolicies, and L2 announcements are enabled: the L2 checks cannot run"
		}
		d.Sources[k.source] = st
	}
}

// logSays reports whether a line of cilium-sysdump.log names the resource and the phrase.
func (a *archive) logSays(resource, phrase string) bool {
	for line := range strings.Lines(a.log) {
		if strings.Contains(line, resource) && strings.Contains(strings.ToLower(line), phrase) {
			return true
		}
	}
	return false
}

// agentImage returns the Cilium version of the cilium-agent container of a DaemonSet.
func agentImage(u unstructured.Unstructured) string {
	containers, _, _ := unstructured.NestedSlice(u.Object, "spec", "template", "spec", "containers")
	for _, c := range containers {
		m, _ := c.(map[string]any)
		if m["name"] == "cilium-agent" {
			img, _ := m["image"].(string)
			return kube.ImageVersion(img)
		}
	}
	return ""
}

// atLeast reports whether version (major.minor[.patch]) is at least major.minor.
func atLeast(version string, major, minor int) bool {
	var ma, mi int
	if _, err := fmt.Sscanf(version, "%d.%d", &ma, &mi); err != nil {
		return false
	}
	return ma > major || ma == major && mi >= minor
}

// pods returns the pods of k8s-pods (read once).
func (a *archive) pods() ([]unstructured.Unstructured, error) {
	if !a.podsRead {
		a.podsRead = true
		f, ok := a.files["k8s-pods.yaml"]
		if !ok {
			a.podsErr = errors.New("no k8s-pods-<time>.yaml in the sysdump")
		} else {
			a.podList, a.podsErr = a.objects(f.entry)
		}
	}
	return a.podList, a.podsErr
}

// podNodes maps each pod's name to its node (pod names of agents are unique).
func (a *archive) podNodes() map[string]string {
	pods, _ := a.pods()
	out := make(map[string]string, len(pods))
	for _, p := range pods {
		if node, _, _ := unstructured.NestedString(p.Object, "spec", "nodeName"); node != "" {
			out[p.GetName()] = node
		}
	}
	return out
}

// inferDaemonSets adds the DaemonSets a sysdump has no file for but bgpnet needs to
// see — kube-proxy and k3s ServiceLB (svclb-*) — from their pods in k8s-pods.
func (a *archive) inferDaemonSets(d *kube.Dump) {
	ds, ok := d.Sources[model.SourceDaemonSets]
	if !ok || ds.Status != model.StatusOK {
		return
	}
	pods, err := a.pods()
	if err != nil {
		ds.Message += "; kube-proxy and k3s ServiceLB could not be seen: " + err.Error()
		ds.Failed++ // partial: whether they run is not known
		d.Sources[model.SourceDaemonSets] = ds
		return
	}
	byOwner := map[string]*unstructured.Unstructured{}
	var order []string
	for _, p := range pods {
		owner := ""
		for _, o := range p.GetOwnerReferences() {
			if o.Kind == "DaemonSet" {
				owner = o.Name
			}
		}
		if owner == "" || owner != "kube-proxy" && p.GetLabels()["k8s-app"] != "kube-proxy" && !strings.HasPrefix(owner, "svclb-") {
			continue
		}
		key := p.GetNamespace() + "/" + owner
		u, seen := byOwner[key]
		if !seen {
			containers, _, _ := unstructured.NestedSlice(p.Object, "spec", "containers")
			u = &unstructured.Unstructured{Object: map[string]any{
				"apiVersion": "apps/v1", "kind": "DaemonSet",
				"metadata": map[string]any{"name": owner, "namespace": p.GetNamespace(), "labels": map[string]any{"k8s-app": p.GetLabels()["k8s-app"]}},
				"spec":     map[string]any{"template": map[string]any{"spec": map[string]any{"containers": containers}}},
				"status":   map[string]any{"desiredNumberScheduled": int64(0), "numberReady": int64(0)},
			}}
			byOwner[key] = u
			order = append(order, key)
		}
		desired, _, _ := unstructured.NestedInt64(u.Object, "status", "desiredNumberScheduled")
		_ = unstructured.SetNestedField(u.Object, desired+1, "status", "desiredNumberScheduled")
		if phase, _, _ := unstructured.NestedString(p.Object, "status", "phase"); phase == "Running" {
			ready, _, _ := unstructured.NestedInt64(u.Object, "status", "numberReady")
			_ = unstructured.SetNestedField(u.Object, ready+1, "status", "numberReady")
		}
	}
	for _, key := range order {
		ds.Items = append(ds.Items, *byOwner[key])
	}
	ds.Message += ", kube-proxy and k3s ServiceLB from their pods in " + path.Base(a.files["k8s-pods.yaml"].entry.Name)
	d.Sources[model.SourceDaemonSets] = ds
}
