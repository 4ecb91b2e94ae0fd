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
	bin := buildBaton(t)
	zd := handofftest.NewZendesk(t, handofftest.NewClock(time.Now()), "bot@acme.example", "s3cret", "")
	zd.Inject(handofftest.Fault{Method: http.MethodPost, Path: "/api/v2/tickets", Status: http.StatusInternalServerError, After: true, Times: 6})
	zd.Inject(handofftest.Fault{Method: http.MethodPut, Prefix: "/api/v2/tickets/", Status: http.StatusBadGateway, After: true, Times: 4})
	cfg := writeZendeskConfig(t, zd.URL)
	dir := t.TempDir()
	const customers, atOnce = 50, 10
	var wg sync.WaitGroup
	sem := make(chan struct{}, atOnce)
	errs := make(chan string, customers)
	for i := range customers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			cmd := exec.Command(bin, "chat", "--json", "--live", "--config", cfg,
				"--store", filepath.Join(dir, fmt.Sprintf("c%02d.db", i)), "--drain", "90s",
				"--user", fmt.Sprintf("Customer %02d", i), "--phone", fmt.Sprintf("+39333000%04d", i),
				"testdata/flows/shop.yaml")
			cmd.Env = append(os.Environ(), "TEST_ZENDESK_TOKEN=s3cret")
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

	tickets := zd.Tickets()
	if len(tickets) != customers {
		t.Fatalf("%d tickets for %d customers", len(tickets), customers)
	}
	seen := map[string]bool{}
	for _, tk := range tickets {
		tag := ""
		for _, g := range tk.Tags {
			if strings.HasPrefix(g, "baton-") {
				tag = g
			}
		}
		if tag == "" || seen[tag] {
			t.Errorf("ticket %d: handoff tag %q missing or seen twice (a duplicate)", tk.ID, tag)
		}
		seen[tag] = true
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
