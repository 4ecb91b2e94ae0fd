package main

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/batonbot/baton/handoff/handofftest"
)

// TestFiftyCustomersInSeparateProcesses: fifty customers, each in a
// `baton chat --live` process of its own with its own store, hand off to
// one Zendesk that answers some ticket creations 500 after creating them
// and some slowly. Zendesk ends up with fifty tickets, one per handoff,
// each with the customer's later message once.
func TestFiftyCustomersInSeparateProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("starts fifty processes")
	}
	zd := handofftest.NewZendesk(t, handofftest.NewClock(time.Now()), "bot@acme.example", "s3cret", "")
	zd.Inject(handofftest.Fault{Method: http.MethodPost, Path: "/api/v2/tickets", Status: http.StatusInternalServerError, After: true, Times: 6})
	zd.Inject(handofftest.Fault{Method: http.MethodPut, Prefix: "/api/v2/tickets/", Status: http.StatusBadGateway, After: true, Times: 4})
	fiftyCustomers(t, writeZendeskConfig(t, zd.URL), "TEST_ZENDESK_TOKEN=s3cret")

	tickets := zd.Tickets()
	if len(tickets) != fifty {
		t.Fatalf("%d tickets for %d customers", len(tickets), fifty)
	}
	seen := map[string]bool{}
	for _, tk := range tickets {
		checkHandoffTag(t, tk.ID, tk.Tags, seen)
		if len(tk.Comments) != 2 {
			t.Errorf("ticket %d has %d comments, want the transcript and the customer's message once", tk.ID, len(tk.Comments))
			continue
		}
		transcript, later := tk.Comments[0], tk.Comments[1]
		name := strings.TrimPrefix(transcript.HTMLBody[strings.Index(transcript.HTMLBody, "Customer "):], "Customer ")[:2]
		if !strings.Contains(later.Body, "order "+name+" is late") {
			t.Errorf("ticket %d (Customer %s) carries another customer's message: %q", tk.ID, name, later.Body)
		}
	}
}

// The same against one Freshdesk, which has no idempotency key: its
// search index shows a ticket only seconds after its creation, some
// creations and notes are answered 500 after they took effect. Freshdesk
// ends up with fifty tickets, each its own customer's, with the
// customer's later message once (once, all fifty customers' messages
// landed on one ticket).
func TestFiftyCustomersInSeparateProcessesOnFreshdesk(t *testing.T) {
	if testing.Short() {
		t.Skip("starts fifty processes")
	}
	clock := handofftest.NewClock(time.Now())
	stop := make(chan struct{})
	defer close(stop)
	go func() { // the desk's clock runs in real time
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				// Set, not Advance: a tick skipped under load would
				// leave the desk's clock behind for good.
				clock.Set(time.Now())
			}
		}
	}()
	fd := handofftest.NewFreshdesk(t, clock, "fd-key")
	fd.IndexLag = 2 * time.Second
	fd.Inject(handofftest.Fault{Method: http.MethodPost, Path: "/api/v2/tickets", Status: http.StatusInternalServerError, After: true, Times: 6})
	fd.Inject(handofftest.Fault{Method: http.MethodPost, Prefix: "/api/v2/tickets/", Status: http.StatusBadGateway, After: true, Times: 4})
	cfg := writeConfig(t, `version: 1
connectors:
  freshdesk:
    base_url: `+fd.URL+`
    api_key: ${TEST_FRESHDESK_KEY}
    search_window: 8s
routing:
  default_team: support
teams:
  support: {name: Support}
`)
	fiftyCustomers(t, cfg, "TEST_FRESHDESK_KEY=fd-key")

	creates, searches := 0, 0
	for _, r := range fd.Requests() {
		switch {
		case r == "POST /api/v2/tickets":
			creates++
		case strings.HasPrefix(r, "GET /api/v2/search/tickets"):
			searches++
		}
	}
	// Each open searches once before its create; the six whose create
	// was answered 500 search again until the index shows the ticket,
	// and do not create it again.
	if creates != fifty || searches < fifty+6 {
		t.Errorf("%d creates and %d searches, want %d creates and the ambiguous ones searched again", creates, searches, fifty)
	}
	tickets := fd.Tickets()
	if len(tickets) != fifty {
		t.Fatalf("%d tickets for %d customers", len(tickets), fifty)
	}
	seen, requesters := map[string]bool{}, map[int64]bool{}
	for _, tk := range tickets {
		checkHandoffTag(t, tk.ID, tk.Tags, seen)
		if requesters[tk.RequesterID] {
			t.Errorf("ticket %d: requester %d has another ticket: two customers taken for one", tk.ID, tk.RequesterID)
		}
		requesters[tk.RequesterID] = true
		i := strings.Index(tk.Description, "Customer ")
		if i < 0 {
			t.Errorf("ticket %d does not name its customer: %s", tk.ID, tk.Description)
			continue
		}
		name := tk.Description[i+len("Customer ") : i+len("Customer ")+2]
		var notes []string
		for _, n := range tk.Notes {
			notes = append(notes, n.Body)
		}
		if len(notes) != 1 || !strings.Contains(notes[0], "order "+name+" is late") {
			t.Errorf("ticket %d (Customer %s) has notes %q, want its customer's later message once", tk.ID, name, notes)
		}
	}
}

const fifty = 50

// fiftyCustomers runs fifty `baton chat --live --config cfg` processes,
// ten at a time, each with a store of its own: each customer says hello,
// asks for an agent, then writes "order NN is late". Each must see the
// open and the append delivered.
func fiftyCustomers(t *testing.T, cfg string, env ...string) {
	t.Helper()
	bin := buildBaton(t)
	dir := t.TempDir()
	const atOnce = 10
	var wg sync.WaitGroup
	sem := make(chan struct{}, atOnce)
	errs := make(chan string, fifty)
	for i := range fifty {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			cmd := exec.Command(bin, "chat", "--json", "--live", "--config", cfg,
				"--store", filepath.Join(dir, fmt.Sprintf("c%02d.db", i)), "--drain", "90s",
				"--user", fmt.Sprintf("Customer %02d", i), "--phone", fmt.Sprintf("+39333000%04d", i),
				"testdata/flows/shop.yaml")
			cmd.Env = append(os.Environ(), env...)
			cmd.Stdin = strings.NewReader(fmt.Sprintf("hello\nagent\norder %02d is late\n", i))
			var out, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &stderr
			if err := cmd.Run(); err != nil {
				errs <- fmt.Sprintf("customer %d: %v\n%s", i, err, stderr.String())
				return
			}
			if n := strings.Count(out.String(), `"type":"helpdesk_delivered"`); n != 2 {
				errs <- fmt.Sprintf("customer %d: %d deliveries, want the open and the append:\n%s", i, n, out.String())
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

// checkHandoffTag checks that a ticket carries a baton-<handoff id> tag
// no other ticket has.
func checkHandoffTag(t *testing.T, id int64, tags []string, seen map[string]bool) {
	t.Helper()
	tag := ""
	for _, g := range tags {
		if strings.HasPrefix(g, "baton-") {
			tag = g
		}
	}
	if tag == "" || seen[tag] {
		t.Errorf("ticket %d: handoff tag %q missing or seen twice (a duplicate)", id, tag)
	}
	seen[tag] = true
}
