// SPDX-License-Identifier: Apache-2.0

package kube

import (
	"context"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/tools/pager"
)

// listFunc lists one page of a kind.
type listFunc func(ctx context.Context, opts metav1.ListOptions) (runtime.Object, error)

// eachItem pages through a LIST (pageSize items per request, following continue
// tokens) and calls fn for every item; an expired token falls back to a full LIST.
func eachItem(ctx context.Context, pageSize int64, list listFunc, fn func(runtime.Object) error) error {
	p := pager.New(pager.ListPageFunc(list))
	p.PageSize = pageSize
	return p.EachListItem(ctx, metav1.ListOptions{}, fn)
}
