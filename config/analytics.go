package config

import (
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/sla"
)

// Events configures where `baton serve` writes the analytics events
// (docs/analytics.md). Absent: no events.
type Events struct {
	// File is a JSONL file (relative to the config's directory), rotated
	// at RotateSize bytes (0: never) and/or daily.
	File        string
	RotateSize  int64
	RotateDaily bool
	// Text includes message texts (default: sizes only); Salt is mixed
	// into contact pseudonyms.
	Text bool
	Salt string
	// Webhook posts batches to a URL, signed with Secret (whsec_...) when
	// set.
	Webhook       string
	WebhookSecret string
	// Stream, with the Valkey store, appends to this stream key (XADD,
	// trimmed to about MaxLen entries, default 1,000,000), so several
	// instances write one stream.
	Stream string
	MaxLen int64
}

// Enabled reports whether any sink is configured.
func (e Events) Enabled() bool { return e.File != "" || e.Webhook != "" || e.Stream != "" }

// SLAAlerts configures the SLA watcher of `baton serve`.
type SLAAlerts struct {
	// At are the shares of the first-response target, in percent, that
	// raise an alert (default 80 and 100).
	At []int
	// Slack and Teams are incoming-webhook URLs; Webhook a URL of one's
	// own, signed with Secret (whsec_...) when set.
	Slack, Teams, Webhook, Secret string
}

// Enabled reports whether alerts go anywhere.
func (a SLAAlerts) Enabled() bool { return a.Slack != "" || a.Teams != "" || a.Webhook != "" }

// slaExtra is what an sla: table holds besides first-response targets.
type slaExtra struct {
	resolution    map[flows.Priority]time.Duration
	businessHours *bool
}

// slaKeys are the keys of an sla: table.
var slaKeys = append(append([]string(nil), cfgPriorities...), "resolution", "business_hours", "alerts")

// sla reads an sla: table: the first response per priority ({urgent: 30m,
// high: 2h, normal: 8h, low: 2d}), and optionally resolution: (the same,
// for resolution), business_hours: (true: the clock runs only while the
// team is open) and, at the top level, alerts:.
func (d *decoder) sla(n *yaml.Node, where string) map[flows.Priority]time.Duration {
	out := map[flows.Priority]time.Duration{}
	extra := &slaExtra{}
	for _, f := range d.mapping(n, where, slaKeys...) {
		w := where + "." + f.key.Value
		switch f.key.Value {
		case "resolution":
			extra.resolution = map[flows.Priority]time.Duration{}
			for _, g := range d.mapping(f.val, w, cfgPriorities...) {
				extra.resolution[flows.Priority(g.key.Value)] = d.duration(g.val, w+"."+g.key.Value)
			}
		case "business_hours":
			b := d.boolean(f.val, w)
			extra.businessHours = &b
		case "alerts":
			if where != "sla" {
				d.errorf(f.key, "%s: alerts belong in the top-level sla: table, for every team", where)
				continue
			}
			d.alerts = d.slaAlerts(f.val, w)
		default:
			out[flows.Priority(f.key.Value)] = d.duration(f.val, w)
		}
	}
	if d.slaExtras == nil {
		d.slaExtras = map[string]*slaExtra{}
	}
	d.slaExtras[where] = extra
	return out
}

func (d *decoder) slaAlerts(n *yaml.Node, where string) SLAAlerts {
	var a SLAAlerts
	for _, f := range d.mapping(n, where, slaAlertKeys...) {
		w := where + "." + f.key.Value
		switch f.key.Value {
		case "at":
			for _, s := range d.list(f.val, w) {
				v, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(s), "%"))
				if err != nil || v < 1 || v > 1000 {
					d.errorf(f.val, "%s: %q is not a share of the target in percent, such as 80 or 100", w, s)
					continue
				}
				a.At = append(a.At, v)
			}
		case "slack":
			a.Slack = d.url(f.val, w)
		case "teams":
			a.Teams = d.url(f.val, w)
		case "webhook":
			a.Webhook = d.url(f.val, w)
		case "secret":
			a.Secret = d.str(f.val, w)
		}
	}
	return a
}

// events reads the events: section.
func (d *decoder) events(n *yaml.Node) Events {
	var e Events
	for _, f := range d.mapping(n, "events", eventsKeys...) {
		w := "events." + f.key.Value
		switch f.key.Value {
		case "file":
			e.File = d.str(f.val, w)
		case "rotate_size":
			e.RotateSize = int64(d.count(f.val, w, 1024, 1<<40))
		case "rotate_daily":
			e.RotateDaily = d.boolean(f.val, w)
		case "text":
			e.Text = d.boolean(f.val, w)
		case "salt":
			e.Salt = d.str(f.val, w)
		case "webhook":
			e.Webhook = d.url(f.val, w)
		case "secret":
			e.WebhookSecret = d.str(f.val, w)
		case "stream":
			e.Stream = d.str(f.val, w)
			d.streamNode = f.val
		case "max_len":
			e.MaxLen = int64(d.count(f.val, w, 1000, 1<<40))
		}
	}
	return e
}

// buildSLA makes the SLA table from the decoded sla: tables and the
// teams' calendars.
func (d *decoder) buildSLA(c *Config) {
	h := c.Handoff
	t := &sla.Table{Default: sla.Policy{FirstResponse: h.SLA}, Teams: map[string]sla.Policy{}}
	if x := d.slaExtras["sla"]; x != nil {
		t.Default.Resolution = x.resolution
		if x.businessHours != nil {
			t.Default.BusinessHours = *x.businessHours
		}
	}
	for name, team := range h.Teams {
		p := sla.Policy{FirstResponse: team.SLA, Hours: team.Hours, BusinessHours: t.Default.BusinessHours}
		if x := d.slaExtras["teams."+name+".sla"]; x != nil {
			p.Resolution = x.resolution
			if x.businessHours != nil {
				p.BusinessHours = *x.businessHours
			}
		}
		t.Teams[name] = p
	}
	c.SLA = t
	c.SLAAlerts = d.alerts
}
