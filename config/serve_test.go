package config

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestParseExampleServeSections(t *testing.T) {
	c := loadExampleConfig(t)
	wa, tg, web := c.Channels.WhatsApp[0], c.Channels.Telegram[0], c.Channels.Web[0]
	checks := []struct {
		name      string
		got, want any
	}{
		{"listen", c.Server.Listen, "127.0.0.1:8080"},
		{"shutdown", c.Server.ShutdownTimeout, 30 * time.Second},
		{"workers", c.Server.Workers, 16},
		{"http max", c.Server.HTTPMaxResponse, int64(1 << 20)},
		{"max message", c.Server.MaxMessage, 4096},
		{"store", c.Store.Kind, StoreMemory},
		{"channels", c.Channels.Len(), 3},
		{"phone number id", wa.PhoneNumberID, "106540352242922"},
		{"flow relative to the config", wa.Flow, filepath.Join("..", "examples", "flows", "support.yaml")},
		{"flow position", wa.FlowPos.String(), "../examples/baton.yaml:" + exampleLine(t, "      flow: flows/support.yaml") + ":13"},
		{"access token", wa.AccessToken, "wa-token"},
		{"app secret", wa.AppSecret, "wa-app-secret"},
		{"verify token", wa.VerifyToken, "wa-verify"},
		{"graph url", wa.GraphURL, DefaultGraphURL},
		{"api version", wa.APIVersion, "v24.0"},
		{"telegram name", tg.Name, "shop"},
		{"telegram token", tg.Token, "123:tg-token"},
		{"telegram secret", tg.SecretToken, "tg-secret"},
		{"telegram api", tg.APIURL, DefaultTelegramURL},
		{"web name", web.Name, "web"},
		{"zendesk bridge", c.Bridge.Zendesk.Secret, "zd-signing"},
		{"freshdesk bridge", c.Bridge.Freshdesk.Secret, "fd-secret"},
		{"webhook bridge", c.Bridge.Webhook.Secret, "whsec_d2gtc2VjcmV0"},
		{"flow refs", len(c.FlowRefs()), 3},
	}
	for _, ck := range checks {
		if ck.got != ck.want {
			t.Errorf("%s = %#v, want %#v", ck.name, ck.got, ck.want)
		}
	}
}

func loadExampleConfig(t *testing.T) *Config {
	t.Helper()
	c, diags := Load("../examples/baton.yaml", WithEnv(envOf(exampleEnv)))
	if diags.HasErrors() {
		t.Fatalf("examples/baton.yaml does not load:\n%v", diags.Err())
	}
	return c
}

// The issue's own example writes secrets unquoted inside flow mappings,
// which plain YAML would refuse.
func TestSecretsInFlowMappings(t *testing.T) {
	src := "bridge:\n  zendesk: {signing_secret: ${ZD}}\n  webhook: {secret: \"${WH}\"}\nserver: {listen: \"127.0.0.1:9090\"}\n"
	c, diags := Parse("b.yaml", []byte(src), WithEnv(envOf(map[string]string{"ZD": "s3cret", "WH": "whsec_eA=="})))
	if diags.HasErrors() {
		t.Fatal(diags.Err())
	}
	if c.Bridge.Zendesk.Secret != "s3cret" || c.Bridge.Webhook.Secret != "whsec_eA==" || c.Server.Listen != "127.0.0.1:9090" {
		t.Errorf("bridge %+v %+v, listen %q", c.Bridge.Zendesk, c.Bridge.Webhook, c.Server.Listen)
	}
	_, diags = Parse("b.yaml", []byte(src), WithEnv(envOf(nil)))
	if err := diags.Err(); err == nil || !strings.Contains(err.Error(), "b.yaml:2:29: error: bridge.zendesk.signing_secret: environment variable ZD is not set") {
		t.Errorf("the unset secret is not reported where it is written: %v", err)
	}
}

func TestPlaceholders(t *testing.T) {
	c, diags := Load("../examples/baton.yaml", WithEnv(envOf(nil)), WithPlaceholders())
	if diags.HasErrors() {
		t.Fatal(diags.Err())
	}
	if len(c.Placeholders) != 15 { // sla.alerts.slack too
		t.Errorf("%d placeholders, want 15: %+v", len(c.Placeholders), c.Placeholders)
	}
	if c.Channels.WhatsApp[0].AccessToken != "${WHATSAPP_TOKEN}" || !IsPlaceholder(c.Handoff.Notify.Slack) {
		t.Errorf("placeholders read as %q and %q", c.Channels.WhatsApp[0].AccessToken, c.Handoff.Notify.Slack)
	}
	if got := RedactPlaceholders(`{"token":"${WHATSAPP_TOKEN}"}`); got != `{"token":"[redacted]"}` {
		t.Errorf("redacted: %s", got)
	}
}

