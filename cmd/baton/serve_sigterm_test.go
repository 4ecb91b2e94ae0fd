package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/batonbot/baton/channel/whatsapp/whatsapptest"
)

// slowFlow's turn calls a slow API before it answers.
const slowFlow = `flow: slow
languages: [en]
start: lookup
states:
  lookup:
    http:
      method: GET
      url: "%s/order"
      save_as: order
    next: answer
  answer:
    say: "order {{ order.body.status }}"
    next: done
  done:
    end: true
`

// SIGTERM during a turn: the server stops taking requests, finishes the
// turn (its slow HTTP call, the save, the reply to the customer) and
// exits 0.
func TestServeSIGTERMFinishesTheTurnUnderWay(t *testing.T) {
	called := make(chan struct{}, 1)
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		called <- struct{}{}
		time.Sleep(time.Second)
		io.WriteString(w, `{"status":"shipped"}`)
	}))
	defer api.Close()
	wa := whatsapptest.NewServer(t)
	dir := t.TempDir()
	flow := filepath.Join(dir, "slow.yaml")
	if err := os.WriteFile(flow, []byte(fmt.Sprintf(slowFlow, api.URL)), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "baton.yaml")
	if err := os.WriteFile(cfg, []byte(fmt.Sprintf(`server: {shutdown_timeout: 10s}
store: {kind: bolt, path: %q}
channels:
  whatsapp:
    - {phone_number_id: %q, flow: %q, access_token: %q, app_secret: %q, verify_token: v, graph_url: %q, api_version: %s}
`, filepath.Join(dir, "baton.db"), wa.PhoneNumberID, flow, wa.Token, wa.AppSecret, wa.URL, wa.Version)), 0o644); err != nil {
		t.Fatal(err)
	}
	p := startServeProcess(t, &faultWorld{wa: wa, config: cfg}, "")
	resp, err := wa.Post(context.Background(), "http://"+p.addr+"/webhooks/whatsapp", wa.Notification(whatsapptest.Inbound{From: "393330000009", Text: "where is my order"}))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	select {
	case <-called:
	case <-time.After(time.Minute):
		t.Fatalf("the turn never called the API:\n%s", p.log)
	}
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-p.done:
	case <-time.After(15 * time.Second):
		t.Fatalf("still running 15s after SIGTERM:\n%s", p.log)
	}
	if code := p.cmd.ProcessState.ExitCode(); code != 0 {
		t.Errorf("exit code %d after SIGTERM, want 0:\n%s", code, p.log)
	}
	var got []string
	for _, m := range wa.Messages() {
		got = append(got, m.Text)
	}
	if strings.Join(got, "|") != "order shipped" {
		t.Errorf("the customer got %q, want the turn under way finished: %q\n%s", got, "order shipped", p.log)
	}
}

// SIGTERM while the server is still starting (loading the config, the
// flows, the NLU: seconds on a busy machine): it does not start serving
// and exits 0, as after it started. A SIGHUP then is no reason to die
// either. The config is a named pipe, so the test knows the process is
// reading it, past its flags, and what it does next waits for the test.
func TestServeSignalsDuringStartExitZero(t *testing.T) {
	for _, sigs := range [][]syscall.Signal{{syscall.SIGTERM}, {syscall.SIGHUP, syscall.SIGTERM}} {
		t.Run(fmt.Sprint(sigs), func(t *testing.T) {
			dir := t.TempDir()
			flow := copyExample(t, dir, "survey.yaml")
			cfg := filepath.Join(dir, "baton.yaml")
			if err := syscall.Mkfifo(cfg, 0o600); err != nil {
				t.Fatal(err)
			}
			cmd, log, done := startBatonProcess(t, nil, "serve", "--config", cfg, "--listen", "127.0.0.1:0")
			// Opening the pipe for writing returns once baton opened it
			// to read the config.
			w, err := os.OpenFile(cfg, os.O_WRONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range sigs {
				if cmd.Process.Signal(s) != nil {
					break // it died of the signal before: the exit code says so
				}
				time.Sleep(100 * time.Millisecond)
			}
			fmt.Fprintf(w, "channels:\n  web:\n    - flow: %s\n", flow)
			w.Close()
			select {
			case <-done:
			case <-time.After(time.Minute):
				t.Fatalf("still running a minute after SIGTERM:\n%s", log)
			}
			if code := cmd.ProcessState.ExitCode(); code != 0 {
				t.Errorf("exit code %d (%v) after %v during the start, want 0:\n%s", code, cmd.ProcessState, sigs, log)
			}
		})
	}
}
