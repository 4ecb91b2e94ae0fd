package config

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/batonbot/baton/dsl"
	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/handoff"
	"github.com/batonbot/baton/sla"
)

// Config is a deployment (baton.yaml): where handoffs go, and for
// `baton serve` the server, the store, the channels and the bridge.
type Config struct {
	// Source is the file the config was read from.
	Source string
	// Handoff is the helpdesk side: connectors, teams, routing, priority,
	// SLA, notifications, NLU, masking, customer-facing messages.
	Handoff *handoff.Config
	Server  Server
	Store   Store
	// Channels are the messaging accounts `baton serve` answers on.
	Channels Channels
	// Bridge holds the secrets of the endpoints helpdesks call back
	// (agents' replies, ticket status changes).
	Bridge Bridge
	// SLA is the first-response and resolution targets per team and
	// priority (the sla: tables), for the handoffs' due times; SLAAlerts
	// where the SLA watcher alerts (sla.alerts).
	SLA       *sla.Table
	SLAAlerts SLAAlerts
	// Events is where `baton serve` writes analytics events.
	Events Events
	// Placeholders are the ${NAME} references whose variable is not set,
	// with WithPlaceholders; each reads as a placeholder (see Placeholder).
	Placeholders []EnvRef
	// ServeErrors are what `baton serve` refuses in sections only it
	// uses (a Freshdesk bridge secret under 16 characters, events.stream
	// without the valkey store), at their line:col: `baton chat --config`
	// takes such a config, `baton validate --config` reports them.
	ServeErrors dsl.Diagnostics
}

// EnvRef is a ${NAME} reference in the config.
type EnvRef struct {
	Name string
	// Where is the key that holds it, e.g. connectors.zendesk.token.
	Where string
	Pos   flows.Pos
}

// Option configures Parse and Load.
type Option func(*decoder)

// WithEnv resolves ${NAME} references with lookup (os.LookupEnv by
// default); a variable that is empty counts as not set.
func WithEnv(lookup func(string) (string, bool)) Option {
	return func(d *decoder) {
		if lookup != nil {
			d.lookup = lookup
		}
	}
}

// WithPlaceholders makes an unset variable no error: it reads as
// Placeholder(NAME) and is listed in Config.Placeholders. The sandbox and
// `baton validate` use it, since nothing is sent there.
func WithPlaceholders() Option { return func(d *decoder) { d.placeholders = true } }

// WithConnectors names connectors a program of its own provides beside
// the built-in ones (a helpdesk Baton has no connector for): the config
// may route handoffs to them by name (connectors.default, a team's or a
// rule's connector), has no keys for them, and Config.Handoff.Connectors
// lists them in Custom. The program builds them and hands them to
// host.NewServer (ServerOptions.Connectors, or NewConnectors for
// NewServer to build them with the built-in ones' options);
// examples/customserve shows how.
func WithConnectors(names ...string) Option {
	return func(d *decoder) { d.custom = append(d.custom, names...) }
}

// WithReadFile sets how Load reads the file (default: os.Open, at most
// 1 MiB and a byte read); the 1 MiB bound holds either way. `baton test
// --watch` reads through it to remember what each run read.
func WithReadFile(f func(name string) ([]byte, error)) Option {
	return func(d *decoder) { d.readFile = f }
}

// readWith is the readFile opts set, nil for the default.
func readWith(opts []Option) func(string) ([]byte, error) {
	var d decoder
	for _, o := range opts {
		o(&d)
	}
	return d.readFile
}

// maxSize bounds a config file.
const maxSize = 1 << 20

// Load reads and checks the deployment config at path (see Parse).
func Load(path string, opts ...Option) (*Config, dsl.Diagnostics) {
	src, diags := read(path, readWith(opts))
	if diags != nil {
		return nil, diags
	}
	return Parse(path, src, opts...)
}

// LoadFlowRefs is what can be read of the flow files the channels of the
// config at path name (FlowRefs) when the config has errors, in the same
// or in other sections: 'baton validate --config' checks those flows in
// the same run, so that every problem shows at once. It is nil when the
// file cannot be read or is not YAML.
func LoadFlowRefs(path string, opts ...Option) []FlowRef {
	c := LoadPartial(path, opts...)
	if c == nil {
		return nil
	}
	var out []FlowRef
	for _, r := range c.FlowRefs() {
		if r.Path != "" {
			out = append(out, r)
		}
	}
	return out
}

