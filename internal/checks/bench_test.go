// SPDX-License-Identifier: Apache-2.0

package checks

import (
	"fmt"
	"net/netip"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/bgpnet/kubectl-bgpnet/internal/model"
)

// synthetic builds a large, plausible cluster: nodes in racks of 40 with a ClusterConfig
// per rack group, one session per node (a tenth of them down), Services spread over the
// pools with endpoints on the nodes. scale 1 = 500 nodes, 5000 Services, 20 pools.
func synthetic(scale int) *model.Snapshot {
	nodes, services, pools := 500*scale, 5000*scale, 20*scale
	s := healthy()
	s.Nodes = s.Nodes[:0]
	s.BGP.NodeConfigs = s.BGP.NodeConfigs[:0]
	s.Services = s.Services[:0]
	s.Pools = s.Pools[:0]
	s.BGP.ClusterConfigs = nil
	for g := 0; g < 4; g++ {
		s.BGP.ClusterConfigs = append(s.BGP.ClusterConfigs, model.ClusterConfig{
			ObjectMeta:   cilium(model.KindClusterConfig, fmt.Sprintf("group-%d", g), nil),
			NodeSelector: sel("bgp-group", fmt.Sprint(g)),
			Instances: []model.ClusterInstance{{Name: "i", LocalASN: ptr(int64(64512)), Peers: []model.ClusterPeer{
				{Name: "tor", PeerAddress: "172.16.0.1", PeerASN: ptr(int64(64513)), PeerConfigRef: &model.PeerConfigRef{Name: "pc"}}}}},
		})
	}
	established := s.CollectedAt.Add(-time.Hour)
	for i := range nodes {
		name := fmt.Sprintf("node-%05d", i)
		ip := netip.AddrFrom4([4]byte{172, 16, byte(1 + i/250), byte(1 + i%250)})
		s.Nodes = append(s.Nodes, model.Node{Name: name, Ready: true,
			Labels:      map[string]string{"bgp-group": fmt.Sprint(i % 4), "rack": fmt.Sprintf("r%03d", i/40)},
			InternalIPs: []netip.Addr{ip},
			PodCIDRs:    []netip.Prefix{netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte(64 + i/256), byte(i % 256), 0}), 24)}})
		state := "established"
		if i%10 == 0 {
			state = "active"
		}
		s.BGP.NodeConfigs = append(s.BGP.NodeConfigs, model.NodeConfig{ObjectMeta: cilium(model.KindNodeConfig, name, nil),
			Instances: []model.NodeInstance{{Name: "i", LocalASN: ptr(int64(64512))}},
			Status: []model.NodeInstanceStatus{{Name: "i", Peers: []model.PeerStatus{{Name: "tor", PeerAddress: "172.16.0.1", PeeringState: state, EstablishedTime: &established,
				Timers: &model.PeerTimers{AppliedHoldTimeSeconds: 90, AppliedKeepaliveSeconds: 30}}}}}})
	}
	s.Cilium.Config.IPv4NativeRoutingCIDR = ptr(pfx("10.0.0.0/8"))
	for p := range pools {
		s.Pools = append(s.Pools, model.LBPool{ObjectMeta: cilium(model.KindLBPool, fmt.Sprintf("pool-%03d", p), nil), AllowFirstLastIPs: "No",
			ServiceSelector: sel("pool", fmt.Sprintf("p%03d", p)),
			Blocks:          []model.PoolBlock{{CIDR: ptr(netip.PrefixFrom(netip.AddrFrom4([4]byte{198, 18, byte(p / 256), byte(p % 256)}), 32))}, {CIDR: ptr(netip.PrefixFrom(netip.AddrFrom4([4]byte{100, byte(64 + p/256), byte(p % 256), 0}), 24))}}})
	}
	for i := range services {
		p := i % pools
		svc := model.Service{
			ObjectMeta: model.ObjectMeta{APIVersion: "v1", Kind: model.KindService, Namespace: fmt.Sprintf("ns-%03d", i%300), Name: fmt.Sprintf("svc-%06d", i),
				Labels: map[string]string{"pool": fmt.Sprintf("p%03d", p), "announce": "yes", "app": fmt.Sprintf("app-%d", i)}},
			Type: "LoadBalancer", ExternalTrafficPolicy: "Cluster",
			Ports:     []model.ServicePort{{Protocol: "TCP", Port: 443}},
			Endpoints: model.ServiceEndpoints{Slices: 1, Total: 2, Ready: 2, ReadyByNode: map[string]int{fmt.Sprintf("node-%05d", i%nodes): 1, fmt.Sprintf("node-%05d", (i+1)%nodes): 1}},
		}
		if i%50 == 0 {
			svc.ExternalTrafficPolicy = "Local"
		}
		if i%1000 != 0 { // a few pending
			svc.Ingress = []model.IngressIP{{IP: netip.AddrFrom4([4]byte{100, byte(64 + p/256), byte(p % 256), byte(1 + (i/pools)%250)}).String()}}
		}
		s.Services = append(s.Services, svc)
	}
	s.Normalize()
	return s
}

