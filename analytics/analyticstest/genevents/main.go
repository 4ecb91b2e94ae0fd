// Command genevents writes a realistic analytics event stream (JSONL) for
// benchmarks of `baton report`:
//
//	go run ./analytics/analyticstest/genevents -n 1000000 > /tmp/events.jsonl
//	/usr/bin/time -v baton report --json /tmp/events.jsonl
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"

	"github.com/batonbot/baton/analytics/analyticstest"
)

func main() {
	n := flag.Int("n", 1000000, "how many events")
	seed := flag.Uint64("seed", 1, "the random seed (the same seed writes the same stream)")
	perHour := flag.Int("per-hour", 40, "conversations started per daytime hour")
	flag.Parse()
	w := bufio.NewWriterSize(os.Stdout, 1<<20)
	g := analyticstest.New(analyticstest.Options{Seed: *seed, PerHour: *perHour})
	if err := g.WriteJSONL(w, *n); err != nil {
		fmt.Fprintln(os.Stderr, "genevents:", err)
		os.Exit(1)
	}
	if err := w.Flush(); err != nil {
		fmt.Fprintln(os.Stderr, "genevents:", err)
		os.Exit(1)
	}
}
