package config

import (
	"encoding/base64"
	"fmt"
	"net"
	"net/netip"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/handoff"
)

// Server configures `baton serve`'s HTTP server.
type Server struct {
	// Listen is host:port (default 127.0.0.1:8080); --listen overrides it.
	Listen string
	// ShutdownTimeout bounds how long SIGTERM waits for the turns under
	// way (default 30s).
	ShutdownTimeout time.Duration
	// Workers is how many conversations take a turn at once (default 16).
	Workers int
	// HTTPTimeout is the most an HTTP action may take when its flow gives
	// no timeout (default 10s); HTTPMaxResponse caps the body read from
	// its answer (default 1 MiB).
	HTTPTimeout     time.Duration
	HTTPMaxResponse int64
	// MaxMessage is how many bytes of a customer's message the engine
	// keeps, matches and records (default 4096, engine.DefaultMaxMessage);
	// the rest is cut, with a mark of how much in the transcript.
	MaxMessage int
	// Lease is how long a process keeps a message, reply or helpdesk
	// delivery it claimed before another may take it over after a crash
	// (0: the host's and the deliverer's defaults, 1m and 4m).
	Lease time.Duration
	// VersionGrace is how long, on a shared store (Valkey), a message is
	// left for a process running the flow version its conversation's
	// state is in, when the process that took it runs a version without
	// that state it never ran itself (a rolling deploy); past it, the
	// conversation moves to on_reload as on a reload (0: the host's
	// default, 2m; at most MaxVersionGrace).
	VersionGrace time.Duration
	// Hosts are the host names (the request's Host, without its port)
	// served besides the loopback ones (localhost, 127.0.0.1, [::1]),
	// which are always served: a tunnel's or a reverse proxy's name,
	// "*.example.com" for its subdomains, "*" for any. Empty: on a
	// loopback listen address only the loopback names are served (a
	// DNS-rebinding page cannot reach the web chat or the captured
	// tickets), elsewhere any. The webhooks, the bridge, the media links
	// and the health checks are served for any name: they are signed or
	// say nothing. See HostAllowed.
	Hosts []string
}

// DefaultLease is the host's lease of a claimed message when
// server.lease is not given.
const DefaultLease = time.Minute

// MaxVersionGrace is the longest server.version_grace: a customer whose
// message waits longer for a process that may never come would think the
// bot broken.
const MaxVersionGrace = time.Hour

// MinLease is the shortest server.lease: a reply's send is given 30
// seconds and its settle 5 more, all under the lease; a shorter one would
// let another process claim the reply while it is being sent, and send it
// twice.
const MinLease = 35 * time.Second

// minLease is the check's MinLease; the fault tests' build
// (batonfaulttest) lowers it, to see crashed processes' work taken over
// in seconds.
var minLease = MinLease

// Defaults of the server section.
const (
	DefaultListen          = "127.0.0.1:8080"
	DefaultShutdownTimeout = 30 * time.Second
	DefaultWorkers         = 16
	DefaultHTTPTimeout     = 10 * time.Second
	DefaultHTTPMaxResponse = 1 << 20
	DefaultMaxMessage      = 4096
)

func (s *Server) defaults() {
	if s.Listen == "" {
		s.Listen = DefaultListen
	}
	if s.ShutdownTimeout == 0 {
		s.ShutdownTimeout = DefaultShutdownTimeout
	}
	if s.Workers == 0 {
		s.Workers = DefaultWorkers
	}
	if s.HTTPTimeout == 0 {
		s.HTTPTimeout = DefaultHTTPTimeout
	}
	if s.HTTPMaxResponse == 0 {
		s.HTTPMaxResponse = DefaultHTTPMaxResponse
	}
	if s.MaxMessage == 0 {
		s.MaxMessage = DefaultMaxMessage
	}
}

// Store kinds.
const (
	StoreMemory = "memory"
	StoreBolt   = "bolt"
	StoreValkey = "valkey"
)

// Store says where conversations, the inbox and the outbox are kept.
type Store struct {
	// Kind is memory (default: lost on exit), bolt (one embedded file)
	// or valkey (shared by several processes).
	Kind string
	// Path is the bolt database file.
	Path string
	// Valkey: URL (redis://[user:password@]host:port[/db], rediss:// for
	// TLS, ?addr=host:port for more cluster nodes), or Addresses
	// (host:port, several for a cluster), Username, Password, DB, TLS;
	// Prefix for every key.
	URL       string
	Addresses []string
	Username  string
	Password  string
	DB        int
	Prefix    string
	TLS       bool
	// SessionTTL forgets conversations untouched for this long (0: the
	// store's default).
	SessionTTL time.Duration
}

