// SPDX-License-Identifier: Apache-2.0

package hubble

import (
	"testing"

	flowpb "github.com/cilium/cilium/api/v1/flow"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
)

// FuzzFlowDecode feeds arbitrary wire and JSON bytes through the protobuf decoders and
// the reduction to the model: whatever the server sends, nothing panics.
func FuzzFlowDecode(f *testing.F) {
	for _, fl := range recorded() {
		b, err := proto.Marshal(fl)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
		j, _ := protojson.Marshal(fl)
		f.Add(j)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var fl flowpb.Flow
		if proto.Unmarshal(b, &fl) == nil {
			_ = FromProto(&fl)
		}
		var fj flowpb.Flow
		if protojson.Unmarshal(b, &fj) == nil {
			_ = FromProto(&fj)
		}
	})
}
