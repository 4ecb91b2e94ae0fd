package config

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/batonbot/baton/dsl"
	"github.com/batonbot/baton/handoff"
)

func (d *decoder) notify(n *yaml.Node) handoff.ConfigNotify {
	var c handoff.ConfigNotify
	for _, f := range d.mapping(n, "notify", notifyKeys...) {
		switch f.key.Value {
		case "slack":
			c.Slack = d.url(f.val, "notify.slack")
		case "teams":
			c.Teams = d.url(f.val, "notify.teams")
		case "teams_format":
			c.TeamsFormat = d.str(f.val, "notify.teams_format")
			d.oneOf(f.val, c.TeamsFormat, "notify.teams_format", "adaptive", "messagecard")
		case "min_priority":
			c.MinPriority = d.priorityName(f.val, d.str(f.val, "notify.min_priority"), "notify.min_priority")
		}
	}
	if c.TeamsFormat == "" {
		c.TeamsFormat = "adaptive"
	}
	return c
}

func (d *decoder) messages(n *yaml.Node) map[string]map[string]string {
	keys := make([]string, 0, len(handoff.DefaultMessages))
	for k := range handoff.DefaultMessages {
		keys = append(keys, k)
	}
	cfgSortStrings(keys)
	out := map[string]map[string]string{}
	nodes := map[string]*yaml.Node{}
	for _, f := range d.mapping(n, "messages", keys...) {
		where := "messages." + f.key.Value
		out[f.key.Value] = d.strMap(f.val, where)
		nodes[f.key.Value] = f.val
		d.checkPlaceholders(f.val, where, out[f.key.Value], handoff.MessagePlaceholders[f.key.Value])
	}
	d.checkUndated(nodes, out)
	return out
}

// undatedOf pairs each out-of-hours message with its sibling for a team
// closed with no date to reopen.
var undatedOf = [][2]string{
	{handoff.MsgAfterHoursTicket, handoff.MsgAfterHoursTicketNoDate},
	{handoff.MsgAfterHoursTell, handoff.MsgAfterHoursTellNoDate},
	{handoff.MsgAfterHoursEmail, handoff.MsgAfterHoursEmailNoDate},
}

// checkUndated warns at each out-of-hours text in a language whose
// undated sibling has no text in it (nor in its base language), written
// or built in: those customers would be told the English one when the
// team is closed with no date to reopen.
func (d *decoder) checkUndated(nodes map[string]*yaml.Node, texts map[string]map[string]string) {
	for _, p := range undatedOf {
		n := cfgResolve(nodes[p[0]])
		if n == nil || n.Kind != yaml.MappingNode {
			continue
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			lang := n.Content[i].Value
			l := strings.ToLower(strings.TrimSpace(lang))
			base, _, _ := strings.Cut(strings.ReplaceAll(l, "_", "-"), "-")
			speaks := false
			for _, x := range []string{lang, l, base} {
				_, mine := texts[p[1]][x]
				_, builtin := handoff.DefaultMessages[p[1]][x]
				speaks = speaks || mine || builtin
			}
			if !speaks {
				d.report(dsl.Warning, d.pos(n.Content[i]), fmt.Sprintf("messages.%s.%s: %s has no %s text (nor a built-in one): customers in %s of a team closed with no date to reopen are told the English one; write messages.%s.%s",
					p[0], lang, p[1], lang, lang, p[1], lang))
			}
		}
	}
}

// checkPlaceholders warns at each text of a message (n, read into texts by
// language) that has a {placeholder} the message does not fill: the
// customer would read it as written.
func (d *decoder) checkPlaceholders(n *yaml.Node, where string, texts map[string]string, fills []string) {
	n = cfgResolve(n)
	if n == nil || n.Kind != yaml.MappingNode {
		return
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		lang := n.Content[i].Value
		for _, m := range placeholder.FindAllStringSubmatch(texts[lang], -1) {
			if !cfgContains(fills, m[1]) {
				d.report(dsl.Warning, d.pos(n.Content[i+1]), fmt.Sprintf("%s.%s: {%s} is not filled in this message (it fills {%s}): the customer would read it as written",
					where, lang, m[1], strings.Join(fills, "}, {")))
			}
		}
	}
}

// placeholder is a {name} of a message.
var placeholder = regexp.MustCompile(`\{([A-Za-z_][A-Za-z0-9_]*)\}`)

// fields reads a connector's custom fields: field → variable, or
// field → {var: name, mask: true} for a field masked when masking is on
// (mapped fields are sent as the flow collected them otherwise).
func (d *decoder) fields(n *yaml.Node, where string) (map[string]string, []string) {
	fs := d.mapping(n, where)
	if fs == nil {
		return nil, nil
	}
	out := make(map[string]string, len(fs))
	var masked []string
	for _, f := range fs {
		w := where + "." + f.key.Value
		if f.val.Kind != yaml.MappingNode {
			out[f.key.Value] = d.str(f.val, w)
			continue
		}
		for _, g := range d.mapping(f.val, w, fieldKeys...) {
			switch g.key.Value {
			case "var":
				out[f.key.Value] = d.str(g.val, w+".var")
			case "mask":
				if d.boolean(g.val, w+".mask") {
					masked = append(masked, f.key.Value)
				}
			}
		}
		if out[f.key.Value] == "" {
			d.errorf(f.key, "%s needs var: the flow variable that fills the field", w)
		}
	}
	return out, masked
}

// delivery reads the delivery section.
func (d *decoder) delivery(n *yaml.Node) handoff.ConfigDelivery {
	var c handoff.ConfigDelivery
	for _, f := range d.mapping(n, "delivery", deliveryKeys...) {
		w := "delivery." + f.key.Value
		switch f.key.Value {
		case "append_window":
			v := time.Duration(0)
			if s := strings.TrimSpace(d.str(f.val, w)); s != "0" && s != "0s" {
				if v = d.duration(f.val, w); v > time.Minute {
					d.errorf(f.val, "%s is at most 1m: the customer's first message waits that long", w)
				}
			}
			c.AppendWindow = &v
		case "appends_per_minute":
			v := d.count(f.val, w, 0, 600)
			c.AppendsPerMinute = &v
		case "call_timeout":
			if c.CallTimeout = d.duration(f.val, w); c.CallTimeout > 2*time.Minute {
				d.errorf(f.val, "%s is at most 2m (an attempt is bounded at %s)", w, handoff.DefaultTimeout)
			}
		case "max_attachment":
			c.MaxAttachment = int64(d.count(f.val, w, 1024, 50<<20))
		case "workers":
			c.Workers = d.count(f.val, w, 1, 64)
		}
	}
	return c
}