func (s *Store) defaults() {
	if s.Kind == "" {
		s.Kind = StoreMemory
	}
}

// Channels are the messaging accounts served.
type Channels struct {
	WhatsApp []*WhatsApp
	Telegram []*Telegram
	Web      []*Web
}

// Len is the number of channels configured.
func (c Channels) Len() int { return len(c.WhatsApp) + len(c.Telegram) + len(c.Web) }

// WhatsApp is one WhatsApp Business phone number on the Cloud API.
type WhatsApp struct {
	Pos flows.Pos
	// PhoneNumberID is the Cloud API's id of the business number (not the
	// number itself).
	PhoneNumberID string
	// Flow is the flow file's path, relative to the config's directory
	// when written relative (FlowPos is where it is written).
	Flow    string
	FlowPos flows.Pos
	// AccessToken authorises sends; AppSecret checks X-Hub-Signature-256;
	// VerifyToken answers Meta's verification handshake.
	AccessToken string
	AppSecret   string
	VerifyToken string
	// GraphURL is https://graph.facebook.com unless a test or proxy
	// stands in; APIVersion is the Graph API version (v24.0).
	GraphURL   string
	APIVersion string
	// Template is an approved message template sent when the 24-hour
	// customer-service window is closed (empty: a note goes on the ticket
	// instead); TemplateLanguage is its language code (default en).
	Template         string
	TemplateLanguage string
	// TypingAfter, when set, is how long a turn may run before the
	// customer's message is marked read with a typing indicator (0: never).
	TypingAfter time.Duration
}

// Telegram is one Telegram bot.
type Telegram struct {
	Pos flows.Pos
	// Name is the bot's name in Baton: its webhook is
	// /webhooks/telegram/{name} and its conversations
	// telegram:{name}:{chat id}.
	Name    string
	Flow    string
	FlowPos flows.Pos
	// Token is the Bot API token; SecretToken is the secret_token given
	// to setWebhook, checked on every update.
	Token       string
	SecretToken string
	// APIURL is https://api.telegram.org unless a test or proxy stands in.
	APIURL string
	// TypingAfter, when set, is how long a turn may run before the chat
	// shows "typing…" (0: never).
	TypingAfter time.Duration
}

// Web is one web chat widget.
type Web struct {
	Pos flows.Pos
	// Name is the widget's account name (default web): conversations are
	// web:{name}:{visitor id}.
	Name    string
	Flow    string
	FlowPos flows.Pos
}

// Defaults of the channels section.
const (
	DefaultGraphURL    = "https://graph.facebook.com"
	DefaultAPIVersion  = "v24.0"
	DefaultTelegramURL = "https://api.telegram.org"
	DefaultWebName     = "web"
)

// Bridge holds the secrets of the bridge endpoints (/bridge/zendesk,
// /bridge/freshdesk, /bridge/webhook); an absent one is not mounted.
type Bridge struct {
	// Zendesk is the webhook's signing secret (X-Zendesk-Webhook-Signature).
	Zendesk *BridgeSecret
	// Freshdesk is the X-Baton-Secret header's value.
	Freshdesk *BridgeSecret
	// Webhook is the Standard Webhooks secret ("whsec_…").
	Webhook *BridgeSecret
	// TimestampWindow is how far a signed request's timestamp may be from
	// now (0: 5 minutes); DedupeTTL how long a delivery id is remembered
	// (0: 48 hours, handoff.DefaultDedupeTTL).
	TimestampWindow time.Duration
	DedupeTTL       time.Duration
}

// BridgeSecret is one bridge endpoint's secret.
type BridgeSecret struct {
	Pos    flows.Pos
	Secret string
}

