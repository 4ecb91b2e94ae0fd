package loadgen_test

import (
	"context"
	"io"
	"net"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/batonbot/baton/config"
	"github.com/batonbot/baton/host"
	"github.com/batonbot/baton/loadgen"
)

// serve starts `baton serve FLOW` on a free port and returns its URL.
func serve(t *testing.T, flow string) string {
	t.Helper()
	srv, err := host.NewServer(config.ForFlow(flow), host.ServerOptions{Logger: host.NewLogger(io.Discard, 0, false), Sandbox: true, NoWatch: true})
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, l) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	})
	return "http://" + l.Addr().String()
}

func TestRun(t *testing.T) {
	url := serve(t, "../cmd/baton/testdata/flows/shop.yaml")
	scripts := []loadgen.Script{
		{Name: "order", Steps: []loadgen.Step{{Text: "hello"}, {Payload: "order"}, {Text: "A12345"}}},
		{Name: "faq", Steps: []loadgen.Step{{Text: "hi"}, {Payload: "faq"}, {Payload: "no"}}},
	}
	rep, err := loadgen.Run(context.Background(), loadgen.Options{URL: url, Concurrency: 4, Duration: time.Second, Settle: 100 * time.Millisecond}, scripts)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Errors != 0 || rep.Turns < 6 || rep.Replies < rep.Turns || rep.P50 <= 0 || rep.P99 < rep.P50 || rep.Scripts != 2 {
		t.Errorf("report %+v", rep)
	}
	t.Logf("%+v", rep)
	for _, bad := range []string{"http://127.0.0.1:1", url + "/metrics?", "ftp://x"} {
		if _, err := loadgen.Run(context.Background(), loadgen.Options{URL: bad, Duration: time.Second}, scripts); err == nil {
			t.Errorf("%s was accepted as a web chat", bad)
		}
	}
}

// ServeScripts give each message the replies its test's bot: check asks
// for, which calibration waits for.
func TestServeScriptsStateReplies(t *testing.T) {
	flow, err := filepath.Abs("../cmd/baton/testdata/flows/shop.yaml")
	if err != nil {
		t.Fatal(err)
	}
	test := `flow: ` + flow + `
conversations:
  - name: stated
    steps:
      - user: hi
        bot: "Hi! How can I help?"
      - user: "1"
      - button: order
        bot: [{contains: order}, "Anything else?"]
      - user: bye
        bot: []
      - agent: hello
        bot: hello
`
	path := filepath.Join(t.TempDir(), "stated_test.yaml")
	if err := os.WriteFile(path, []byte(test), 0o644); err != nil {
		t.Fatal(err)
	}
	scripts, problems := loadgen.ServeScripts([]string{path})
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	want := []loadgen.Step{{Text: "hi", Replies: 1}, {Text: "1"}, {Payload: "order", Replies: 2}, {Text: "bye", Exact: true}}
	if len(scripts) != 1 || !slices.Equal(scripts[0].Steps, want) {
		t.Errorf("scripts %+v, want one with steps %+v", scripts, want)
	}
}
