// Command fake-eutils serves real PubMed records over a fake NCBI
// E-utilities API (esearch, efetch) with injected faults, for crawler tests
// and the offline demo. It listens on loopback only.
//
//	fake-eutils -addr 127.0.0.1:8099 -faults 429=0.05,500=0.05,reset=0.02 FILE_OR_DIR...
//
// Point villi at it with VILLI_EUTILS_URL=http://127.0.0.1:8099/entrez/eutils/.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stderr, nil); err != nil {
		fmt.Fprintln(os.Stderr, "fake-eutils:", err)
		os.Exit(1)
	}
}