func (d *decoder) server(n *yaml.Node) Server {
	var s Server
	for _, f := range d.mapping(n, "server", serverKeys...) {
		w := "server." + f.key.Value
		switch f.key.Value {
		case "listen":
			s.Listen = d.str(f.val, w)
			if _, port, err := net.SplitHostPort(s.Listen); err != nil || port == "" {
				d.errorf(f.val, "%s must be host:port such as 127.0.0.1:8080 or :8080, not %q", w, s.Listen)
			}
		case "shutdown_timeout":
			s.ShutdownTimeout = d.duration(f.val, w)
		case "http_timeout":
			s.HTTPTimeout = d.duration(f.val, w)
		case "workers":
			s.Workers = d.count(f.val, w, 1, 4096)
		case "lease":
			s.Lease = d.duration(f.val, w)
			if s.Lease > 0 && s.Lease < minLease {
				d.errorf(f.val, "%s is at least %s: a reply's send (30s) and its settle (5s) must end before another process may take it over and send it again", w, minLease)
			}
		case "version_grace":
			s.VersionGrace = d.duration(f.val, w)
			if s.VersionGrace > MaxVersionGrace {
				d.errorf(f.val, "%s is at most %s: a message waits that long for a process running its conversation's flow version before the conversation moves to on_reload; deploy faster, or lower it", w, shortDuration(MaxVersionGrace))
				s.VersionGrace = 0
			}
		case "http_max_response":
			s.HTTPMaxResponse = int64(d.count(f.val, w, 1, 64<<20))
		case "max_message":
			s.MaxMessage = d.count(f.val, w, 256, 64<<10)
		case "hosts":
			s.Hosts = d.hosts(f.val, w)
		}
	}
	return s
}

// hosts reads server.hosts: host names, "*.name" or "*", lowercased.
func (d *decoder) hosts(n *yaml.Node, where string) []string {
	n = cfgResolve(n)
	var items []*yaml.Node
	switch {
	case n == nil:
	case n.Kind == yaml.SequenceNode:
		items = n.Content
	case n.Kind == yaml.ScalarNode && n.Tag != "!!null":
		items = []*yaml.Node{n}
	default:
		d.errorf(n, "%s must be a list of host names (such as abc.ngrok-free.app or *.example.com), not %s", where, cfgKind(n))
		return nil
	}
	var out []string
	for i, c := range items {
		w := where
		if n.Kind == yaml.SequenceNode {
			w = fmt.Sprintf("%s[%d]", where, i)
		}
		h := d.str(c, w)
		norm, ok := HostPattern(h)
		if !ok {
			d.errorf(c, "%s must be a host name such as abc.ngrok-free.app, *.example.com for its subdomains or * for any, without scheme, port or path, not %q", w, h)
			continue
		}
		out = append(out, norm)
	}
	return out
}

// hostLabel is one label of a DNS name.
var hostLabel = regexp.MustCompile(`^[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?$`)

// HostPattern checks one entry of server.hosts and gives it back
// lowercased, without brackets or a final dot: a host name, an IP
// address, "*.name" (the subdomains of name) or "*".
func HostPattern(h string) (string, bool) {
	h = strings.TrimSuffix(strings.ToLower(strings.TrimSpace(h)), ".")
	if h == "*" {
		return h, true
	}
	if ip, err := netip.ParseAddr(strings.TrimSuffix(strings.TrimPrefix(h, "["), "]")); err == nil && ip.Zone() == "" {
		return ip.Unmap().String(), true
	}
	name, wild := strings.CutPrefix(h, "*.")
	if name == "" || len(name) > 253 {
		return "", false
	}
	for _, l := range strings.Split(name, ".") {
		if !hostLabel.MatchString(l) {
			return "", false
		}
	}
	if wild {
		return "*." + name, true
	}
	return name, true
}

// count reads an integer in [lo, hi].
func (d *decoder) count(n *yaml.Node, where string, lo, hi int) int {
	s := d.str(n, where)
	v, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || v < lo || v > hi {
		d.errorf(n, "%s must be a whole number from %d to %d, not %q", where, lo, hi, s)
		return 0
	}
	return v
}