func TestServeSectionErrors(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want []string
	}{
		{"listen", "server: {listen: 8080}\n", []string{`cfg.yaml:1:18: error: server.listen must be host:port such as 127.0.0.1:8080 or :8080, not "8080"`}},
		{"workers", "server: {workers: lots}\n", []string{`server.workers must be a whole number from 1 to 4096, not "lots"`}},
		{"max message too small", "server: {max_message: 100}\n", []string{`cfg.yaml:1:23: error: server.max_message must be a whole number from 256 to 65536, not "100"`}},
		{"lease too short", "server: {lease: 10s}\n", []string{`cfg.yaml:1:17: error: server.lease is at least 35s: a reply's send (30s) and its settle (5s)`}},
		{"version grace too long", "server: {version_grace: 2h}\n", []string{`cfg.yaml:1:25: error: server.version_grace is at most 1h: a message waits that long`}},
		{"version grace not a duration", "server:\n  version_grace: soon\n", []string{`cfg.yaml:2:18: error: server.version_grace must be a positive duration such as 30m, 2h or 1d, not "soon"`}},
		{"hosts with a scheme", "server: {hosts: [\"https://abc.ngrok-free.app\"]}\n", []string{`cfg.yaml:1:18: error: server.hosts[0] must be a host name such as abc.ngrok-free.app, *.example.com for its subdomains or * for any, without scheme, port or path, not "https://abc.ngrok-free.app"`}},
		{"hosts with a port", "server:\n  hosts: [ok.example.com, \"abc.ngrok-free.app:443\"]\n", []string{`cfg.yaml:2:27: error: server.hosts[1] must be a host name`}},
		{"hosts with a wildcard inside", "server: {hosts: \"a.*.example.com\"}\n", []string{`cfg.yaml:1:17: error: server.hosts must be a host name`}},
		{"hosts not a list", "server: {hosts: {a: b}}\n", []string{`cfg.yaml:1:17: error: server.hosts must be a list of host names`}},
		{"unknown server key", "server: {listne: x}\n", []string{`cfg.yaml:1:10: error: unknown key "listne" in server; did you mean "listen"?`}},
		{"store kind", "store: {kind: redis}\n", []string{`store.kind must be one of memory, bolt, valkey, not "redis"`}},
		{"bolt needs a path", "store: {kind: bolt}\n", []string{"cfg.yaml:1:15: error: store.kind bolt needs path"}},
		{"valkey needs a url", "store:\n  kind: valkey\n", []string{"cfg.yaml:2:9: error: store.kind valkey needs url"}},
		{"a path without kind", "store: {path: baton.db}\n", []string{"cfg.yaml:1:9: error: store.path is for kind: bolt; without kind: the store is memory, which keeps nothing across a restart: add kind: bolt"}},
		{"a url without kind", "store:\n  url: redis://h:6379\n", []string{"cfg.yaml:2:3: error: store.url is for kind: valkey; without kind: the store is memory"}},
		{"a path with memory", "store: {kind: memory, path: baton.db}\n", []string{"cfg.yaml:1:23: error: store.path is for kind: bolt, not memory"}},
		{"url and tls", "store: {kind: valkey, url: \"redis://h:6379\", tls: true}\n", []string{"cfg.yaml:1:46: error: store.tls is not read with url"}},
		{"url and a password", "store: {kind: valkey, url: \"redis://h:6379\", password: s3cret, db: 2}\n", []string{"cfg.yaml:1:46: error: store.password is not read with url", "store.db is not read with url"}},
		{"a prefix with bolt", "store: {kind: bolt, path: b.db, prefix: x}\n", []string{"cfg.yaml:1:33: error: store.prefix is for kind: valkey, not bolt"}},
		{"a url of another scheme", "store: {kind: valkey, url: \"http://u:s3cret@h:6379\"}\n", []string{"cfg.yaml:1:28: error: store.url must be redis://host:port (rediss:// for TLS, valkey://, valkeys:// or unix://), not http://…"}},
		{"a url without a scheme", "store: {kind: valkey, url: \"h:6379\"}\n", []string{"cfg.yaml:1:28: error: store.url must be redis://host:port (rediss:// for TLS, valkey://, valkeys:// or unix://), not \"h:6379\""}},
		{"a prefix with braces", "store: {kind: valkey, url: \"redis://h:6379\", prefix: \"a{b}\"}\n", []string{"cfg.yaml:1:54: error: store.prefix must not contain '{' or '}' (they keep a conversation's keys together), not \"a{b}\""}},
		{"whatsapp missing keys", "channels:\n  whatsapp:\n    - phone_number_id: \"1065\"\n      flow: f.yaml\n",
			[]string{"cfg.yaml:3:7: error: channels.whatsapp[0] needs access_token, app_secret, verify_token"}},
		{"phone number, not its id", "channels:\n  whatsapp:\n    - {phone_number_id: \"+39 333\", flow: f.yaml, access_token: a, app_secret: b, verify_token: c}\n",
			[]string{`channels.whatsapp[0].phone_number_id: "+39 333" is not a phone number id`}},
		{"api version", "channels:\n  whatsapp:\n    - {phone_number_id: \"1\", flow: f, access_token: a, app_secret: b, verify_token: c, api_version: \"24\"}\n",
			[]string{`channels.whatsapp[0].api_version must be a Graph API version such as v24.0, not "24"`}},
		{"template language without template", "channels:\n  whatsapp:\n    - {phone_number_id: \"1\", flow: f, access_token: a, app_secret: b, verify_token: c, template_language: it}\n",
			[]string{`cfg.yaml:3:107: error: channels.whatsapp[0].template_language is the language of template, which is not set`}},
		{"twice", "channels:\n  whatsapp:\n    - {phone_number_id: \"1\", flow: f, access_token: a, app_secret: b, verify_token: c}\n    - {phone_number_id: \"1\", flow: g, access_token: a, app_secret: b, verify_token: c}\n",
			[]string{`cfg.yaml:4:7: error: phone_number_id "1" is configured twice (first at cfg.yaml:3:7)`}},
		{"telegram name", "channels:\n  telegram:\n    - {name: my shop, flow: f, token: t, secret_token: s}\n",
			[]string{`channels.telegram[0].name: "my shop" is not a usable name`}},
		{"telegram secret", "channels:\n  telegram:\n    - {name: shop, flow: f, token: t, secret_token: \"no spaces!\"}\n",
			[]string{`channels.telegram[0].secret_token: Telegram takes 1 to 256 characters`}},
		{"typing after too long", "channels:\n  telegram:\n    - {name: shop, flow: f, token: t, secret_token: s, typing_after: 30s}\n",
			[]string{`cfg.yaml:3:70: error: channels.telegram[0].typing_after is at most 20s`}},
		{"telegram needs", "channels:\n  telegram:\n    - {name: shop}\n", []string{"channels.telegram[0] needs flow, token, secret_token"}},
		{"web needs a flow", "channels:\n  web:\n    - {name: site}\n", []string{"cfg.yaml:3:7: error: channels.web[0] needs flow"}},
		{"channels not a list", "channels:\n  web: yes\n", []string{`channels.web must be a list of accounts (- flow: ...), not "yes"`}},
		{"unknown channel", "channels:\n  whatsap: []\n", []string{`unknown key "whatsap" in channels; did you mean "whatsapp"?`}},
		{"bridge secret", "bridge:\n  zendesk: {}\n", []string{"cfg.yaml:2:3: error: bridge.zendesk needs signing_secret"}},
		{"webhook secret shape", "bridge:\n  webhook: {secret: hunter2}\n", []string{"cfg.yaml:2:3: error: bridge.webhook.secret must be a Standard Webhooks secret"}},
		{"alias bomb", "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n",
			[]string{"the config is too large or too deeply nested once its aliases are expanded"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, diags := Parse("cfg.yaml", []byte(tt.src), WithEnv(envOf(nil)))
			err := diags.Err()
			if err == nil {
				t.Fatalf("Parse succeeded, want errors %q", tt.want)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q; got:\n%s", w, err)
				}
			}
		})
	}
}

