// Command customserve is `baton serve` with a helpdesk Baton has no
// connector for: the Chatwoot connector of examples/connector, which
// baton.yaml routes handoffs to by the name "chatwoot" like a built-in
// one. It is the whole program a company writes to run Baton with an
// adapter of its own (a helpdesk here; an analyser goes in the same way,
// with host.WithAnalyzer in ServerOptions.Host):
//
//   - load the config with config.WithConnectors("chatwoot"), so that
//     connectors.default, teams and rules may name it;
//   - give host.NewServer, in ServerOptions.NewConnectors, the function
//     that builds the connector: it is called with the options the
//     built-in connectors get (handoff.ConfigOptions: masking, the
//     conversation link; the server's HTTP client, ServerOptions.HTTPClient
//     or its default; the customer's media);
//   - serve until SIGTERM, reloading the flows on SIGHUP.
//
// The agents' replies come back through the bridge's generic callback:
// with bridge: webhook: {secret: ...} in baton.yaml, Chatwoot's webhooks,
// through a relay that signs them, post agent.message and ticket.status
// to /bridge/webhook for the conversation the connector wrote in the
// Chatwoot conversation's custom_attributes (docs/channels.md, "The
// generic webhook").
//
// Its settings come from the environment (BATON_CHATWOOT_URL, BATON_CHATWOOT_ACCOUNT_ID,
// BATON_CHATWOOT_INBOX_ID, BATON_CHATWOOT_TOKEN, as the connector says):
//
//	go run ./examples/customserve --config baton.yaml
//
// with a baton.yaml such as
//
//	channels:
//	  web: [{flow: flows/support.yaml}]
//	connectors: {default: chatwoot}
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strconv"
	"syscall"

	"github.com/batonbot/baton/config"
	"github.com/batonbot/baton/examples/connector"
	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/handoff"
	"github.com/batonbot/baton/host"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Getenv, os.Stderr, nil))
}

// run is the program: it serves until ctx ends, and returns the exit
// code. ready, when not nil, gets the address it listens on.
func run(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer, ready chan<- string) int {
	fs := flag.NewFlagSet("customserve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", "baton.yaml", "the deployment `config`")
	listen := fs.String("listen", "", "listen on this `address`, overriding server.listen")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	cfg, diags := config.Load(*cfgPath, config.WithConnectors("chatwoot"), config.WithEnv(func(name string) (string, bool) {
		v := getenv(name)
		return v, v != ""
	}))
	if diags.HasErrors() {
		diags.Print(stderr)
		return 1
	}
	if *listen != "" {
		cfg.Server.Listen = *listen
	}
	// The address is bound once the config and the flows are checked,
	// before the store is opened: an address in use is said at once and
	// leaves no bolt file behind.
	var l net.Listener
	srv, err := host.NewServer(cfg, host.ServerOptions{
		Logger: host.NewLogger(stderr, slog.LevelInfo, false),
		Getenv: getenv,
		// Built with the options the built-in connectors get (masking, the
		// conversation link, time zones, the call timeout, the server's
		// HTTP client).
		NewConnectors: map[string]host.ConnectorFunc{"chatwoot": func(opts ...handoff.ConnectorOption) (flows.Connector, error) {
			return newChatwoot(getenv, opts...)
		}},
		BeforeStore: func() (err error) {
			l, err = net.Listen("tcp", cfg.Server.Listen)
			return err
		},
	})
	if err != nil {
		if l != nil {
			l.Close()
		}
		fmt.Fprintf(stderr, "customserve: %v\n", err)
		return 1
	}
	if ready != nil {
		ready <- l.Addr().String()
	}
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case <-hup:
				_ = srv.Reload() // a flow that no longer validates is logged and refused
			}
		}
	}()
	if err := srv.Serve(ctx, l); err != nil {
		fmt.Fprintf(stderr, "customserve: %v\n", err)
		return 1
	}
	return 0
}

// newChatwoot builds the connector from the environment.
func newChatwoot(getenv func(string) string, opts ...handoff.ConnectorOption) (*connector.Chatwoot, error) {
	account, err := strconv.Atoi(getenv("BATON_CHATWOOT_ACCOUNT_ID"))
	if err != nil {
		return nil, errors.New("BATON_CHATWOOT_ACCOUNT_ID must be the Chatwoot account's number (the N of /app/accounts/N/ in its address)")
	}
	inbox, err := strconv.Atoi(getenv("BATON_CHATWOOT_INBOX_ID"))
	if err != nil {
		return nil, errors.New("BATON_CHATWOOT_INBOX_ID must be the number of the API inbox Baton's conversations open in (Settings › Inboxes)")
	}
	return connector.NewChatwoot(getenv("BATON_CHATWOOT_URL"), account, inbox, getenv("BATON_CHATWOOT_TOKEN"), opts...)
}
