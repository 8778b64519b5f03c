// SPDX-License-Identifier: Apache-2.0

package checks

import (
	"cmp"
	"fmt"
	"math/big"
	"net/netip"
	"slices"
	"sort"
	"strings"

	"go4.org/netipx"

	"github.com/bgpnet/kubectl-bgpnet/internal/fix"
	"github.com/bgpnet/kubectl-bgpnet/internal/model"
)

// Service condition types of LB-IPAM, current and pre-1.15 names.
var ipamConditionTypes = []string{"cilium.io/IPAMRequestSatisfied", "io.cilium/lb-ipam-request-satisfied"}

func lbipamChecks() []Check {
	ipam := []string{model.SourceServices, model.SourcePools}
	return []Check{
		{
			ID: "lbipam-no-matching-pool", Title: "No enabled pool selects a pending LoadBalancer Service", Severity: Error, Layer: LayerLBIPAM,
			Needs: ipam, Versions: "1.13+",
			Detects: "a LoadBalancer Service without IP that no enabled CiliumLoadBalancerIPPool selects (or condition reason no_pool)",
			Fixes:   "label the Service to match a pool, or widen a pool's serviceSelector",
			Explain: `LB-IPAM gives a Service an address only from an enabled pool whose serviceSelector matches the
Service's labels (or the special keys io.kubernetes.service.namespace/name). Otherwise
EXTERNAL-IP stays <pending> and the Service gets condition cilium.io/IPAMRequestSatisfied=False
with reason no_pool.
References: docs lb-ipam.rst ; operator lbipam.go reason strings`,
			Run: runNoMatchingPool,
		},
		{
			ID: "lbipam-pool-exhausted", Title: "A pool has no free address left", Severity: Error, Layer: LayerLBIPAM,
			Also:  []SeverityCase{{Warning, "a pool is 90 % used with no Service waiting"}},
			Needs: ipam, Versions: "1.13+",
			Detects: "pools whose addresses are all allocated (computed, and condition IPsAvailable 0 / reason out_of_ips)",
			Fixes:   "add a block to the pool, share IPs with sharing keys, or free stale Services",
			Explain: `When every matching pool is full, new Services stay pending with reason out_of_ips while
existing ones keep their IPs. Small ranges and /32 blocks fill quickly; with allowFirstLastIPs No
the network and broadcast addresses of CIDR blocks are not handed out.
References: operator lbipam.go (out_of_ips) ; docs lb-ipam.rst (Status)`,
			Run: runPoolExhausted,
		},
		{
			ID: "lbipam-pool-conflict", Title: "Pools overlap", Severity: Error, Layer: LayerLBIPAM,
			Needs: []string{model.SourcePools}, Versions: "1.13+",
			Detects: "blocks of different pools that overlap (computed, and condition cilium.io/PoolConflict)",
			Fixes:   "make the blocks disjoint",
			Explain: `"IP Pools are not allowed to have overlapping CIDRs… The last added pool will be marked as
Conflicting and no further allocation will happen from that pool." (Cilium docs.) bgpnet computes
the overlaps itself rather than only trusting the condition, which older versions named
io.cilium/conflict.
References: docs lb-ipam.rst (Conflicts)`,
			Run: runPoolConflict,
		},
		{
			ID: "lbipam-pool-disabled", Title: "A disabled pool is the only one for some Services", Severity: Warning, Layer: LayerLBIPAM,
			Also:  []SeverityCase{{Info, "no pending Service waits for the pool"}, {Error, "pending Services wait for the disabled pool"}},
			Needs: ipam, Versions: "1.13+",
			Detects: "disabled pools, and pending Services that only a disabled pool selects",
			Fixes:   "`kubectl patch ciliumloadbalancerippool … -p '{\"spec\":{\"disabled\":false}}'`",
			Explain: `spec.disabled stops new allocations from a pool (used to drain it); Services that already have
an address keep it, new ones stay pending.
References: docs lb-ipam.rst (Disabling a Pool)`,
			Run: runPoolDisabled,
		},
		{
			ID: "lbipam-first-last-ip", Title: "Network and broadcast addresses of pool CIDRs are handed out", Severity: Info, Layer: LayerLBIPAM,
			Also:  []SeverityCase{{Warning, "a Service already holds a network or broadcast address"}},
			Needs: ipam, Versions: "1.15 (default No), 1.16+ (default Yes)",
			Detects: "CIDR blocks without explicit allowFirstLastIPs (default Yes since 1.16), and Services that got a block's first or last address",
			Fixes:   "set allowFirstLastIPs: \"No\", or use start/stop ranges",
			Explain: `Since 1.16 (PR #33151) LB-IPAM hands out the first (network) and last (broadcast) address of a
CIDR block unless the pool says allowFirstLastIPs: "No"; in 1.15 the default was No. Some routers
and clients mishandle .0 and .255 VIPs. /31, /32, /127 and /128 blocks are always fully used.
References: https://github.com/cilium/cilium/pull/33151 ; https://github.com/cilium/cilium/pull/27110`,
			Run: runFirstLastIP,
		},
		{
			ID: "lbipam-requested-ip-unsatisfied", Title: "A requested LoadBalancer IP was not assigned", Severity: Error, Layer: LayerLBIPAM,
			Needs: ipam, Versions: "1.13+",
			Detects: "lbipam.cilium.io/ips or spec.loadBalancerIP not among the Service's ingress IPs, with why",
			Fixes:   "request an address inside a pool that selects the Service, or free it",
			Explain: `A Service can ask for specific addresses with the annotation lbipam.cilium.io/ips (older:
io.cilium/lb-ipam-ips) or spec.loadBalancerIP. The address must lie in a pool whose selector
matches the Service, must not be allocated to an incompatible Service (reasons
already_allocated / already_allocated_incompatible_service), and should not be a block's first
or last address.
References: https://github.com/cilium/cilium/pull/33808 ; docs lb-ipam.rst (Requesting IPs)`,
			Run: runRequestedIP,
		},
		{
			ID: "lbipam-dual-stack-policy", Title: "A Service's IP family policy cannot be met", Severity: Warning, Layer: LayerLBIPAM,
			Also:  []SeverityCase{{Error, "a RequireDualStack Service cannot get both families"}, {Info, "a PreferDualStack Service got one family although both are available"}},
			Needs: append([]string{model.SourceCiliumConfig}, ipam...), Versions: "1.13+",
			Detects: "RequireDualStack Services whose pools or Cilium lack a family; PreferDualStack Services that got one family although both are available",
			Fixes:   "add a block of the missing family, or enable it in Cilium",
			Explain: `LB-IPAM allocates per family according to spec.ipFamilyPolicy: SingleStack (the default) gets
one address, PreferDualStack gets whatever families its pools offer, RequireDualStack stays
unsatisfied unless both are available — from the matching pools and enabled in Cilium.
References: docs lb-ipam.rst (IPv4 / IPv6 families + policy)`,
			Run: runDualStack,
		},
		{
			ID: "competing-lb-ipam-controllers", Title: "Something else assigns LoadBalancer IPs", Severity: Warning, Layer: LayerLBIPAM,
			Also:  []SeverityCase{{Info, "default-lb-service-ipam hands Services to another controller (LB-IPAM serves only Services that ask for it)"}},
			Needs: append([]string{model.SourceCiliumConfig, model.SourceDaemonSets}, ipam...), Versions: "all",
			Detects: "k3s ServiceLB DaemonSets, Service IPs outside every Cilium pool, default-lb-service-ipam not lbipam",
			Fixes:   "disable the other controller (k3s --disable=servicelb) or scope it with loadBalancerClass",
			Explain: `Two controllers writing status.loadBalancer of the same Services make EXTERNAL-IP flap or stay
pending, and BGP advertisements flap with it: MetalLB left installed, k3s ServiceLB (svclb-*
DaemonSets) not disabled, a cloud controller manager. With default-lb-service-ipam other than
lbipam, Cilium's LB-IPAM only serves Services that ask for it.
References: Azure/AKS#5044 ; timtorChen/homelab PR 821 ; cozystack/cozystack#3307`,
			Run: runCompetingControllers,
		},
		{
			ID: "lb-pool-overlaps-connected-subnet", Title: "A BGP pool lies inside the nodes' own subnet", Severity: Warning, Layer: LayerLBIPAM,
			Needs: append([]string{model.SourceNodes}, ipam...), Uses: []string{model.SourceL2Policies}, Versions: "all",
			Detects: "pool blocks inside the /24 (IPv4) or /64 (IPv6) of node addresses, with Services not covered by L2 announcements",
			Fixes:   "a dedicated range outside the LAN for BGP VIPs, or L2 announcements for that subnet",
			Explain: `Hosts on a subnet that contains the VIP consider it on-link and ARP (or NDP) for it instead of
using the router; with BGP only, nobody answers, so the VIP works from other networks but not
from the LAN. Some routers also prefer their connected route over the BGP /32s.
The nodes' prefix lengths are not in the API: bgpnet assumes /24 for IPv4 and /64 for IPv6.
References: exikle Artemis-Cluster BGP notes ; https://github.com/cilium/cilium/issues/22375`,
			Run: runPoolOverlapsSubnet,
		},
	}
}