// LoadPartial is what can be read of the config at path when it has
// errors: its channels (FlowRefs) and, with WithPlaceholders, the ${NAME}
// references whose variable is not set (Placeholders), for 'baton
// validate --config' to report with the errors. It is nil when the file
// cannot be read or is not YAML; use Load to run a config.
func LoadPartial(path string, opts ...Option) *Config {
	src, diags := read(path, readWith(opts))
	if diags != nil {
		return nil
	}
	c, _ := parse(path, src, opts...)
	return c
}

// read reads the config at path, at most maxSize bytes, with readFile
// when not nil; diags says why it cannot.
func read(path string, readFile func(string) ([]byte, error)) ([]byte, dsl.Diagnostics) {
	if readFile == nil {
		readFile = func(path string) ([]byte, error) {
			f, err := os.Open(path)
			if err != nil {
				return nil, err
			}
			defer f.Close()
			return io.ReadAll(io.LimitReader(f, maxSize+1))
		}
	}
	src, err := readFile(path)
	if err == nil && len(src) > maxSize {
		err = fmt.Errorf("the file is over %d bytes; a deployment config is much smaller", maxSize)
	}
	if err == nil {
		return src, nil
	}
	msg := "reading the deployment config: " + strings.TrimPrefix(err.Error(), "open "+path+": ")
	if errors.Is(err, os.ErrNotExist) {
		msg += "; give the path of a baton.yaml (examples/baton.yaml is a complete one)"
	}
	return nil, dsl.Diagnostics{{Severity: dsl.Error, Summary: msg, Pos: flows.Pos{File: path}}}
}

// Parse decodes a deployment config. name is used in positions and flow
// paths in it are relative to name's directory. Every problem is reported
// at once, as dsl diagnostics (`path:line:col: error: message`); the
// config is nil when there are errors.
func Parse(name string, src []byte, opts ...Option) (*Config, dsl.Diagnostics) {
	c, diags := parse(name, src, opts...)
	if diags.HasErrors() {
		return nil, diags
	}
	return c, diags
}

// parse is Parse, with what could be decoded of the config even when
// there are errors (nil when it is not YAML or not bounded).
func parse(name string, src []byte, opts ...Option) (*Config, dsl.Diagnostics) {
	d := &decoder{file: name, lookup: os.LookupEnv}
	for _, o := range opts {
		o(d)
	}
	var doc yaml.Node
	protected := protect(src)
	dec := yaml.NewDecoder(bytes.NewReader(protected))
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			d.report(dsl.Error, flows.Pos{File: name}, "the deployment config is empty; start from examples/baton.yaml")
		} else {
			d.yamlError(protected, err)
		}
		return nil, d.diags
	}
	var root *yaml.Node
	if doc.Kind == yaml.DocumentNode && len(doc.Content) > 0 {
		root = doc.Content[0]
	}
	if !d.bounded(root) {
		return nil, d.diags
	}
	c := d.config(root)
	if d.diags.HasErrors() {
		// Refused anyway: what only serve refuses is said with the
		// rest (every problem at once), not once they are fixed.
		d.diags = append(d.diags, d.serveErrs...)
	}
	diags := d.sorted()
	sort.SliceStable(d.unset, func(i, j int) bool { return d.unset[i].Name < d.unset[j].Name })
	c.Placeholders = d.unset
	if diags.HasErrors() {
		return c, diags
	}
	c.Source = name
	c.Handoff.Source = name
	if w := c.Handoff.Connectors.Webhook; w != nil && IsPlaceholder(w.Secret) {
		w.Secret = placeholderWebhookSecret // nothing is sent: any valid secret signs
	}
	return c, diags
}

// topKeys are the sections of a deployment config.
var topKeys = []string{"version", "link", "masking", "nlu", "connectors", "teams", "routing", "priority", "sla", "notify", "messages",
	"delivery", "server", "store", "channels", "bridge", "events"}

// newConfig is an empty config, before defaults.
func newConfig() *Config {
	return &Config{Handoff: &handoff.Config{Teams: map[string]*handoff.ConfigTeam{}}}
}

// defaults fills what the file left out.
func (c *Config) defaults() {
	h := c.Handoff
	if h.NLU.Analyser == "" {
		h.NLU.Analyser = "builtin"
	}
	if h.Priority.Thresholds == nil {
		h.Priority.Thresholds = handoff.DefaultThresholds()
	}
	if h.Notify.MinPriority == "" {
		h.Notify.MinPriority = flows.PriorityUrgent
	}
	if h.Notify.TeamsFormat == "" {
		h.Notify.TeamsFormat = "adaptive"
	}
	if h.Routing.OutOfHours == "" {
		h.Routing.OutOfHours = handoff.OutOfHoursTicket
	}
	c.Server.defaults()
	c.Store.defaults()
}

