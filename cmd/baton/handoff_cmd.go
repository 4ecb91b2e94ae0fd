package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/batonbot/baton/config"
	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/handoff"
	"github.com/batonbot/baton/host"
	"github.com/batonbot/baton/sandbox"
	"github.com/batonbot/baton/store/bolt"
	"github.com/batonbot/baton/store/valkey"
)

// storeFlagHelp is --store's help.
const storeFlagHelp = "the `file|url` of the store: a bolt file, or a Valkey URL (redis://host:6379, rediss://, valkey://, valkeys://) (default $BATON_STORE, else the --config's store)"

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
Inspects the outbox of a store: the file 'baton chat --live --store FILE'
kept, the bolt file or the Valkey of a deployment ('baton serve'): every
ticket open, message append and close waiting for, delivered to, or given
up by a helpdesk.

  baton handoff list [--store FILE|URL] [--config FILE] [--status pending|delivered|dead] [--json]
      one line per outbox item: id, kind, conversation, handoff, status,
      attempts, next attempt, ticket, note, last error. The note is what
      Baton writes on the ticket itself: why a close closes it, or that
      an agent's reply did not reach the customer (--json: "note").

  baton handoff retry [--store FILE|URL] [--config FILE] ID...|--all-dead
      puts dead items back in the queue (a handoff's items go back
      together), attempts reset (to 1 when attempted: the next attempt
      checks the helpdesk first). With --config it delivers them once
      now through the configured connectors, with its delivery section,
      and reports each outcome; without, the next process delivering
      from the store does.

The store is --store, else $BATON_STORE, else the store section of
--config (bolt or valkey): a bolt file, or a Valkey URL
(redis://[user:password@]host:port[/db], rediss:// for TLS, valkey://,
valkeys://) whose keys are under the --config's store.prefix (default
baton). A Valkey store is read while 'baton serve' processes use it; a
bolt file only when no other process has it open (stop 'baton serve'
first).

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

// openHandoffStore opens the store the handoff commands read: --store (a
// bolt file or a Valkey URL), else $BATON_STORE, else the store section of
// cfg (nil without --config). A Valkey URL's keys are under cfg's
// store.prefix (and kept for its session_ttl) when cfg names a Valkey
// store. It returns the exit code on
// failure.
func openHandoffStore(ctx context.Context, e *env, store string, cfg *config.Config) (flows.Store, int) {
	if store == "" {
		store = e.getenv("BATON_STORE")
	}
	if store == "" && cfg != nil {
		switch cfg.Store.Kind {
		case config.StoreBolt:
			if msg := pathProblem("", cfg.Store.Path); msg != "" {
				return nil, usageError(e, handoffCmd, "%s: store.path: %s; give the store file 'baton serve' wrote", cfg.Source, msg)
			}
		case config.StoreValkey:
		default:
			return nil, usageError(e, handoffCmd, "%s: the store is %s, kept by the serving process only: give --store FILE or URL", cfg.Source, cfg.Store.Kind)
		}
		s, err := host.OpenStore(cfg)
		if err != nil {
			return nil, storeOpenError(e, cfg.Store.Path, err)
		}
		return s, exitOK
	}
	if store == "" {
		return nil, usageError(e, handoffCmd, "no store: give --store FILE (the file 'baton chat --live' printed) or --store URL (a Valkey: redis://host:6379), set BATON_STORE, or give --config baton.yaml (its store section)")
	}
	if scheme, _, ok := strings.Cut(store, "://"); ok {
		switch scheme {
		case "redis", "rediss", "valkey", "valkeys", "unix":
		default:
			return nil, usageError(e, handoffCmd, "store %s://…: give a store file or a Valkey URL: redis://host:port (rediss:// for TLS, valkey://, valkeys:// or unix://)", scheme)
		}
		opts := []valkey.Option{valkey.WithSweepEvery(0)}
		if cfg != nil && cfg.Store.Kind == config.StoreValkey {
			// The deployment's keys, kept as long as serve keeps them.
			if cfg.Store.Prefix != "" {
				opts = append(opts, valkey.WithPrefix(cfg.Store.Prefix))
			}
			if cfg.Store.SessionTTL > 0 {
				opts = append(opts, valkey.WithTTL(cfg.Store.SessionTTL))
			}
		}
		ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		s, err := valkey.NewStore(ctx, store, opts...)
		if err != nil {
			fmt.Fprintf(e.stderr, "baton handoff: %v\n", err)
			return nil, exitRuntime
		}
		return s, exitOK
	}
	if msg := pathProblem("store", store); msg != "" {
		return nil, usageError(e, handoffCmd, "%s; give the store file 'baton chat --live' or 'baton serve' wrote", msg)
	}
	s, err := bolt.Open(store)
	if err != nil {
		return nil, storeOpenError(e, store, err)
	}
	return s, exitOK
}