// block is one pool block as an address range, with its text for messages.
type block struct {
	model.PoolBlockRef
	text string
}

// blockIndex wraps the model's pool index with the blocks' texts.
type blockIndex struct {
	ix     *model.PoolIndex
	blocks []block
	byRef  map[blockKey]*block
}

type blockKey struct {
	pool  *model.LBPool
	index int
}

// containing returns the blocks that contain a (their texts are rendered once, in blocks).
func (bi *blockIndex) containing(a netip.Addr) []*block {
	refs := bi.ix.Containing(a)
	out := make([]*block, 0, len(refs))
	for _, r := range refs {
		out = append(out, bi.byRef[blockKey{r.Pool, r.Index}])
	}
	return out
}

// blocksOf returns the valid blocks of one pool (grouped once).
func (in *Input) blocksOf(p *model.LBPool) []block {
	if in.byPool == nil {
		in.byPool = make(map[*model.LBPool][]block, len(in.S.Pools))
		for _, b := range in.blocks().blocks {
			in.byPool[b.Pool] = append(in.byPool[b.Pool], b)
		}
	}
	return in.byPool[p]
}

// blocks returns the block index (built once).
func (in *Input) blocks() *blockIndex {
	if in.blockIx == nil {
		ix := model.NewPoolIndex(in.S.Pools)
		bi := &blockIndex{ix: ix, byRef: make(map[blockKey]*block, len(ix.Blocks()))}
		for _, r := range ix.Blocks() {
			bi.blocks = append(bi.blocks, block{r, r.Pool.Blocks[r.Index].String()})
		}
		for i := range bi.blocks {
			bi.byRef[blockKey{bi.blocks[i].Pool, bi.blocks[i].Index}] = &bi.blocks[i]
		}
		in.blockIx = bi
	}
	return in.blockIx
}

