// Command genlog writes a recorded analytics event stream (JSONL, with
// texts) of n conversations of the example shop flow, the input `baton
// replay` reads:
//
//	go run ./replay/replaytest/genlog -n 100000 > /tmp/conversations.jsonl
//	baton replay --flow examples/flows/support.yaml /tmp/conversations.jsonl
package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"github.com/batonbot/baton/replay/replaytest"
)

func main() {
	n := flag.Int("n", 1000, "how many conversations")
	seed := flag.Uint64("seed", 1, "the random seed (the same seed writes the same log)")
	flow := flag.String("flow", "examples/flows/support.yaml", "the shop flow's file")
	flag.Parse()
	if err := replaytest.Generate(context.Background(), os.Stdout, *n, replaytest.Options{Flow: *flow, Seed: *seed}); err != nil {
		fmt.Fprintln(os.Stderr, "genlog:", err)
		os.Exit(1)
	}
}