func (d *decoder) store(n *yaml.Node) Store {
	var s Store
	var kindNode *yaml.Node
	fields := d.mapping(n, "store", storeKeys...)
	for _, f := range fields {
		w := "store." + f.key.Value
		switch f.key.Value {
		case "kind":
			kindNode = f.val
			s.Kind = d.str(f.val, w)
			d.oneOf(f.val, s.Kind, w, StoreMemory, StoreBolt, StoreValkey)
		case "path":
			s.Path = d.str(f.val, w)
			if s.Path != "" && !filepath.IsAbs(s.Path) {
				s.Path = filepath.Join(filepath.Dir(d.file), s.Path)
			}
		case "url":
			s.URL = d.str(f.val, w)
			d.storeURL(f.val, s.URL)
		case "address", "addresses":
			s.Addresses = append(s.Addresses, d.list(f.val, w)...)
		case "username":
			s.Username = d.str(f.val, w)
		case "password":
			s.Password = d.str(f.val, w)
		case "db":
			s.DB = d.count(f.val, w, 0, 15)
		case "prefix":
			s.Prefix = d.str(f.val, w)
			if strings.ContainsAny(s.Prefix, "{}") {
				d.errorf(f.val, "store.prefix must not contain '{' or '}' (they keep a conversation's keys together), not %q", s.Prefix)
			}
		case "tls":
			s.TLS = d.boolean(f.val, w)
		case "session_ttl":
			s.SessionTTL = d.duration(f.val, w)
		}
	}
	d.storeKinds(fields, s.Kind)
	switch s.Kind {
	case StoreBolt:
		if s.Path == "" {
			d.errorf(cfgOr(kindNode, n), "store.kind bolt needs path: the database file, e.g. path: baton.db")
		}
	case StoreValkey:
		if len(s.Addresses) == 0 && s.URL == "" {
			d.errorf(cfgOr(kindNode, n), "store.kind valkey needs url: redis://host:port (or address: host:port of the server, a list for a cluster)")
		}
	}
	return s
}

// storeURL reports a store url the Valkey store would refuse when serve
// opens it: another scheme than the ones it reads. Only the scheme is
// shown, the rest may hold a password.
func (d *decoder) storeURL(n *yaml.Node, u string) {
	if u == "" || IsPlaceholder(u) {
		return
	}
	for _, p := range []string{"redis://", "rediss://", "valkey://", "valkeys://", "unix://"} {
		if strings.HasPrefix(u, p) {
			return
		}
	}
	shown := strconv.Quote(cfgRedact(u))
	if scheme, _, ok := strings.Cut(u, "://"); ok {
		shown = scheme + "://…"
	}
	d.errorf(n, "store.url must be redis://host:port (rediss:// for TLS, valkey://, valkeys:// or unix://), not %s", shown)
}

// storeKeyKind is the store kind each key of store: is for (kind and
// session_ttl are for every kind).
var storeKeyKind = map[string]string{"path": StoreBolt, "url": StoreValkey, "address": StoreValkey, "addresses": StoreValkey,
	"username": StoreValkey, "password": StoreValkey, "db": StoreValkey, "prefix": StoreValkey, "tls": StoreValkey}

// storeKinds reports the keys of store: that its kind does not read: a
// path without kind: bolt left the store in memory, and every conversation
// was lost at the next restart. With url, valkey reads no address,
// credentials, db or tls of their own.
func (d *decoder) storeKinds(fields []cfgField, kind string) {
	if kind != "" && kind != StoreMemory && kind != StoreBolt && kind != StoreValkey {
		return // reported already
	}
	withURL := false
	for _, f := range fields {
		withURL = withURL || f.key.Value == "url"
	}
	for _, f := range fields {
		want, ok := storeKeyKind[f.key.Value]
		switch {
		case want == StoreValkey && kind == StoreValkey && withURL && f.key.Value != "url" && f.key.Value != "prefix":
			d.errorf(f.key, "store.%s is not read with url: write it in the url (redis://user:password@host:port/db, rediss:// for TLS, ?addr=host:port for more nodes), or drop url", f.key.Value)
		case !ok || want == kind:
		case kind == "":
			d.errorf(f.key, "store.%s is for kind: %s; without kind: the store is memory, which keeps nothing across a restart: add kind: %s", f.key.Value, want, want)
		default:
			d.errorf(f.key, "store.%s is for kind: %s, not %s; remove it, or change the kind", f.key.Value, want, kind)
		}
	}
}

