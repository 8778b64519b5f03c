// SPDX-License-Identifier: Apache-2.0

// Command kubectl-bgpnet is the kubectl plugin that troubleshoots Cilium BGP networking.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/bgpnet/kubectl-bgpnet/internal/cli"
	"k8s.io/cli-runtime/pkg/genericiooptions"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Execute(ctx, genericiooptions.IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr}, os.Args[1:])
	stop()
	os.Exit(code)
}