// exampleLine is the number of the first line of examples/baton.yaml that
// starts with prefix, so positions are checked without pinning the file.
func exampleLine(t *testing.T, prefix string) string {
	t.Helper()
	src, err := os.ReadFile("../examples/baton.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for i, l := range strings.Split(string(src), "\n") {
		if strings.HasPrefix(l, prefix) {
			return strconv.Itoa(i + 1)
		}
	}
	t.Fatalf("examples/baton.yaml has no line starting with %q", prefix)
	return ""
}

// server.hosts: names lowercased, without a final dot or brackets; a
// wildcard for subdomains; a single name as a list of one.
func TestServerHosts(t *testing.T) {
	for _, tc := range []struct {
		src  string
		want []string
	}{
		{"server: {hosts: [ABC.ngrok-free.app., \"*.Example.com\", \"[::1]\", 10.0.0.7]}\n", []string{"abc.ngrok-free.app", "*.example.com", "::1", "10.0.0.7"}},
		{"server: {hosts: bot.example.com}\n", []string{"bot.example.com"}},
		{"server: {hosts: [\"*\"]}\n", []string{"*"}},
		{"server: {}\n", nil},
	} {
		c, diags := Parse("cfg.yaml", []byte(tc.src), WithEnv(envOf(nil)))
		if diags.HasErrors() {
			t.Fatalf("%s: %v", tc.src, diags.Err())
		}
		if !slices.Equal(c.Server.Hosts, tc.want) {
			t.Errorf("%s: hosts %q, want %q", tc.src, c.Server.Hosts, tc.want)
		}
	}
}

// server.version_grace: a duration up to an hour; unset, the host's
// default (2m).
func TestServerVersionGrace(t *testing.T) {
	for _, tc := range []struct {
		src  string
		want time.Duration
	}{
		{"server: {version_grace: 30s}\n", 30 * time.Second},
		{"server: {version_grace: 1h}\n", time.Hour},
		{"server: {}\n", 0},
	} {
		c, diags := Parse("cfg.yaml", []byte(tc.src), WithEnv(envOf(nil)))
		if diags.HasErrors() {
			t.Fatalf("%s: %v", tc.src, diags.Err())
		}
		if c.Server.VersionGrace != tc.want {
			t.Errorf("%s: version_grace %v, want %v", tc.src, c.Server.VersionGrace, tc.want)
		}
	}
}