// ForFlow is the config of `baton serve FLOW`: the web chat on the flow
// (widget web), on the memory store, with every default and no helpdesk.
func ForFlow(flow string) *Config {
	c := newConfig()
	c.Source = flow
	c.Handoff.Source = flow
	c.Channels.Web = []*Web{{Name: DefaultWebName, Flow: flow, FlowPos: flows.Pos{File: flow}}}
	c.defaults()
	return c
}

func (d *decoder) config(root *yaml.Node) *Config {
	c := newConfig()
	h := c.Handoff
	var routingNode *yaml.Node
	connectors := false
	for _, f := range d.mapping(root, "", topKeys...) {
		switch f.key.Value {
		case "version":
			if v := d.str(f.val, "version"); v != "1" {
				d.errorf(f.val, "version %q is not supported; this baton reads version 1", v)
			}
		case "link":
			h.Link = d.str(f.val, "link")
			if h.Link != "" && !strings.Contains(h.Link, "{id}") {
				d.errorf(f.val, "link must contain {id}, where the conversation id goes")
			}
		case "masking":
			h.Masking = d.boolean(f.val, "masking")
		case "nlu":
			h.NLU = d.nlu(f.val)
		case "connectors":
			connectors = true
			h.Connectors = d.connectors(f.val)
		case "teams":
			d.teams(f.val, h)
		case "routing":
			routingNode = f.val
			h.Routing = d.routing(f.val)
		case "priority":
			h.Priority = d.priority(f.val)
		case "sla":
			h.SLA = d.sla(f.val, "sla")
		case "notify":
			h.Notify = d.notify(f.val)
		case "messages":
			h.Messages = d.messages(f.val)
		case "delivery":
			h.Delivery = d.delivery(f.val)
		case "server":
			c.Server = d.server(f.val)
		case "store":
			c.Store = d.store(f.val)
		case "channels":
			c.Channels = d.channels(f.val)
		case "bridge":
			c.Bridge = d.bridge(f.val)
		case "events":
			c.Events = d.events(f.val)
		}
	}
	if !connectors && len(d.custom) > 0 {
		h.Connectors = d.connectors(nil)
	}
	d.buildSLA(c)
	c.defaults()
	d.crossCheck(h, root, routingNode)
	d.llmTimeoutFits(h.NLU.LLM.Timeout, c.Server.Lease)
	if d.streamNode != nil && c.Events.Stream != "" && c.Store.Kind != StoreValkey {
		d.serveErrorf(d.streamNode, "events.stream needs the valkey store (store.kind: valkey), so every instance writes one stream; use events.file or events.webhook with the %s store", c.Store.Kind)
	}
	c.ServeErrors = d.serveErrs
	return c
}

// Dir is the directory flow paths in the config are relative to.
func (c *Config) Dir() string { return filepath.Dir(c.Source) }

// yamlError reports a parser error where it is.
func (d *decoder) yamlError(src []byte, err error) {
	// Where the slip is, with its hint, as in a flow file (dsl.YAMLError
	// cuts the file after each line to find the first that fails).
	p, msg := dsl.YAMLError(d.file, src, err)
	d.report(dsl.Error, p, "not valid YAML: "+strings.TrimPrefix(msg, "invalid YAML: "))
}

var placeholderRef = regexp.MustCompile(`\$\{[A-Za-z_][A-Za-z0-9_]*\}`)

// Placeholder is what an unset variable reads as with WithPlaceholders:
// "${NAME}", or a URL for names ending in URL so that URL checks pass.
func Placeholder(name string) string { return placeholderFor(name) }

func placeholderFor(name string) string {
	if strings.HasSuffix(strings.ToUpper(name), "URL") {
		return "https://env.invalid/" + name
	}
	return "${" + name + "}"
}

// IsPlaceholder reports whether s holds a placeholder for an unset
// variable.
func IsPlaceholder(s string) bool {
	return placeholderRef.MatchString(s) || strings.HasPrefix(s, "https://env.invalid/")
}

// placeholderWebhookSecret signs webhook requests in the sandbox when the
// real secret is not set: the signature's shape is what matters there.
var placeholderWebhookSecret = "whsec_" + base64.StdEncoding.EncodeToString([]byte("baton sandbox placeholder"))

// RedactPlaceholders replaces the "${NAME}" placeholders in s with
// "[redacted]", for showing what would be sent.
func RedactPlaceholders(s string) string {
	if !strings.Contains(s, "${") {
		return s
	}
	return placeholderRef.ReplaceAllString(s, "[redacted]")
}