func (d *decoder) channels(n *yaml.Node) Channels {
	var c Channels
	for _, f := range d.mapping(n, "channels", channelsKeys...) {
		items := d.items(f.val, "channels."+f.key.Value)
		switch f.key.Value {
		case "whatsapp":
			seen := map[string]flows.Pos{}
			for i, it := range items {
				if wa := d.whatsapp(it, "channels.whatsapp["+strconv.Itoa(i)+"]"); wa != nil {
					d.unique(seen, it, wa.PhoneNumberID, "phone_number_id")
					c.WhatsApp = append(c.WhatsApp, wa)
				}
			}
		case "telegram":
			seen := map[string]flows.Pos{}
			for i, it := range items {
				if tg := d.telegram(it, "channels.telegram["+strconv.Itoa(i)+"]"); tg != nil {
					d.unique(seen, it, tg.Name, "name")
					c.Telegram = append(c.Telegram, tg)
				}
			}
		case "web":
			seen := map[string]flows.Pos{}
			for i, it := range items {
				if wb := d.web(it, "channels.web["+strconv.Itoa(i)+"]"); wb != nil {
					d.unique(seen, it, wb.Name, "name")
					c.Web = append(c.Web, wb)
				}
			}
		}
	}
	return c
}

// items reads a list of mappings; a single mapping is a list of one.
func (d *decoder) items(n *yaml.Node, where string) []*yaml.Node {
	n = cfgResolve(n)
	switch {
	case n == nil || (n.Kind == yaml.ScalarNode && n.Tag == "!!null"):
		return nil
	case n.Kind == yaml.MappingNode:
		return []*yaml.Node{n}
	case n.Kind != yaml.SequenceNode:
		d.errorf(n, "%s must be a list of accounts (- flow: ...), not %s", where, cfgKind(n))
		return nil
	}
	return n.Content
}

// unique reports a second account with the same key value.
func (d *decoder) unique(seen map[string]flows.Pos, n *yaml.Node, value, key string) {
	if value == "" {
		return
	}
	if first, dup := seen[value]; dup {
		d.errorf(n, "%s %q is configured twice (first at %s); each account is listed once", key, value, first)
		return
	}
	seen[value] = d.pos(cfgResolve(n))
}

// flow reads a flow path, relative to the config's directory.
func (d *decoder) flow(n *yaml.Node, where string) (string, flows.Pos) {
	p := d.str(n, where)
	if p == "" {
		return "", d.pos(n)
	}
	if !filepath.IsAbs(p) {
		p = filepath.Join(filepath.Dir(d.file), p)
	}
	return p, d.pos(cfgResolve(n))
}

var (
	digits     = regexp.MustCompile(`^[0-9]{1,32}$`)
	apiVersion = regexp.MustCompile(`^v[0-9]{1,3}\.[0-9]{1,2}$`)
	accountRe  = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)
	// Telegram's secret_token: 1-256 characters A-Z, a-z, 0-9, _ and -.
	secretTokenRe = regexp.MustCompile(`^[A-Za-z0-9_-]{1,256}$`)
)

func (d *decoder) whatsapp(n *yaml.Node, where string) *WhatsApp {
	wa := &WhatsApp{Pos: d.pos(cfgResolve(n))}
	var langNode *yaml.Node
	fields := d.mapping(n, where, whatsappKeys...)
	for _, f := range fields {
		w := where + "." + f.key.Value
		switch f.key.Value {
		case "phone_number_id":
			wa.PhoneNumberID = strings.TrimSpace(d.str(f.val, w))
			if wa.PhoneNumberID != "" && !digits.MatchString(wa.PhoneNumberID) {
				d.errorf(f.val, "%s: %q is not a phone number id; copy the number's id from the app's WhatsApp › API Setup page (digits, not the phone number)", w, wa.PhoneNumberID)
			}
		case "flow":
			wa.Flow, wa.FlowPos = d.flow(f.val, w)
		case "access_token":
			wa.AccessToken = d.str(f.val, w)
		case "app_secret":
			wa.AppSecret = d.str(f.val, w)
		case "verify_token":
			wa.VerifyToken = d.str(f.val, w)
		case "graph_url":
			wa.GraphURL = strings.TrimRight(d.url(f.val, w), "/")
		case "api_version":
			wa.APIVersion = d.str(f.val, w)
			if !apiVersion.MatchString(wa.APIVersion) {
				d.errorf(f.val, "%s must be a Graph API version such as %s, not %q", w, DefaultAPIVersion, wa.APIVersion)
			}
		case "template":
			wa.Template = d.str(f.val, w)
		case "template_language":
			wa.TemplateLanguage = d.str(f.val, w)
			langNode = f.val
		case "typing_after":
			wa.TypingAfter = d.typingAfter(f.val, w)
		}
	}
	if fields == nil {
		d.errorf(n, "%s needs phone_number_id, flow, access_token, app_secret and verify_token", where)
		return nil
	}
	d.require(n, where, map[string]string{
		"phone_number_id": wa.PhoneNumberID, "flow": wa.Flow, "access_token": wa.AccessToken,
		"app_secret": wa.AppSecret, "verify_token": wa.VerifyToken,
	}, "phone_number_id", "flow", "access_token", "app_secret", "verify_token")
	if wa.GraphURL == "" {
		wa.GraphURL = DefaultGraphURL
	}
	if wa.APIVersion == "" {
		wa.APIVersion = DefaultAPIVersion
	}
	if wa.Template == "" && langNode != nil {
		d.errorf(langNode, "%s.template_language is the language of template, which is not set: add template (the approved template sent once the 24-hour window is closed), or drop template_language", where)
	}
	if wa.Template != "" && wa.TemplateLanguage == "" {
		wa.TemplateLanguage = "en"
	}
	return wa
}

