package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/batonbot/baton/sandbox"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/handoff"
	"github.com/batonbot/baton/store/bolt"
)

var handoffCmd = &command{
	name:    "handoff",
	usage:   "handoff list|retry [options]",
	summary: "list the helpdesk outbox and retry dead letters",
}

func init() {
	handoffCmd.run = runHandoff
	register(handoffCmd)
}

const handoffAbout = `
Inspects the outbox of a store kept by 'baton chat --live --store FILE' (or
a deployment using a file store): every ticket open, message append and
close waiting for, delivered to, or given up by a helpdesk.

  baton handoff list [--store FILE] [--status pending|delivered|dead] [--json]
      one line per outbox item: id, kind, conversation, handoff, status,
      attempts, next attempt, ticket, last error.

  baton handoff retry [--store FILE] [--config FILE] ID...|--all-dead
      puts dead items back in the queue (a handoff's items go back
      together), attempts reset (to 1 when attempted: the next attempt
      checks the helpdesk first). With --config it delivers them once
      now through the configured connectors and reports each outcome;
      without, the next process delivering from the store does.

The store is --store, else $BATON_STORE.

Exit status: 0 ok, 1 when a retried item failed again or the config has
errors, 2 for usage errors (a store or config file that does not exist
too), 3 when the store cannot be opened or read.`

func runHandoff(ctx context.Context, e *env, args []string) int {
	if len(args) == 0 {
		return usageError(e, handoffCmd, "say what to do: list or retry")
	}
	switch args[0] {
	case "list":
		return runHandoffList(ctx, e, args[1:])
	case "retry":
		return runHandoffRetry(ctx, e, args[1:])
	case "-h", "-help", "--help", "help":
		fs := newFlagSet(handoffCmd, handoffAbout, e.stdout)
		fs.Usage()
		return exitOK
	}
	msg := fmt.Sprintf("unknown subcommand %q", args[0])
	if s := suggest(args[0], []string{"list", "retry"}); s != "" {
		msg += fmt.Sprintf("; did you mean %q?", s)
	}
	return usageError(e, handoffCmd, "%s (list or retry)", msg)
}

// openStoreFile opens an existing file store; it returns the exit code on
// failure.
func openStoreFile(e *env, path string) (*bolt.Store, int) {
	if path == "" {
		path = e.getenv("BATON_STORE")
	}
	if path == "" {
		return nil, usageError(e, handoffCmd, "no store: give --store FILE (the file 'baton chat --live' printed) or set BATON_STORE")
	}
	if msg := pathProblem("store", path); msg != "" {
		return nil, usageError(e, handoffCmd, "%s; give the store file 'baton chat --live' or 'baton serve' wrote", msg)
	}
	s, err := bolt.Open(path)
	if err != nil {
		fmt.Fprintf(e.stderr, "baton handoff: %v\n", err)
		return nil, exitRuntime
	}
	return s, exitOK
}

func runHandoffList(ctx context.Context, e *env, args []string) int {
	var store, status string
	var asJSON bool
	fs := newFlagSet(handoffCmd, handoffAbout, e.stderr)
	fs.StringVar(&store, "store", "", "the store `file` (default $BATON_STORE)")
	fs.StringVar(&status, "status", "", "only items with this `status`: pending, delivered or dead")
	fs.BoolVar(&asJSON, "json", false, "one JSON object per item")
	pos, code, done := parseFlags(e, fs, args)
	if done {
		return code
	}
	if len(pos) == 1 && status == "" && isOutboxStatus(pos[0]) {
		status, pos = pos[0], nil // `baton handoff list dead`
	}
	if len(pos) > 0 {
		return usageError(e, handoffCmd, "list takes no arguments, got %s", strings.Join(pos, " "))
	}
	if status != "" && !isOutboxStatus(status) {
		return usageError(e, handoffCmd, "--status %q: use pending, delivered or dead", status)
	}
	s, code := openStoreFile(e, store)
	if s == nil {
		return code
	}
	defer s.Close()
	items, err := s.List(ctx, flows.OutboxStatus(status))
	if err != nil {
		fmt.Fprintf(e.stderr, "baton handoff: reading the outbox: %v\n", err)
		return exitRuntime
	}
	if asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetEscapeHTML(false)
		for _, it := range items {
			_ = enc.Encode(outboxJSON(it))
		}
		return exitOK
	}
	if len(items) == 0 {
		if status != "" {
			status += " "
		}
		fmt.Fprintf(e.stdout, "no %soutbox items\n", status)
		return exitOK
	}
	printOutbox(e, items)
	return exitOK
}