// ipamCondition returns the LB-IPAM condition of a Service, if any.
func ipamCondition(svc *model.Service) (status, reason, message string, ok bool) {
	for _, c := range svc.Conditions {
		if slices.Contains(ipamConditionTypes, c.Type) {
			return string(c.Status), c.Reason, c.Message, true
		}
	}
	return "", "", "", false
}

func runNoMatchingPool(in *Input) []Finding {
	var out []Finding
	facts := in.lbFacts()
	for i, svc := range in.LBServices() {
		if !facts[i].pending() {
			continue
		}
		pools := in.PoolsFor(svc)
		enabled := slices.ContainsFunc(pools, func(p *model.LBPool) bool { return !p.Disabled })
		_, reason, msg, hasCond := ipamCondition(svc)
		if enabled && reason != "no_pool" {
			continue
		}
		if !enabled && len(pools) > 0 {
			continue // only disabled pools match: lbipam-pool-disabled
		}
		f := Finding{
			Subject:  svc.Ref(),
			Message:  fmt.Sprintf("Service %s/%s is pending: no enabled CiliumLoadBalancerIPPool selects it (labels %s)", svc.Namespace, svc.Name, labelsOf(svc.Labels)),
			Evidence: []Evidence{ev(model.SourceServices, ref(svc.Ref()), "status.loadBalancer.ingress", "<none>", "an address from a pool")},
		}
		if hasCond {
			f.Evidence = append(f.Evidence, ev(model.SourceServices, ref(svc.Ref()), "status.conditions[IPAMRequestSatisfied]", reason+": "+msg, "satisfied"))
		}
		for i := range in.S.Pools {
			p := &in.S.Pools[i]
			f.Evidence = append(f.Evidence, ev(model.SourcePools, ref(p.Ref()), "spec.serviceSelector", model.SelectorString(p.ServiceSelector), "selects "+svc.Namespace+"/"+svc.Name))
			if prop, ok := labelToMatch(svc.ObjectMeta, p.ServiceSelector); ok && !p.Disabled {
				f.Fixes = append(f.Fixes, prop.With("Label the Service for pool "+p.Name, "Service "+svc.Namespace+"/"+svc.Name+" then gets an address from pool "+p.Name+"."))
			}
		}
		if len(in.S.Pools) == 0 {
			f.Message = fmt.Sprintf("Service %s/%s is pending: there is no CiliumLoadBalancerIPPool at all", svc.Namespace, svc.Name)
		}
		out = append(out, f)
	}
	return out
}

// allowFirstLast resolves a pool's allowFirstLastIPs with the version's default:
// Yes since 1.16, No in 1.15.
func (in *Input) allowFirstLast(p *model.LBPool) bool {
	return p.AllowFirstLast(!in.Version.Before(1, 16))
}

// ingress is one parsed LoadBalancer ingress address of a Service, and the pool block
// it was allocated from (nil when it lies in no pool).
type ingress struct {
	svc   *model.Service
	addr  netip.Addr
	block *block
}

