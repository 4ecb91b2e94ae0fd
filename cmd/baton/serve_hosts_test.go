package main

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The built binary listening on 127.0.0.1 refuses a request naming
// another host (a DNS-rebinding page) with 421 and a log line, serves the
// loopback names, the names of server.hosts, and the webhooks for any
// name (a tunnel forwards them with its own).
func TestServeRefusesOtherHostNamesListening(t *testing.T) {
	dir := t.TempDir()
	flow, err := filepath.Abs("testdata/flows/shop.yaml")
	if err != nil {
		t.Fatal(err)
	}
	addr := freeAddr(t)
	cfg := filepath.Join(dir, "baton.yaml")
	src := "server: {listen: \"" + addr + "\", hosts: [\"*.tunnel.example\"]}\nchannels:\n  web:\n    - flow: " + flow + "\n" +
		"bridge:\n  webhook: {secret: whsec_YSByYW5kb20gc2VjcmV0IDI0IGJ5dGVz}\n"
	if err := os.WriteFile(cfg, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		args []string
		reqs map[string]int // "host path" → status
	}{
		{"a flow", []string{"serve", "testdata/flows/shop.yaml", "--listen", addr}, map[string]int{
			"localhost /api/tickets":        http.StatusOK,
			"attacker.example /api/tickets": http.StatusMisdirectedRequest,
			"attacker.example /":            http.StatusMisdirectedRequest,
			"attacker.example /healthz":     http.StatusOK,
		}},
		{"a config with hosts", []string{"serve", "--config", cfg}, map[string]int{
			"abc.tunnel.example /":             http.StatusOK,
			"attacker.example /":               http.StatusMisdirectedRequest,
			"attacker.example /bridge/webhook": http.StatusUnauthorized, // reached: unsigned
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, log, _ := startBatonProcess(t, nil, tc.args...)
			waitUntil(t, "serving", func() bool { return strings.Contains(log.String(), `"msg":"serving"`) })
			for hp, want := range tc.reqs {
				host, path, _ := strings.Cut(hp, " ")
				method := "GET"
				if strings.HasPrefix(path, "/bridge/") {
					method = "POST"
				}
				req, _ := http.NewRequest(method, "http://"+addr+path, strings.NewReader("{}"))
				req.Host = host
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				body, _ := io.ReadAll(res.Body)
				res.Body.Close()
				if res.StatusCode != want {
					t.Errorf("%s %s with Host %s: %d %s; want %d", method, path, host, res.StatusCode, body, want)
				}
			}
			// The process logs a refusal before it answers, but its stderr
			// reaches log through a pipe the test reads on its own time:
			// the line may come after the answer.
			logged := func() bool {
				s := log.String()
				return strings.Contains(s, `refused a request for a host name not served`) && strings.Contains(s, `"host":"attacker.example"`)
			}
			for deadline := time.Now().Add(2 * time.Minute); !logged(); time.Sleep(10 * time.Millisecond) {
				if time.Now().After(deadline) {
					t.Fatalf("the refusals are not logged:\n%s", log)
				}
			}
		})
	}
}
