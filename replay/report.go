package replay

import (
	"cmp"
	"context"
	"fmt"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/batonbot/baton/flows"
)

// Options say what Replay compares.
type Options struct {
	// Flow is the new flow; Baseline the old one (nil: compare with what
	// was recorded). FlowPath and BaselinePath name them in reports.
	Flow         *flows.Flow
	FlowPath     string
	Baseline     *flows.Flow
	BaselinePath string
	// Sources name what the conversations were read from.
	Sources []string
	// Workers replay in parallel (default GOMAXPROCS).
	Workers int
}

// Report is a replay's result.
type Report struct {
	Flow     string `json:"flow"`
	Baseline string `json:"baseline,omitempty"`
	// Against is "baseline" or "recorded".
	Against string   `json:"against"`
	Sources []string `json:"sources"`
	// Conversations were read; Replayed could be replayed; Changed
	// differ in at least one way.
	Conversations int `json:"conversations"`
	Replayed      int `json:"replayed"`
	Changed       int `json:"changed"`
	// Counts are the conversations per change kind (ChangeKinds).
	Counts map[string]int `json:"counts"`
	// Summary words the counts as one sentence: "0 of 14 conversations
	// change.", "12 of 1,000 conversations now hand off instead of being
	// contained; 3 reach different states.".
	Summary string `json:"summary"`
	// Diffs are the changed conversations, in the order read.
	Diffs   []*Diff   `json:"diffs"`
	Skipped []Skipped `json:"skipped"`
	// Thresholds are the limits checked (Check), crossed or not.
	Thresholds []ThresholdResult `json:"thresholds"`
	TookMS     int64             `json:"took_ms"`
}

// Diff is one changed conversation.
type Diff struct {
	Conversation string   `json:"conversation"`
	Source       string   `json:"source"`
	Changes      []Change `json:"changes"`
	Inputs       []Input  `json:"inputs"`
	// Old is the baseline's run (or what was recorded), New the new
	// flow's.
	Old *Run `json:"old"`
	New *Run `json:"new"`
}

// Skipped is a conversation that could not be replayed.
type Skipped struct {
	Conversation string `json:"conversation"`
	Source       string `json:"source"`
	Reason       string `json:"reason"`
}

// Replay replays convs on o.Flow (and o.Baseline) and reports where they
// differ.
func Replay(ctx context.Context, convs []*Conversation, o Options) (*Report, error) {
	return ReplayFeed(ctx, o, func(emit func(*Conversation)) error {
		for _, c := range convs {
			emit(c)
		}
		return nil
	})
}

// ReplayFeed is Replay for conversations that feed hands to emit as it
// reads them (StreamEvents), replayed while it reads on.
func ReplayFeed(ctx context.Context, o Options, feed func(emit func(*Conversation)) error) (*Report, error) {
	start := time.Now()
	rep := &Report{Flow: o.FlowPath, Baseline: o.BaselinePath, Against: "recorded", Sources: o.Sources,
		Counts: map[string]int{}, Diffs: []*Diff{}, Skipped: []Skipped{}, Thresholds: []ThresholdResult{}}
	if o.Baseline != nil {
		rep.Against = "baseline"
	}
	newP, err := NewPlayer(o.Flow, nil)
	if err != nil {
		return nil, err
	}
	var oldP *Player
	if o.Baseline != nil {
		// Flows that train the same NLU share it, and its memory: each
		// distinct message is analysed once for both.
		var a flows.Analyzer
		if o.Baseline.NeedsSignals && o.Flow.NeedsSignals && sameNLU(o.Flow.NLU, o.Baseline.NLU) {
			a = newP.analyzer
		}
		if oldP, err = NewPlayer(o.Baseline, a); err != nil {
			return nil, err
		}
	}
	workers := o.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	type result struct {
		seq  int64
		c    *Conversation
		diff *Diff
	}
	var mu sync.Mutex
	var results []result
	work := make(chan *Conversation, 4*workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for c := range work {
				res := result{seq: c.seq, c: c}
				if c.Skip == "" && ctx.Err() == nil {
					res.diff = compareOne(ctx, c, newP, oldP)
				}
				if res.diff == nil && c.Skip == "" {
					res.c = nil // nothing to keep of an unchanged conversation
				}
				mu.Lock()
				results = append(results, res)
				if c.Skip == "" {
					rep.Replayed++
				}
				rep.Conversations++
				mu.Unlock()
			}
		})
	}
	ferr := feed(func(c *Conversation) {
		if c.seq == 0 {
			c.seq = nextSeq()
		}
		if c.Skip == "" && c.Flow != "" && c.Flow != o.Flow.Name && (o.Baseline == nil || c.Flow != o.Baseline.Name) {
			c.Skip = fmt.Sprintf("it is a conversation of flow %q, not of %q: replay it with --flow set to that flow's file", c.Flow, o.Flow.Name)
		}
		work <- c
	})
	close(work)
	wg.Wait()
	if ferr != nil {
		return nil, ferr
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	slices.SortFunc(results, func(a, b result) int { return cmp.Compare(a.seq, b.seq) })
	for _, r := range results {
		switch {
		case r.c != nil && r.c.Skip != "":
			rep.Skipped = append(rep.Skipped, Skipped{Conversation: r.c.ID, Source: r.c.Source, Reason: r.c.Skip})
		case r.diff != nil:
			rep.Changed++
			seen := map[string]bool{}
			for _, ch := range r.diff.Changes {
				if !seen[ch.Kind] {
					seen[ch.Kind] = true
					rep.Counts[ch.Kind]++
				}
			}
			rep.Diffs = append(rep.Diffs, r.diff)
		}
	}
	rep.Summary = rep.summary()
	rep.TookMS = time.Since(start).Milliseconds()
	return rep, nil
}

