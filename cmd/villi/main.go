// Command villi is a self-hosted evidence library for the gut–autoimmunity
// connection: it crawls and imports PubMed records, tags and indexes them,
// and serves search, citations and digests. See `villi help`.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
	// VILLI_TZ (crawl and digest schedules, digest weeks) names an IANA
	// zone; slim containers have no /usr/share/zoneinfo, and without the
	// embedded copy villi would refuse to start there.
	_ "time/tzdata"

	"villi/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Run(ctx, os.Args[1:], cli.Env{
		Getenv: os.Getenv,
		Stdin:  os.Stdin,
		Stdout: os.Stdout,
		Stderr: os.Stderr,
	})
	stop()
	os.Exit(code)
}