// BenchmarkChecks runs every check over the synthetic cluster at two sizes.
func BenchmarkChecks(b *testing.B) {
	for _, scale := range []int{1, 10} {
		s := synthetic(scale)
		b.Run(fmt.Sprintf("nodes=%d/services=%d/pools=%d", len(s.Nodes), len(s.Services), len(s.Pools)), func(b *testing.B) {
			all := All()
			b.ReportAllocs()
			for b.Loop() {
				Run(s, all)
			}
		})
	}
}

// BenchmarkChecksScaling is the P2 target: all checks over 5k nodes / 50k Services /
// 200 pools, and the time ratio to a tenth of that input measured in the same run
// (linear is 10; the target is ≤ 12).
func BenchmarkChecksScaling(b *testing.B) { scaling(b, synthetic(1), synthetic(10)) }

// BenchmarkChecksScalingUp is the same ratio one step further: from the P2 size to ten
// times it (50k nodes / 500k Services / 2000 pools), where neither input fits the CPU
// caches, so that a superlinear join shows apart from cache effects.
func BenchmarkChecksScalingUp(b *testing.B) { scaling(b, synthetic(10), synthetic(100)) }

// scaling times one run of each input per iteration, alternating, and reports the
// medians and their ratio, and the ratio of the bytes each run allocates. Every timed
// run starts after a collection, so that the garbage collector's work set off by one
// run is not charged to the next (it lands on whichever run happens to follow, and made
// the small input's median swing by a third); what the collector costs grows with the
// bytes allocated, which are reported apart.
func scaling(b *testing.B, small, large *model.Snapshot) {
	all := All()
	var ts, tl []time.Duration
	var bs, bl uint64
	timed := func(s *model.Snapshot) (time.Duration, uint64) {
		var m0, m1 runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&m0)
		t0 := time.Now()
		Run(s, all)
		d := time.Since(t0)
		runtime.ReadMemStats(&m1)
		return d, m1.TotalAlloc - m0.TotalAlloc
	}
	for b.Loop() {
		d, n := timed(small)
		ts, bs = append(ts, d), bs+n
		d, n = timed(large)
		tl, bl = append(tl, d), bl+n
	}
	slices.Sort(ts)
	slices.Sort(tl)
	ms, ml := ts[len(ts)/2], tl[len(tl)/2]
	b.ReportMetric(float64(ml.Microseconds())/1000, "ms-large")
	b.ReportMetric(float64(ms.Microseconds())/1000, "ms-small")
	b.ReportMetric(float64(ml)/float64(ms), "x10-input-time-ratio")
	b.ReportMetric(float64(bl)/float64(bs), "x10-input-bytes-ratio")
}