func isOutboxStatus(s string) bool {
	switch flows.OutboxStatus(s) {
	case flows.OutboxPending, flows.OutboxDelivered, flows.OutboxDead:
		return true
	}
	return false
}

// outboxItemJSON is an outbox item as `baton handoff list --json` shows
// it: everything but the handoff's and the message's content.
type outboxItemJSON struct {
	ID           string             `json:"id"`
	Kind         flows.OutboxKind   `json:"kind"`
	Conversation string             `json:"conversation"`
	HandoffID    string             `json:"handoff_id"`
	Status       flows.OutboxStatus `json:"status"`
	Attempts     int                `json:"attempts"`
	CreatedAt    time.Time          `json:"created_at"`
	NextAt       *time.Time         `json:"next_at,omitempty"`
	LastError    string             `json:"last_error,omitempty"`
	Ticket       *flows.TicketRef   `json:"ticket,omitempty"`
	// Note is what a close or a system note says (why the ticket is
	// closed, an agent's reply that was not delivered).
	Note string `json:"note,omitempty"`
}

func outboxJSON(it flows.OutboxItem) outboxItemJSON {
	o := outboxItemJSON{ID: it.ID, Kind: it.Kind, Conversation: it.ConversationID, HandoffID: it.HandoffID,
		Status: it.Status, Attempts: it.Attempts, CreatedAt: it.CreatedAt, LastError: handoff.Redact(it.LastError), Note: outboxNote(it)}
	if it.Status == flows.OutboxPending && !it.NextAt.IsZero() {
		t := it.NextAt
		o.NextAt = &t
	}
	if it.Ticket.ID != "" {
		t := it.Ticket
		o.Ticket = &t
	}
	return o
}

func printOutbox(e *env, items []flows.OutboxItem) {
	w := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tKIND\tCONVERSATION\tHANDOFF\tSTATUS\tATTEMPTS\tNEXT ATTEMPT\tTICKET\tNOTE\tLAST ERROR")
	for _, it := range items {
		next, ticket := "-", "-"
		if it.Status == flows.OutboxPending && !it.NextAt.IsZero() {
			next = it.NextAt.Format(time.RFC3339)
		}
		if it.Ticket.ID != "" {
			ticket = it.Ticket.Connector + " " + it.Ticket.ID
		}
		note := outboxNote(it)
		if len([]rune(note)) > 48 {
			note = string([]rune(note)[:47]) + "…"
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%d\t%s\t%s\t%s\t%s\n", it.ID, it.Kind, it.ConversationID, orDefault(it.HandoffID, "-"),
			it.Status, it.Attempts, next, ticket, orDefault(note, "-"), orDefault(oneLine(handoff.Redact(it.LastError)), "-"))
	}
	_ = w.Flush()
}