// ingresses returns every parseable ingress address of the LoadBalancer Services with
// its pool block, worked out once per run.
func (in *Input) ingresses() []ingress {
	in.listLB() // parses the addresses
	if !in.ingressBlocks {
		ix := in.blocks()
		for i := range in.ingressList {
			if b, ok := ix.ix.FirstIndex(in.ingressList[i].addr); ok {
				in.ingressList[i].block = &ix.blocks[b] // blocks are in the index's order
			}
		}
		in.ingressBlocks = true
	}
	return in.ingressList
}

// usage maps each pool to the ingress addresses allocated from it.
func (in *Input) usage() map[*model.LBPool][]ingress {
	if in.poolUse == nil {
		// two passes: count, then carve every pool's list out of one array
		counts := make(map[*model.LBPool]int, len(in.S.Pools))
		n := 0
		for _, ing := range in.ingresses() {
			if ing.block != nil {
				counts[ing.block.Pool]++
				n++
			}
		}
		all := make([]ingress, 0, n)
		in.poolUse = make(map[*model.LBPool][]ingress, len(counts))
		for p, c := range counts {
			in.poolUse[p], all = all[:0:c], all[c:c]
		}
		for _, ing := range in.ingresses() {
			if ing.block != nil {
				in.poolUse[ing.block.Pool] = append(in.poolUse[ing.block.Pool], ing)
			}
		}
	}
	return in.poolUse
}

func runPoolExhausted(in *Input) []Finding {
	var out []Finding
	use := in.usage()
	seen := map[netip.Addr]struct{}{} // reused by uniqueAddrs
	// pending Services that ran out of addresses, by the pools that select them
	waitingFor := map[*model.LBPool][]string{}
	facts := in.lbFacts()
	for i, svc := range in.LBServices() {
		if !facts[i].pending() {
			continue
		}
		if _, reason, _, _ := ipamCondition(svc); reason == "out_of_ips" {
			for _, p := range in.PoolsFor(svc) {
				waitingFor[p] = append(waitingFor[p], svc.Namespace+"/"+svc.Name)
			}
		}
	}
	for i := range in.S.Pools {
		p := &in.S.Pools[i]
		total := new(big.Int)
		for _, b := range in.blocksOf(p) {
			total.Add(total, p.Blocks[b.Index].Allocatable(in.allowFirstLast(p)))
		}
		used := big.NewInt(int64(uniqueAddrs(use[p], seen)))
		free := new(big.Int).Sub(total, used)
		condFree := ""
		for _, c := range p.Conditions {
			if c.Type == "cilium.io/IPsAvailable" || c.Type == "io.cilium/ips-available" {
				condFree = c.Message
			}
		}
		waiting := waitingFor[p]
		full := total.Sign() > 0 && free.Sign() <= 0 || condFree == "0"
		if !full && len(waiting) == 0 {
			if total.Sign() > 0 && new(big.Int).Mul(used, big.NewInt(10)).Cmp(new(big.Int).Mul(total, big.NewInt(9))) >= 0 {
				out = append(out, Finding{Severity: Warning, Subject: p.Ref(),
					Message:  fmt.Sprintf("pool %s is %s of %s addresses used: nearly exhausted", p.Name, used, total),
					Evidence: []Evidence{ev(model.SourcePools, ref(p.Ref()), "spec.blocks", blockList(p), "room for new Services")},
				})
			}
			continue
		}
		msg := fmt.Sprintf("pool %s has no free address (%s of %s used)", p.Name, used, total)
		if free.Sign() > 0 {
			msg = fmt.Sprintf("the operator reports pool %s has no free address (IPsAvailable %q), although only %s of its %s addresses are in use in this snapshot", p.Name, condFree, used, total)
		}
		f := Finding{
			Subject: p.Ref(),
			Message: msg,
			Evidence: []Evidence{ev(model.SourcePools, ref(p.Ref()), "spec.blocks", blockList(p), "room for new Services"),
				ev(model.SourceServices, nil, "status.loadBalancer.ingress", fmt.Sprintf("%s addresses of this pool allocated", used), "")},
		}
		if condFree != "" {
			f.Evidence = append(f.Evidence, ev(model.SourcePools, ref(p.Ref()), "status.conditions[cilium.io/IPsAvailable].message", condFree, "> 0"))
		}
		if len(waiting) > 0 {
			f.Message += fmt.Sprintf("; %d Services wait for one: %s", len(waiting), strings.Join(waiting, ", "))
		}
		out = append(out, f)
	}
	return out
}

// uniqueAddrs counts distinct addresses (Services may share one with a sharing key) in
// seen, a set it clears first so that one set serves every pool.
func uniqueAddrs(ings []ingress, seen map[netip.Addr]struct{}) int {
	clear(seen)
	for _, i := range ings {
		seen[i.addr] = struct{}{}
	}
	return len(seen)
}

