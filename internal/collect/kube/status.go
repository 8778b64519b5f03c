// SPDX-License-Identifier: Apache-2.0

package kube

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/bgpnet/kubectl-bgpnet/internal/model"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// classify turns the error of reading a source into a source status. ctx is the
// source's own context: its deadline passing means the source timed out.
func classify(ctx context.Context, err error, timeout time.Duration) (model.Status, string) {
	var netErr net.Error
	switch {
	case err == nil:
		return model.StatusOK, ""
	case apierrors.IsForbidden(err):
		return model.StatusForbidden, err.Error()
	case apierrors.IsNotFound(err):
		// only a Cilium kind may be missing; those say so themselves (not-installed)
		// before an error reaches here. A 404 on a core kind is a broken or foreign server.
		return model.StatusError, "404 Not Found, though every Kubernetes API server serves it: " + err.Error()
	case errors.Is(ctx.Err(), context.DeadlineExceeded),
		errors.Is(err, context.DeadlineExceeded),
		apierrors.IsTimeout(err), apierrors.IsServerTimeout(err),
		errors.As(err, &netErr) && netErr.Timeout():
		return model.StatusTimeout, fmt.Sprintf("no answer within %s: %v", timeout, err)
	case errors.Is(err, context.Canceled):
		return model.StatusError, "cancelled"
	}
	return model.StatusError, err.Error()
}
