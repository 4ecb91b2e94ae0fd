package host

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/batonbot/baton/config"
	"github.com/batonbot/baton/store/memory"
)

// On a loopback address, a request naming another host (a DNS-rebinding
// page: attacker.example resolved to 127.0.0.1) is refused with 421 and a
// line in the log, before it reaches the captured tickets or the web chat;
// server.hosts adds names (a tunnel's); the signed webhooks, the bridge
// and the health checks answer any name, as a tunnel forwards them.
func TestServeRefusesOtherHostNames(t *testing.T) {
	type req struct {
		host, path string
		refused    bool
	}
	for _, tc := range []struct {
		name   string
		listen string
		hosts  []string
		reqs   []req
	}{
		{"loopback", "127.0.0.1:8080", nil, []req{
			{"127.0.0.1:8080", "/api/tickets", false},
			{"localhost:8080", "/api/tickets", false},
			{"LOCALHOST", "/api/tickets", false},
			{"app.localhost:8080", "/", false},
			{"[::1]:8080", "/api/tickets", false},
			{"127.0.0.2", "/api/tickets", false},
			{"0.0.0.0:8080", "/api/tickets", false}, // a browser on Linux or macOS reaches 127.0.0.1 through it
			{"[::]:8080", "/", false},
			{"0.0.0.0.attacker.example", "/", true},
			{"attacker.example:8080", "/api/tickets", true},
			{"attacker.example", "/", true},
			{"localhost.attacker.example", "/api/tickets", true},
			{"10.0.0.1:8080", "/api/tickets", true},
			{"abc.ngrok-free.app", "/sandbox/", true},
			{"abc.ngrok-free.app", "/webhooks/whatsapp", false},
			{"abc.ngrok-free.app", "/webhooks/telegram/shop", false},
			{"abc.ngrok-free.app", "/bridge/zendesk", false},
			{"abc.ngrok-free.app", "/healthz", false},
			{"abc.ngrok-free.app", "/bridge/../api/tickets", true},
		}},
		{"ipv6 loopback", "[::1]:8080", nil, []req{
			{"[::1]:8080", "/api/tickets", false},
			{"[::]:8080", "/api/tickets", false},
			{"attacker.example", "/api/tickets", true},
		}},
		{"loopback with hosts", "localhost:8080", []string{"abc.ngrok-free.app", "*.example.com"}, []req{
			{"abc.ngrok-free.app", "/api/tickets", false},
			{"ABC.ngrok-free.app.:443", "/", false},
			{"shop.example.com", "/", false},
			{"example.com", "/", true},
			{"xyz.ngrok-free.app", "/", true},
			{"127.0.0.1:8080", "/api/tickets", false},
		}},
		{"loopback, any host", "127.0.0.1:8080", []string{"*"}, []req{
			{"attacker.example", "/", false},
		}},
		{"every address", "0.0.0.0:8080", nil, []req{
			{"bot.example.com", "/", false},
			{"10.0.0.1:8080", "/", false},
		}},
		{"every address with hosts", ":8080", []string{"bot.example.com"}, []req{
			{"bot.example.com", "/", false},
			{"localhost:8080", "/", false},
			{"0.0.0.0:8080", "/", false},
			{"other.example.com", "/", true},
			{"other.example.com", "/bridge/webhook", false},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := config.ForFlow("../cmd/baton/testdata/flows/shop.yaml")
			cfg.Server.Listen = tc.listen
			cfg.Server.Hosts = tc.hosts
			var logs bytes.Buffer
			srv, err := NewServer(cfg, ServerOptions{Logger: NewLogger(&logs, 0, false), Store: memory.New(), Sandbox: true, NoWatch: true})
			if err != nil {
				t.Fatal(err)
			}
			logged := map[string]bool{} // each name once
			for _, r := range tc.reqs {
				logs.Reset()
				rec := httptest.NewRecorder()
				hr := httptest.NewRequest(http.MethodGet, "http://x"+r.path, nil)
				hr.Host = r.host
				srv.Handler().ServeHTTP(rec, hr)
				refused := rec.Code == http.StatusMisdirectedRequest
				if refused != r.refused {
					t.Errorf("GET %s with Host %s: %d; want refused (421): %v\n%s", r.path, r.host, rec.Code, r.refused, rec.Body)
					continue
				}
				if !refused {
					continue
				}
				if !strings.Contains(rec.Body.String(), "server.hosts") {
					t.Errorf("Host %s: the refusal should say what to do: %q", r.host, rec.Body)
				}
				name := strings.ToLower(strings.Split(r.host, ":")[0])
				if logged[name] {
					continue
				}
				logged[name] = true
				if !strings.Contains(logs.String(), "refused a request for a host name not served") || !strings.Contains(logs.String(), `"path":"`) {
					t.Errorf("Host %s: the refusal should be logged with the name and path:\n%s", r.host, logs.String())
				}
			}
		})
	}
}

// The same through a real listening server: a browser's request naming
// another host never gets the tickets.
func TestServeHostCheckListening(t *testing.T) {
	cfg := config.ForFlow("../cmd/baton/testdata/flows/shop.yaml")
	srv, err := NewServer(cfg, ServerOptions{Logger: NewLogger(io.Discard, 0, false), Store: memory.New(), Sandbox: true, NoWatch: true})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler()) // on 127.0.0.1
	defer ts.Close()
	for host, want := range map[string]int{"": http.StatusOK, "attacker.example": http.StatusMisdirectedRequest} {
		req, _ := http.NewRequest("GET", ts.URL+"/api/tickets", nil)
		if host != "" {
			req.Host = host
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != want || (want != http.StatusOK && bytes.Contains(body, []byte("tickets"))) {
			t.Errorf("Host %q: %d %s; want %d", host, res.StatusCode, body, want)
		}
	}
}
