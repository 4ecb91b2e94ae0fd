package config

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/vm"
	"go.yaml.in/yaml/v3"

	"github.com/batonbot/baton/dsl"
	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/handoff"
)

// compile compiles an expression against handoff.RouteEnv, once, at load.
func (d *decoder) compile(n *yaml.Node, where string, asBool bool) *vm.Program {
	src := d.str(n, where)
	if strings.TrimSpace(src) == "" {
		d.errorf(n, "%s is empty; write an expression", where)
		return nil
	}
	opts := []expr.Option{expr.Env(handoff.RouteEnv())}
	if asBool {
		opts = append(opts, expr.AsBool())
	} else {
		opts = append(opts, expr.AsFloat64())
	}
	p, err := expr.Compile(src, opts...)
	if err != nil {
		msg, _, _ := strings.Cut(err.Error(), "\n")
		want := "a number"
		if asBool {
			want = "true or false"
		}
		d.errorf(n, "%s: %s (the expression must give %s; names: %s)", where, msg, want, strings.Join(cfgEnvNames(), ", "))
		return nil
	}
	return p
}

func cfgEnvNames() []string {
	var names []string
	for k := range handoff.RouteEnv() {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

func cfgSortStrings(s []string) { sort.Strings(s) }

func (d *decoder) routing(n *yaml.Node) handoff.ConfigRouting {
	var c handoff.ConfigRouting
	for _, f := range d.mapping(n, "routing", routingKeys...) {
		switch f.key.Value {
		case "default_team":
			c.DefaultTeam = d.ref(f.val, "routing.default_team", "team")
		case "override":
			c.Override = d.boolean(f.val, "routing.override")
		case "out_of_hours":
			c.OutOfHours = d.str(f.val, "routing.out_of_hours")
			d.oneOf(f.val, c.OutOfHours, "routing.out_of_hours", handoff.OutOfHoursTell, handoff.OutOfHoursTicket, handoff.OutOfHoursEmail)
		case "intent_skills":
			c.IntentSkills = map[string][]string{}
			for _, g := range d.mapping(f.val, "routing.intent_skills") {
				c.IntentSkills[g.key.Value] = d.list(g.val, "routing.intent_skills."+g.key.Value)
			}
		case "rules":
			rules := cfgResolve(f.val)
			if rules == nil || rules.Kind != yaml.SequenceNode {
				d.errorf(f.val, "routing.rules must be a list of rules (- when: ... team: ...)")
				continue
			}
			for i, r := range rules.Content {
				c.Rules = append(c.Rules, d.rule(r, fmt.Sprintf("routing.rules[%d]", i)))
			}
		}
	}
	if c.OutOfHours == "" {
		c.OutOfHours = handoff.OutOfHoursTicket
	}
	return c
}

func (d *decoder) rule(n *yaml.Node, where string) *handoff.ConfigRule {
	r := &handoff.ConfigRule{Pos: d.pos(n)}
	hasWhen := false
	for _, f := range d.mapping(n, where, routingRuleKeys...) {
		w := where + "." + f.key.Value
		switch f.key.Value {
		case "name":
			r.Name = d.str(f.val, w)
		case "when":
			hasWhen = true
			r.Match = d.match(f.val, w)
		case "team":
			r.Team = d.ref(f.val, w, "team")
		case "connector":
			r.Connector = d.ref(f.val, w, "connector")
		case "priority":
			r.Priority = d.priorityName(f.val, d.str(f.val, w), w)
		case "skills":
			r.Skills = d.list(f.val, w)
		case "tags":
			r.Tags = d.list(f.val, w)
		}
	}
	if r.Name == "" {
		r.Name = where
	}
	if !hasWhen {
		d.errorf(n, "%s has no when:; a rule without conditions matches every handoff, write when: {} if that is meant", where)
	}
	if r.Team == "" && r.Connector == "" && r.Priority == "" && len(r.Tags) == 0 && len(r.Skills) == 0 {
		d.errorf(n, "%s does nothing; give it a team, connector, priority, skills or tags", where)
	}
	return r
}

func (d *decoder) match(n *yaml.Node, where string) handoff.ConfigMatch {
	var m handoff.ConfigMatch
	fold := func(list []string) []string {
		for i, s := range list {
			list[i] = flows.Fold(strings.TrimSpace(s))
		}
		return list
	}
	for _, f := range d.mapping(n, where, whenKeys...) {
		w := where + "." + f.key.Value
		switch f.key.Value {
		case "intent":
			m.Intents = d.list(f.val, w)
		case "language":
			m.Languages = fold(d.list(f.val, w))
		case "keywords":
			m.Keywords = fold(d.list(f.val, w))
			for i, k := range m.Keywords {
				if len(flows.Words(k)) == 0 {
					d.errorf(f.val, "%s[%d] has no letters or digits to match", w, i)
				}
			}
		case "reason":
			m.Reasons = d.list(f.val, w)
		case "channel":
			m.Channels = fold(d.list(f.val, w))
		case "plan":
			m.Plans = fold(d.list(f.val, w))
		case "country":
			m.Countries = d.list(f.val, w)
			for i, c := range m.Countries {
				m.Countries[i] = strings.ToUpper(c)
				if len(c) != 2 {
					d.errorf(f.val, "%s[%d]: %q is not an ISO 3166 country code; write two letters such as IT or US", w, i, c)
				}
			}
		case "vip":
			v := d.boolean(f.val, w)
			m.VIP = &v
		case "vars":
			m.Vars = map[string][]string{}
			for _, g := range d.mapping(f.val, w) {
				m.Vars[g.key.Value] = fold(d.list(g.val, w+"."+g.key.Value))
			}
		case "expr":
			m.WhenSource = d.str(f.val, w)
			m.When = d.compile(f.val, w, true)
		}
	}
	return m
}

func (d *decoder) priority(n *yaml.Node) handoff.ConfigPriority {
	c := handoff.ConfigPriority{Thresholds: handoff.DefaultThresholds()}
	for _, f := range d.mapping(n, "priority", priorityKeys...) {
		switch f.key.Value {
		case "score":
			c.Source = d.str(f.val, "priority.score")
			c.Score = d.compile(f.val, "priority.score", false)
		case "thresholds":
			// The priorities not named keep their default thresholds.
			given := map[flows.Priority]bool{}
			for _, g := range d.mapping(f.val, "priority.thresholds", thresholdKeys...) {
				c.Thresholds[flows.Priority(g.key.Value)] = d.float(g.val, "priority.thresholds."+g.key.Value)
				given[flows.Priority(g.key.Value)] = true
			}
			t := c.Thresholds
			show := func(p flows.Priority) string {
				v := strconv.FormatFloat(t[p], 'g', -1, 64)
				if !given[p] {
					v += ", the default"
				}
				return v
			}
			order := []flows.Priority{flows.PriorityUrgent, flows.PriorityHigh, flows.PriorityNormal}
			for i := 0; i+1 < len(order); i++ {
				a, okA := t[order[i]]
				for _, lower := range order[i+1:] {
					if b, okB := t[lower]; okA && okB && b > a {
						d.errorf(f.val, "priority.thresholds: %s (%s) is above %s (%s); higher priorities need higher scores",
							lower, show(lower), order[i], show(order[i]))
					}
				}
			}
		}
	}
	return c
}

// crossCheck checks references between sections: teams, connectors and
// group ids.
func (d *decoder) crossCheck(c *handoff.Config, root, routingNode *yaml.Node) {
	names := c.Connectors.Names()
	teamNames := append([]string(nil), c.TeamOrder...)
	for _, r := range d.teamRefs {
		if c.Teams[r.name] != nil {
			continue
		}
		msg := fmt.Sprintf("%s: team %q is not defined under teams:", r.where, r.name)
		if s := flows.Suggest(r.name, teamNames); s != "" {
			msg += fmt.Sprintf("; did you mean %q?", s)
		}
		d.report(dsl.Error, d.pos(r.node), msg)
	}
	for _, r := range d.connRefs {
		if !cfgContains(names, r.name) {
			d.unknownConnector(r.node, r.name, r.where, names)
		}
	}
	if c.Routing.OutOfHours == handoff.OutOfHoursEmail {
		// A team that does not say inherits email: it needs an address too.
		for _, name := range c.TeamOrder {
			t := c.Teams[name]
			if t != nil && t.Hours != nil && t.OutOfHours == "" && t.Email == "" {
				d.report(dsl.Error, t.Pos, fmt.Sprintf("teams.%s: out_of_hours: email (routing.out_of_hours) needs the address to offer, email: support@example.com", name))
			}
		}
	}
	if c.Routing.DefaultTeam == "" && len(c.TeamOrder) > 0 {
		d.errorf(cfgOr(routingNode, root), "routing.default_team is missing; name the team that gets handoffs no rule matched (one of %s)", strings.Join(teamNames, ", "))
	}
	if len(names) == 0 && len(c.TeamOrder) > 0 {
		d.errorf(root, "no connector is configured; add zendesk, freshdesk or webhook under connectors:")
	}
}

func cfgOr(a, b *yaml.Node) *yaml.Node {
	if a != nil {
		return a
	}
	return b
}