// compareOne replays c and returns its diff, nil when nothing changed.
func compareOne(ctx context.Context, c *Conversation, newP, oldP *Player) *Diff {
	base := c.Recorded
	if oldP != nil {
		base = oldP.Play(ctx, c)
	}
	if base == nil {
		base = &Run{Steps: make([]Step, len(c.Inputs))} // nothing recorded: nothing to compare but errors
	}
	run := newP.Play(ctx, c)
	changes := Compare(base, run, newP.Flow())
	if len(changes) == 0 {
		return nil
	}
	return &Diff{Conversation: c.ID, Source: c.Source, Changes: changes, Inputs: c.Inputs, Old: base, New: run}
}

// phrases word each change kind in a summary, for n conversations.
var phrases = map[string][2]string{
	ChangeHandedOff: {"now hands off instead of being contained", "now hand off instead of being contained"},
	ChangeContained: {"is now contained instead of handing off", "are now contained instead of handing off"},
	ChangeTeam:      {"hands off to another team", "hand off to another team"},
	ChangePriority:  {"hands off at another priority", "hand off at another priority"},
	ChangeReason:    {"hands off for another reason", "hand off for another reason"},
	ChangeGone:      {"reaches a state that no longer exists", "reach a state that no longer exists"},
	ChangeStates:    {"reaches different states", "reach different states"},
	ChangeReply:     {"gets a different reply", "get a different reply"},
	ChangeNoMatch:   {"has new no-matches", "have new no-matches"},
	ChangeEnd:       {"ends differently", "end differently"},
	ChangeError:     {"hits errors on the new flow", "hit errors on the new flow"},
}

// summary words the counts as one sentence, with its period, as every
// output shows it.
func (r *Report) summary() string {
	var parts []string
	for _, k := range ChangeKinds {
		n := r.Counts[k]
		if n == 0 {
			continue
		}
		p := phrases[k][1]
		if n == 1 {
			p = phrases[k][0]
		}
		parts = append(parts, Count(n)+" "+p)
	}
	total := Count(r.Replayed) + " conversation"
	if r.Replayed != 1 {
		total += "s"
	}
	if len(parts) == 0 {
		return "0 of " + total + " change."
	}
	// "12 of 1,000 conversations now hand off ...; 3 reach ...".
	first := parts[0]
	num, rest, _ := strings.Cut(first, " ")
	parts[0] = num + " of " + total + " " + rest
	return strings.Join(parts, "; ") + "."
}

// Count writes n with thousands separators: 1,000.
func Count(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// Threshold is a limit on the conversations of some change kinds (all of
// them when Kinds is empty), a count or a share of those replayed.
type Threshold struct {
	Name    string
	Kinds   []string
	Limit   float64
	Percent bool
}

// ThresholdResult is a threshold checked.
type ThresholdResult struct {
	Name    string  `json:"name"`
	Limit   string  `json:"limit"`
	Count   int     `json:"count"`
	Share   float64 `json:"share"` // percent of the conversations replayed
	Crossed bool    `json:"crossed"`
}

// ParseThreshold reads a limit: "1%" (of the conversations replayed) or
// "10" (conversations).
func ParseThreshold(name string, kinds []string, s string) (Threshold, error) {
	t := Threshold{Name: name, Kinds: kinds}
	v := strings.TrimSpace(s)
	if p, ok := strings.CutSuffix(v, "%"); ok {
		t.Percent, v = true, p
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f < 0 || t.Percent && f > 100 || !t.Percent && f != float64(int(f)) {
		return t, fmt.Errorf("--%s %q: write a share like 1%% or 0.5%%, or a number of conversations like 10", name, s)
	}
	t.Limit = f
	return t, nil
}

func (t Threshold) String() string {
	if t.Percent {
		return strconv.FormatFloat(t.Limit, 'f', -1, 64) + "%"
	}
	return strconv.FormatFloat(t.Limit, 'f', 0, 64)
}

// Check checks the thresholds and records them in the report; it returns
// whether any was crossed (more than its limit).
func (r *Report) Check(ts []Threshold) bool {
	crossed := false
	for _, t := range ts {
		n := r.Changed
		if len(t.Kinds) > 0 {
			n = 0
			for _, d := range r.Diffs {
				for _, c := range d.Changes {
					if contains(t.Kinds, c.Kind) {
						n++
						break
					}
				}
			}
		}
		share := 0.0
		if r.Replayed > 0 {
			share = 100 * float64(n) / float64(r.Replayed)
		}
		res := ThresholdResult{Name: t.Name, Limit: t.String(), Count: n, Share: share}
		if t.Percent {
			res.Crossed = share > t.Limit
		} else {
			res.Crossed = float64(n) > t.Limit
		}
		crossed = crossed || res.Crossed
		r.Thresholds = append(r.Thresholds, res)
	}
	return crossed
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