func blockList(p *model.LBPool) string {
	var parts []string
	for _, b := range p.Blocks {
		parts = append(parts, b.String())
	}
	return strings.Join(parts, ", ")
}

func runPoolConflict(in *Input) []Finding {
	bs := in.blocks().blocks
	var out []Finding
	reported := map[*model.LBPool]bool{}
	for i := 0; i < len(bs); i++ {
		for j := i + 1; j < len(bs) && bs[j].First.BitLen() == bs[i].First.BitLen() && !bs[i].Last.Less(bs[j].First); j++ {
			a, b := bs[i], bs[j]
			if a.Pool == b.Pool {
				continue
			}
			// the pool created later is the one marked conflicting
			later, earlier := b, a
			if created(a.Pool) > created(b.Pool) {
				later, earlier = a, b
			}
			var fixes []fix.Proposal
			if !reported[later.Pool] {
				fixes = splitPool(in, later.Pool)
			}
			reported[later.Pool] = true
			out = append(out, Finding{
				Fixes:   fixes,
				Subject: later.Pool.Ref(),
				Message: fmt.Sprintf("block %s of pool %s overlaps block %s of pool %s: Cilium marks one of them conflicting and allocates nothing from it", later.text, later.Pool.Name, earlier.text, earlier.Pool.Name),
				Evidence: []Evidence{
					ev(model.SourcePools, ref(later.Pool.Ref()), fmt.Sprintf("spec.blocks[%d]", later.Index), later.text, "disjoint from every other pool"),
					ev(model.SourcePools, ref(earlier.Pool.Ref()), fmt.Sprintf("spec.blocks[%d]", earlier.Index), earlier.text, ""),
				},
			})
		}
	}
	for i := range in.S.Pools {
		p := &in.S.Pools[i]
		cond := conditionTrue(p.Conditions, "cilium.io/PoolConflict", "io.cilium/conflict", "io.cilium/pool-conflict")
		if cond == nil || reported[p] {
			continue
		}
		out = append(out, Finding{
			Subject:  p.Ref(),
			Message:  fmt.Sprintf("the operator marks pool %s conflicting (%s): no address is allocated from it", p.Name, cond.Message),
			Evidence: []Evidence{ev(model.SourcePools, ref(p.Ref()), "status.conditions[cilium.io/PoolConflict]", "True: "+cond.Reason, "False")},
		})
	}
	return out
}

// splitPool proposes the blocks of p without the addresses other pools hold: the
// conflict goes away and p keeps what was only its own. No proposal when nothing would
// be left (p lies inside another pool).
func splitPool(in *Input, p *model.LBPool) []fix.Proposal {
	var others netipx.IPSetBuilder
	for _, b := range in.blocks().blocks {
		if b.Pool != p {
			others.AddRange(netipx.IPRangeFrom(b.First, b.Last))
		}
	}
	taken, err := others.IPSet()
	if err != nil {
		return nil
	}
	var blocks []any
	var kept []string
	changed := false
	for _, b := range p.Blocks {
		first, last, ok := b.Range()
		if !ok {
			return nil // an invalid block: leave the pool to the user
		}
		var own netipx.IPSetBuilder
		own.AddRange(netipx.IPRangeFrom(first, last))
		own.RemoveSet(taken)
		set, err := own.IPSet()
		if err != nil {
			return nil
		}
		for _, r := range set.Ranges() {
			if pfx, ok := r.Prefix(); ok {
				blocks = append(blocks, map[string]any{"cidr": pfx.String()})
				kept = append(kept, pfx.String())
			} else {
				blocks = append(blocks, map[string]any{"start": r.From().String(), "stop": r.To().String()})
				kept = append(kept, r.String())
			}
		}
		if len(set.Ranges()) != 1 || set.Ranges()[0] != netipx.IPRangeFrom(first, last) {
			changed = true
		}
	}
	if !changed || len(blocks) == 0 {
		return nil
	}
	return []fix.Proposal{fix.JSONPatch(p.Ref(), p.ResourceVersion, fix.JSONPatchOp{Op: "replace", Path: "/spec/blocks", Value: blocks}).
		With("Keep only the addresses of pool "+p.Name+" no other pool holds", "New blocks: "+strings.Join(kept, ", ")+". Services holding an address outside them get a new one.")}
}

func created(p *model.LBPool) int64 {
	if p.CreationTimestamp == nil {
		return 0
	}
	return p.CreationTimestamp.Unix()
}