func (d *decoder) telegram(n *yaml.Node, where string) *Telegram {
	tg := &Telegram{Pos: d.pos(cfgResolve(n))}
	fields := d.mapping(n, where, telegramKeys...)
	for _, f := range fields {
		w := where + "." + f.key.Value
		switch f.key.Value {
		case "name":
			tg.Name = d.str(f.val, w)
			if tg.Name != "" && !accountRe.MatchString(tg.Name) {
				d.errorf(f.val, "%s: %q is not a usable name; it goes in the webhook's path, so use letters, digits, - and _ (at most 64)", w, tg.Name)
			}
		case "flow":
			tg.Flow, tg.FlowPos = d.flow(f.val, w)
		case "token":
			tg.Token = d.str(f.val, w)
		case "secret_token":
			tg.SecretToken = d.str(f.val, w)
			if tg.SecretToken != "" && !IsPlaceholder(tg.SecretToken) && !secretTokenRe.MatchString(tg.SecretToken) {
				d.errorf(f.val, "%s: Telegram takes 1 to 256 characters A-Z, a-z, 0-9, _ and - as a secret_token", w)
			}
		case "api_url":
			tg.APIURL = strings.TrimRight(d.url(f.val, w), "/")
		case "typing_after":
			tg.TypingAfter = d.typingAfter(f.val, w)
		}
	}
	if fields == nil {
		d.errorf(n, "%s needs name, flow, token and secret_token", where)
		return nil
	}
	d.require(n, where, map[string]string{"name": tg.Name, "flow": tg.Flow, "token": tg.Token, "secret_token": tg.SecretToken},
		"name", "flow", "token", "secret_token")
	if tg.APIURL == "" {
		tg.APIURL = DefaultTelegramURL
	}
	return tg
}

func (d *decoder) web(n *yaml.Node, where string) *Web {
	wb := &Web{Pos: d.pos(cfgResolve(n))}
	fields := d.mapping(n, where, webKeys...)
	for _, f := range fields {
		w := where + "." + f.key.Value
		switch f.key.Value {
		case "name":
			wb.Name = d.str(f.val, w)
			if wb.Name != "" && !accountRe.MatchString(wb.Name) {
				d.errorf(f.val, "%s: %q is not a usable name; use letters, digits, - and _ (at most 64)", w, wb.Name)
			}
		case "flow":
			wb.Flow, wb.FlowPos = d.flow(f.val, w)
		}
	}
	if fields == nil || wb.Flow == "" {
		d.errorf(n, "%s needs flow: the flow file the widget talks to", where)
		return nil
	}
	if wb.Name == "" {
		wb.Name = DefaultWebName
	}
	return wb
}

// webhookSecret reports whether s is "whsec_" followed by base64, with or
// without its padding, of a key of at least one byte: what the webhook
// connector and the bridge's handler take (handoff's webhookKey).
func webhookSecret(s string) bool {
	b64, ok := strings.CutPrefix(strings.TrimSpace(s), "whsec_")
	if !ok {
		return false
	}
	key, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		key, err = base64.RawStdEncoding.DecodeString(b64)
	}
	return err == nil && len(key) > 0
}