// storeOpenError reports a store that cannot be opened; a bolt file another
// process holds (a running 'baton serve') says what to do.
func storeOpenError(e *env, path string, err error) int {
	if errors.Is(err, bolt.ErrLocked) {
		fmt.Fprintf(e.stderr, "baton handoff: store %s is in use: %s\n"+
			"  a bolt store is opened by one process at a time: stop that process and run this again (what it has not delivered stays in the file and goes out when it starts again);\n"+
			"  to list and retry while serving, serve from Valkey (store: {kind: valkey, url: ...}) and give --store its URL, or --config\n",
			path, bolt.LockHolder(path))
		return exitRuntime
	}
	fmt.Fprintf(e.stderr, "baton handoff: %v\n", err)
	return exitRuntime
}

// handoffConfig loads the deployment config at path for its store section
// (and, when live, its connectors): the exit code on failure. Without live
// an unset variable is an error only in the store section.
func handoffConfig(e *env, path string, live bool) (*sandbox.Deployment, int) {
	if msg := pathProblem("config", path); msg != "" {
		return nil, usageError(e, handoffCmd, "%s", msg)
	}
	dep, err := sandbox.LoadDeployment(path, e.getenv, live)
	if err != nil {
		fmt.Fprintf(e.stderr, "baton handoff: %v\n", err)
		return nil, exitFailed
	}
	for _, p := range dep.All.Placeholders {
		if strings.HasPrefix(p.Where, "store.") {
			fmt.Fprintf(e.stderr, "baton handoff: %s: error: %s: environment variable %s is not set; export %s=... as for 'baton serve'\n", p.Pos, p.Where, p.Name, p.Name)
			return nil, exitFailed
		}
	}
	return dep, exitOK
}

func runHandoffList(ctx context.Context, e *env, args []string) int {
	var store, status, configPath string
	var asJSON bool
	fs := newFlagSet(handoffCmd, handoffAbout, e.stderr)
	fs.StringVar(&store, "store", "", storeFlagHelp)
	fs.StringVar(&configPath, "config", "", "the deployment config (`baton.yaml`) whose store section to read (without --store and $BATON_STORE), or whose store.prefix a Valkey URL's keys are under")
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
	var cfg *config.Config
	if configPath != "" {
		dep, code := handoffConfig(e, configPath, false)
		if dep == nil {
			return code
		}
		cfg = dep.All
	}
	s, code := openHandoffStore(ctx, e, store, cfg)
	if s == nil {
		return code
	}
	defer s.Close()
	// The helpdesk items only: the store's outbox also holds every reply
	// to a customer, which the serving processes send.
	items, err := s.OutboxOf(flows.HandoffKinds...).List(ctx, flows.OutboxStatus(status))
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
	var store, configPath string
	var allDead bool
	fs := newFlagSet(handoffCmd, handoffAbout, e.stderr)
	fs.StringVar(&store, "store", "", storeFlagHelp)
	fs.StringVar(&configPath, "config", "", "deliver the requeued items now through the connectors of this deployment config (`baton.yaml`), with its delivery section; its store section is the store without --store and $BATON_STORE")
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
	var cfg *config.Config
	if configPath != "" {
		dep, code := handoffConfig(e, configPath, true)
		if dep == nil {
			return code
		}
		cfg = dep.All
		conns, err := handoff.Connectors(dep.Handoff)
		if err != nil {
			fmt.Fprintf(e.stderr, "baton handoff: %s: %v\n", configPath, err)
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
	s, code := openHandoffStore(ctx, e, store, cfg)
	if s == nil {
		return code
	}
	defer s.Close()
	// Requeued and delivered from the helpdesk items only, the ones list
	// shows: no customer's reply, which another process may be sending on
	// a shared store, goes to a helpdesk connector, and a dead one (a day
	// old, or refused for good by its channel, and noted on its ticket as
	// not delivered) is not sent late.
	requeue, err := handoff.NewDeliverer(s.OutboxOf(flows.HandoffKinds...), resolve)
	if err != nil {
		fmt.Fprintf(e.stderr, "baton handoff: %v\n", err)
		return exitRuntime
	}
	d, err := handoff.NewDeliverer(s.OutboxOf(flows.HandoffKinds...), resolve, append(deliverOpts, liveDeliverOptions...)...)
	if err != nil {
		fmt.Fprintf(e.stderr, "baton handoff: %v\n", err)
		return exitRuntime
	}
	var requeued []string
	if allDead {
		if requeued, err = requeue.RetryAll(ctx); err != nil {
			fmt.Fprintf(e.stderr, "baton handoff: %v\n", err)
			return exitRuntime
		}
	}
	for _, id := range ids {
		got, err := requeue.Retry(ctx, id)
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
	if configPath == "" {
		fmt.Fprintln(e.stdout, "they are delivered by the next process delivering from this store ('baton serve', 'baton chat --live --store FILE'), or now with --config FILE")
		return exitOK
	}
	return deliverRequeued(ctx, e, s, d, requeued)
}

// deliverRequeued delivers the requeued items once (an open before its
// appends, so a few rounds) and reports each outcome.
func deliverRequeued(ctx context.Context, e *env, s flows.Outbox, d *handoff.Deliverer, ids []string) int {
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