func runPoolDisabled(in *Input) []Finding {
	var out []Finding
	waiting := map[*model.LBPool][]string{}
	facts := in.lbFacts()
	for i, svc := range in.LBServices() {
		if !facts[i].pending() {
			continue
		}
		pools := in.PoolsFor(svc)
		if len(pools) > 0 && !slices.ContainsFunc(pools, func(p *model.LBPool) bool { return !p.Disabled }) {
			for _, p := range pools {
				waiting[p] = append(waiting[p], svc.Namespace+"/"+svc.Name)
			}
		}
	}
	for i := range in.S.Pools {
		p := &in.S.Pools[i]
		if !p.Disabled {
			continue
		}
		f := Finding{
			Severity: Info,
			Subject:  p.Ref(),
			Message:  fmt.Sprintf("pool %s is disabled: Services keep their addresses but no new one is allocated from it", p.Name),
			Evidence: []Evidence{ev(model.SourcePools, ref(p.Ref()), "spec.disabled", "true", "")},
			Fixes: []fix.Proposal{fix.MergePatch(p.Ref(), p.ResourceVersion, map[string]any{"spec": map[string]any{"disabled": false}}).
				With("Enable pool "+p.Name, "New Services matching it get addresses again.")},
		}
		if w := waiting[p]; len(w) > 0 {
			f.Severity = Error
			f.Message = fmt.Sprintf("pool %s is disabled and is the only pool for %d pending %s: %s", p.Name, len(w), plural(len(w), "Service", "Services"), strings.Join(w, ", "))
		}
		out = append(out, f)
	}
	return out
}

func runFirstLastIP(in *Input) []Finding {
	var out []Finding
	for i := range in.S.Pools {
		p := &in.S.Pools[i]
		allow := in.allowFirstLast(p)
		var cidrs []string
		for _, b := range p.Blocks {
			if b.CIDR != nil && b.CIDR.Bits() < b.CIDR.Addr().BitLen()-1 {
				cidrs = append(cidrs, b.CIDR.String())
			}
		}
		if len(cidrs) == 0 {
			continue
		}
		var edge []string
		for _, ing := range in.usage()[p] {
			b := ing.block
			if p.Blocks[b.Index].CIDR != nil && (ing.addr == b.First || ing.addr == b.Last) {
				edge = append(edge, ing.addr.String())
			}
		}
		if p.AllowFirstLastIPs != "" && len(edge) == 0 {
			continue // explicit choice, nothing surprising allocated
		}
		if !allow && len(edge) == 0 {
			continue
		}
		f := Finding{
			Subject: p.Ref(),
			Message: fmt.Sprintf("pool %s hands out the first and last address of %s (allowFirstLastIPs unset: Yes since 1.16)", p.Name, strings.Join(cidrs, ", ")),
			Evidence: []Evidence{ev(model.SourcePools, ref(p.Ref()), "spec.allowFirstLastIPs", cmp.Or(p.AllowFirstLastIPs, "<unset>"), `"No" to keep network and broadcast addresses free`),
				ev(model.SourceDaemonSets, nil, "cilium agent image", orUnknown(in.Version), "")},
			Fixes: []fix.Proposal{fix.MergePatch(p.Ref(), p.ResourceVersion, map[string]any{"spec": map[string]any{"allowFirstLastIPs": "No"}}).
				With("Keep network and broadcast addresses free", "Existing Services keep their addresses; a Service that already got a first/last address keeps it until recreated.")},
		}
		if len(edge) > 0 {
			f.Severity = Warning
			f.Message = fmt.Sprintf("pool %s gave out %s, the network or broadcast address of its block: some routers and clients drop traffic to it", p.Name, strings.Join(edge, ", "))
		}
		out = append(out, f)
	}
	return out
}

// requestedIPs returns the addresses a Service asks for, and where it asked.
func requestedIPs(svc *model.Service) (ips []string, field string) {
	for _, key := range []string{"lbipam.cilium.io/ips", "io.cilium/lb-ipam-ips"} {
		if v := svc.Annotations[key]; v != "" {
			for _, ip := range strings.Split(v, ",") {
				if ip = strings.TrimSpace(ip); ip != "" {
					ips = append(ips, ip)
				}
			}
			return ips, "metadata.annotations[" + key + "]"
		}
	}
	if svc.LoadBalancerIP != "" {
		return []string{svc.LoadBalancerIP}, "spec.loadBalancerIP"
	}
	return nil, ""
}