// require reports the keys of an account that are missing, in order.
func (d *decoder) require(n *yaml.Node, where string, got map[string]string, order ...string) {
	var missing []string
	for _, k := range order {
		if got[k] == "" {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		d.errorf(n, "%s needs %s", where, strings.Join(missing, ", "))
	}
}

func (d *decoder) bridge(n *yaml.Node) Bridge {
	var b Bridge
	var ttlNode *yaml.Node
	for _, f := range d.mapping(n, "bridge", bridgeKeys...) {
		switch f.key.Value {
		case "timestamp_window":
			if b.TimestampWindow = d.duration(f.val, "bridge.timestamp_window"); b.TimestampWindow > time.Hour {
				d.errorf(f.val, "bridge.timestamp_window is at most 1h: a captured request could be replayed for that long")
			}
			continue
		case "dedupe_ttl":
			ttlNode = f.val
			if b.DedupeTTL = d.duration(f.val, "bridge.dedupe_ttl"); b.DedupeTTL > 0 && b.DedupeTTL < time.Hour {
				d.errorf(f.val, "bridge.dedupe_ttl is at least 1h: helpdesks retry a failed call for a while")
			}
			continue
		}
		key := "secret"
		if f.key.Value == "zendesk" {
			key = "signing_secret"
		}
		w := "bridge." + f.key.Value
		s := &BridgeSecret{Pos: d.pos(f.key)}
		var secretNode *yaml.Node
		for _, g := range d.mapping(f.val, w, key) {
			s.Secret = d.str(g.val, w+"."+key)
			secretNode = g.val
		}
		if s.Secret == "" {
			d.errorf(f.key, "%s needs %s: the secret the helpdesk signs its calls with (%s: ${...})", w, key, key)
			continue
		}
		switch f.key.Value {
		case "zendesk":
			b.Zendesk = s
		case "freshdesk":
			// As handoff.NewFreshdeskHandler takes it.
			if !IsPlaceholder(s.Secret) && len(strings.TrimSpace(s.Secret)) < 16 {
				d.serveErrorf(secretNode, "%s.secret must be at least 16 characters, a random secret the Freshdesk automation sends in its X-Baton-Secret header (openssl rand -hex 16)", w)
			}
			b.Freshdesk = s
		case "webhook":
			if !IsPlaceholder(s.Secret) && !webhookSecret(s.Secret) {
				d.errorf(f.key, "%s.secret must be a Standard Webhooks secret: whsec_ followed by base64 (e.g. whsec_%s)", w,
					base64.StdEncoding.EncodeToString([]byte("a random secret 24 bytes")))
				continue
			}
			b.Webhook = s
		}
	}
	// Freshdesk's requests, which carry no delivery id, are remembered for
	// the content TTL (handoff.DefaultContentDedupeTTL), at most this one.
	if b.Freshdesk != nil && b.DedupeTTL >= time.Hour && b.DedupeTTL < handoff.DefaultContentDedupeTTL {
		d.errorf(ttlNode, "bridge.dedupe_ttl is at least 2h with bridge.freshdesk: Freshdesk retries a failed webhook up to 95 minutes later, and a shorter TTL would deliver that retry (an agent's reply) to the customer again")
	}
	return b
}

// FlowRef is a flow file a channel names.
type FlowRef struct {
	Path string
	// Where is the key that names it, e.g. channels.web[0].flow.
	Where string
	Pos   flows.Pos
}

// FlowRefs lists the flow files the channels name, in the config's order
// (a file named twice is listed twice).
func (c *Config) FlowRefs() []FlowRef {
	var out []FlowRef
	for i, w := range c.Channels.WhatsApp {
		out = append(out, FlowRef{w.Flow, "channels.whatsapp[" + strconv.Itoa(i) + "].flow", w.FlowPos})
	}
	for i, t := range c.Channels.Telegram {
		out = append(out, FlowRef{t.Flow, "channels.telegram[" + strconv.Itoa(i) + "].flow", t.FlowPos})
	}
	for i, w := range c.Channels.Web {
		out = append(out, FlowRef{w.Flow, "channels.web[" + strconv.Itoa(i) + "].flow", w.FlowPos})
	}
	return out
}

// typingAfter decodes a channel's typing_after: a turn slower than it
// shows the customer a typing indicator, which WhatsApp keeps for 25
// seconds at most.
func (d *decoder) typingAfter(n *yaml.Node, where string) time.Duration {
	v := d.duration(n, where)
	if v > 20*time.Second {
		d.errorf(n, "%s is at most 20s: a typing indicator shows for 25 seconds at most, and a reply slower than that needs no indicator after it", where)
	}
	return v
}