// outboxNote is the text of a close's or a system note's message.
func outboxNote(it flows.OutboxItem) string {
	if it.Message == nil || it.Message.From != flows.RoleSystem {
		return ""
	}
	return oneLine(it.Message.Text)
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func runHandoffRetry(ctx context.Context, e *env, args []string) int {
	var store, config string
	var allDead bool
	fs := newFlagSet(handoffCmd, handoffAbout, e.stderr)
	fs.StringVar(&store, "store", "", "the store `file` (default $BATON_STORE)")
	fs.StringVar(&config, "config", "", "deliver the requeued items now through the connectors of this deployment config (`baton.yaml`)")
	fs.BoolVar(&allDead, "all-dead", false, "retry every dead item")
	ids, code, done := parseFlags(e, fs, args)
	if done {
		return code
	}
	switch {
	case allDead && len(ids) > 0:
		return usageError(e, handoffCmd, "give item ids or --all-dead, not both")
	case !allDead && len(ids) == 0:
		return usageError(e, handoffCmd, "retry needs the ids of dead items ('baton handoff list --status dead' shows them) or --all-dead")
	}
	var deliverOpts []handoff.DeliverOption
	var resolve handoff.Resolver = func(context.Context, flows.OutboxItem) (flows.Connector, error) {
		return nil, errors.New("no connectors: pass --config FILE to deliver")
	}
	if config != "" {
		if msg := pathProblem("config", config); msg != "" {
			return usageError(e, handoffCmd, "%s", msg)
		}
		dep, err := sandbox.LoadDeployment(config, e.getenv, true)
		if err != nil {
			fmt.Fprintf(e.stderr, "baton handoff: %v\n", err)
			return exitFailed
		}
		conns, err := handoff.Connectors(dep.Handoff)
		if err != nil {
			fmt.Fprintf(e.stderr, "baton handoff: %s: %v\n", config, err)
			return exitFailed
		}
		router, err := handoff.NewRouter(dep.Handoff)
		if err != nil {
			fmt.Fprintf(e.stderr, "baton handoff: %v\n", err)
			return exitUsage
		}
		resolve = router.Resolver(conns)
		deliverOpts = dep.Handoff.DeliverOptions() // call_timeout is the connectors'
	}
	s, code := openStoreFile(e, store)
	if s == nil {
		return code
	}
	defer s.Close()
	d, err := handoff.NewDeliverer(s, resolve, append(deliverOpts, liveDeliverOptions...)...)
	if err != nil {
		fmt.Fprintf(e.stderr, "baton handoff: %v\n", err)
		return exitRuntime
	}
	var requeued []string
	if allDead {
		if requeued, err = d.RetryAll(ctx); err != nil {
			fmt.Fprintf(e.stderr, "baton handoff: %v\n", err)
			return exitRuntime
		}
	}
	for _, id := range ids {
		got, err := d.Retry(ctx, id)
		if err != nil {
			fmt.Fprintf(e.stderr, "baton handoff: %v\n", err)
			return exitUsage
		}
		for _, g := range got {
			if !slices.Contains(requeued, g) {
				requeued = append(requeued, g)
			}
		}
	}
	if len(requeued) == 0 {
		fmt.Fprintln(e.stdout, "no dead outbox items to retry")
		return exitOK
	}
	fmt.Fprintf(e.stdout, "requeued %s: %s\n", flows.Plural(len(requeued), "item"), strings.Join(requeued, ", "))
	if config == "" {
		fmt.Fprintln(e.stdout, "they are delivered by the next process delivering from this store ('baton chat --live --store FILE'), or now with --config FILE")
		return exitOK
	}
	return deliverRequeued(ctx, e, s, d, requeued)
}

// deliverRequeued delivers the requeued items once (an open before its
// appends, so a few rounds) and reports each outcome.
func deliverRequeued(ctx context.Context, e *env, s *bolt.Store, d *handoff.Deliverer, ids []string) int {
	for range len(ids) + 1 {
		n, err := d.RunOnce(ctx)
		if err != nil {
			fmt.Fprintf(e.stderr, "baton handoff: delivering: %v\n", err)
			return exitRuntime
		}
		if n == 0 {
			break
		}
	}
	all, err := s.List(ctx, "")
	if err != nil {
		fmt.Fprintf(e.stderr, "baton handoff: reading the outbox: %v\n", err)
		return exitRuntime
	}
	code := exitOK
	for _, it := range all {
		if !slices.Contains(ids, it.ID) {
			continue
		}
		switch it.Status {
		case flows.OutboxDelivered:
			msg := fmt.Sprintf("%s: delivered", it.ID)
			if it.Kind == flows.OutboxOpen && it.Ticket.ID != "" {
				msg += fmt.Sprintf(", %s ticket %s", it.Ticket.Connector, it.Ticket.ID)
				if it.Ticket.URL != "" {
					msg += " " + it.Ticket.URL
				}
			}
			fmt.Fprintln(e.stdout, msg)
		case flows.OutboxPending:
			code = exitFailed
			fmt.Fprintf(e.stdout, "%s: failed again, next attempt at %s: %s\n", it.ID, it.NextAt.Format(time.RFC3339), orDefault(oneLine(it.LastError), "waiting for its handoff's open"))
		default:
			code = exitFailed
			fmt.Fprintf(e.stdout, "%s: dead again: %s\n", it.ID, oneLine(it.LastError))
		}
	}
	return code
}