func runRequestedIP(in *Input) []Finding {
	var out []Finding
	facts := in.lbFacts()
	for i, svc := range in.LBServices() {
		if !facts[i].has(factCilium | factRequested) {
			continue
		}
		ips, field := requestedIPs(svc)
		if len(ips) == 0 {
			continue
		}
		got := map[string]bool{}
		for _, ing := range svc.Ingress {
			got[ing.IP] = true
		}
		for _, ip := range ips {
			if got[ip] {
				continue
			}
			f := Finding{Subject: svc.Ref(), Evidence: []Evidence{ev(model.SourceServices, ref(svc.Ref()), field, ip, "assigned")}}
			a, err := netip.ParseAddr(ip)
			switch {
			case err != nil:
				f.Message = fmt.Sprintf("Service %s/%s requests %q, which is not an IP address", svc.Namespace, svc.Name, ip)
			default:
				var inPools, selecting []string
				matching := in.PoolsFor(svc)
				for _, b := range in.blocks().containing(a) {
					inPools = append(inPools, b.Pool.Name)
					if slices.Contains(matching, b.Pool) {
						selecting = append(selecting, b.Pool.Name)
						if !in.allowFirstLast(b.Pool) && b.Pool.Blocks[b.Index].CIDR != nil && (a == b.First || a == b.Last) {
							f.Details = append(f.Details, fmt.Sprintf("%s is the first or last address of block %s and pool %s keeps those free (allowFirstLastIPs No)", ip, b.text, b.Pool.Name))
						}
					}
				}
				_, reason, msg, _ := ipamCondition(svc)
				switch {
				case len(inPools) == 0:
					f.Message = fmt.Sprintf("Service %s/%s requests %s, which lies in no pool", svc.Namespace, svc.Name, ip)
				case len(selecting) == 0:
					f.Message = fmt.Sprintf("Service %s/%s requests %s from pool %s, whose serviceSelector does not select the Service", svc.Namespace, svc.Name, ip, strings.Join(inPools, ", "))
				case strings.HasPrefix(reason, "already_allocated"):
					f.Message = fmt.Sprintf("Service %s/%s requests %s, which is already allocated to an incompatible Service: %s", svc.Namespace, svc.Name, ip, msg)
				default:
					f.Message = fmt.Sprintf("Service %s/%s requests %s (pool %s) but did not get it", svc.Namespace, svc.Name, ip, strings.Join(selecting, ", "))
					if reason != "" {
						f.Message += fmt.Sprintf(" (condition: %s %s)", reason, msg)
					}
				}
			}
			out = append(out, f)
		}
	}
	return out
}

func runDualStack(in *Input) []Finding {
	c := in.S.Cilium.Config
	v4on, v6on := model.Bool(c.EnableIPv4, true), model.Bool(c.EnableIPv6, false)
	var out []Finding
	facts := in.lbFacts()
	for i, svc := range in.LBServices() {
		if !facts[i].has(factCilium | factDualStack) {
			continue
		}
		has4, has6 := false, false
		for _, p := range in.PoolsFor(svc) {
			if p.Disabled {
				continue
			}
			for _, b := range p.Blocks {
				if first, _, ok := b.Range(); ok {
					has4, has6 = has4 || first.Is4(), has6 || first.Is6()
				}
			}
		}
		got4, got6 := false, false
		for _, ing := range svc.Ingress {
			if a, err := netip.ParseAddr(ing.IP); err == nil {
				got4, got6 = got4 || a.Is4(), got6 || a.Is6()
			}
		}
		var lacking []string
		if !has4 || !v4on {
			lacking = append(lacking, "IPv4")
		}
		if !has6 || !v6on {
			lacking = append(lacking, "IPv6")
		}
		ev0 := []Evidence{ev(model.SourceServices, ref(svc.Ref()), "spec.ipFamilyPolicy", svc.IPFamilyPolicy, ""),
			ev(model.SourcePools, nil, "spec.blocks of matching pools", fmt.Sprintf("IPv4 %v, IPv6 %v", has4, has6), "both"),
			cfgEv(in.S, "enable-ipv6", `"true"`)}
		switch {
		case svc.IPFamilyPolicy == "RequireDualStack" && len(lacking) > 0:
			out = append(out, Finding{Severity: Error, Subject: svc.Ref(), Evidence: ev0,
				Message: fmt.Sprintf("Service %s/%s requires dual-stack but %s is not available from its pools or Cilium: it stays unsatisfied", svc.Namespace, svc.Name, strings.Join(lacking, " and "))})
		case svc.IPFamilyPolicy == "PreferDualStack" && len(lacking) == 0 && len(svc.Ingress) > 0 && (got4 != got6):
			out = append(out, Finding{Severity: Info, Subject: svc.Ref(), Evidence: ev0,
				Message: fmt.Sprintf("Service %s/%s prefers dual-stack and both families are available, but it has only %s", svc.Namespace, svc.Name, ingressIPs(svc))})
		}
	}
	return out
}

func runCompetingControllers(in *Input) []Finding {
	s := in.S
	var out []Finding
	for _, ds := range s.LBControllers {
		out = append(out, Finding{
			Subject: model.Ref{Kind: "DaemonSet", Namespace: ds.Namespace, Name: ds.Name},
			Message: fmt.Sprintf("k3s ServiceLB (DaemonSet %s/%s) also assigns LoadBalancer IPs: EXTERNAL-IP and the BGP advertisements may flap", ds.Namespace, ds.Name),
			Evidence: []Evidence{ev(model.SourceDaemonSets, &model.Ref{Kind: "DaemonSet", Namespace: ds.Namespace, Name: ds.Name}, "metadata.name", ds.Name,
				"no other LoadBalancer controller")},
			Fixes: []fix.Proposal{nodeCommand(fix.RiskMedium, "Disable k3s ServiceLB", "Restart k3s on every server with the flag; the svclb DaemonSets disappear.",
				comment("on every server, in /etc/rancher/k3s/config.yaml:\ndisable: [servicelb]\nthen on every server:\nsystemctl restart k3s"))},
		})
	}
	if len(s.Pools) == 0 {
		return out
	}
	for _, ing := range in.ingresses() {
		if ing.block != nil {
			continue
		}
		svc := ing.svc
		if !ciliumClass(svc.LoadBalancerClass) {
			continue
		}
		out = append(out, Finding{
			Subject: svc.Ref(),
			Message: fmt.Sprintf("Service %s/%s has address %s, which lies in no CiliumLoadBalancerIPPool: another controller assigned it (or its pool was removed)", svc.Namespace, svc.Name, ing.addr),
			Evidence: []Evidence{ev(model.SourceServices, ref(svc.Ref()), "status.loadBalancer.ingress", ing.addr.String(), "inside a CiliumLoadBalancerIPPool"),
				cfgEv(s, "default-lb-service-ipam", `"lbipam"`)},
		})
	}
	if v := s.Cilium.Config.DefaultLBServiceIP; v != "" && v != "lbipam" {
		out = append(out, Finding{
			Severity: Info,
			Subject:  clusterRef("lb-ipam"),
			Message:  fmt.Sprintf("default-lb-service-ipam is %q: Cilium's LB-IPAM only serves Services that ask for it with loadBalancerClass", v),
			Evidence: []Evidence{cfgEv(s, "default-lb-service-ipam", `"lbipam"`)},
		})
	}
	return out
}

func runPoolOverlapsSubnet(in *Input) []Finding {
	s := in.S
	subnets := map[netip.Prefix][]string{}
	for _, n := range s.Nodes {
		for _, a := range n.InternalIPs {
			p := onLinkGuess(a)
			subnets[p] = append(subnets[p], n.Name)
		}
	}
	var out []Finding
	for _, b := range in.blocks().blocks {
		for _, p := range overlappingSubnets(b, subnets) {
			var exposed []string
			for _, ing := range in.usage()[b.Pool] {
				if p.Contains(ing.addr) && !in.l2Announced(ing.svc) {
					exposed = append(exposed, ing.svc.Namespace+"/"+ing.svc.Name)
				}
			}
			if len(exposed) == 0 && len(in.usage()[b.Pool]) > 0 {
				continue
			}
			out = append(out, Finding{
				Subject: b.Pool.Ref(),
				Message: fmt.Sprintf("block %s of pool %s lies in %s, the subnet of nodes %s: hosts on that LAN ARP/NDP for the VIPs and nobody answers (BGP only)",
					b.text, b.Pool.Name, p, joinSorted(subnets[p])),
				Details: exposedDetail(exposed),
				Evidence: []Evidence{ev(model.SourcePools, ref(b.Pool.Ref()), fmt.Sprintf("spec.blocks[%d]", b.Index), b.text, "outside "+p.String()),
					ev(model.SourceNodes, nil, "status.addresses[InternalIP]", p.String()+" (assumed prefix length)", "")},
			})
		}
	}
	sortFindingsBySubject(out)
	return out
}

// overlappingSubnets returns the node subnets a block overlaps: a map lookup of the
// subnets around its first and last address, and a scan only for blocks wider than a
// subnet (rare), so many pools and many nodes do not multiply.
func overlappingSubnets(b block, subnets map[netip.Prefix][]string) []netip.Prefix {
	var out []netip.Prefix
	add := func(p netip.Prefix) {
		if _, ok := subnets[p]; ok && !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	add(onLinkGuess(b.First))
	add(onLinkGuess(b.Last))
	if onLinkGuess(b.First) != onLinkGuess(b.Last) {
		for p := range subnets {
			if p.Addr().BitLen() == b.First.BitLen() && !p.Addr().Less(b.First) && !b.Last.Less(p.Addr()) {
				add(p)
			}
		}
	}
	slices.SortFunc(out, func(x, y netip.Prefix) int { return x.Addr().Compare(y.Addr()) })
	return out
}

func exposedDetail(svcs []string) []string {
	if len(svcs) == 0 {
		return nil
	}
	return []string{"affected Services (not L2-announced): " + joinSorted(svcs)}
}

func sortFindingsBySubject(fs []Finding) {
	sort.SliceStable(fs, func(i, j int) bool { return fs[i].Message < fs[j].Message })
}
