package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/batonbot/baton/config"
	"github.com/batonbot/baton/dsl"
	"github.com/batonbot/baton/flows"
)

// configCheck is `baton validate --config`'s verdict on a deployment
// config.
type configCheck struct {
	path  string
	cfg   *config.Config
	diags dsl.Diagnostics
	// flows are the flow files the channels name (not already given on
	// the command line), to validate like the others; where says where
	// each is named.
	flows []string
	where map[string]flows.Pos
}

// checkConfig decodes the config at path: unset secrets are warnings, and
// a flow file that does not exist is an error where the config names it.
// custom are the connectors a program of the user's own provides
// (config.WithConnectors).
func checkConfig(path string, getenv func(string) string, given []string, custom ...string) *configCheck {
	cv := &configCheck{path: path, where: map[string]flows.Pos{}}
	opts := []config.Option{config.WithPlaceholders(), config.WithEnv(func(name string) (string, bool) {
		if getenv == nil {
			return "", false
		}
		v := getenv(name)
		return v, v != ""
	}), config.WithConnectors(custom...)}
	cv.cfg, cv.diags = config.Load(path, opts...)
	var refs []config.FlowRef
	var unset []config.EnvRef
	if cv.cfg == nil {
		// The flows the channels name, and the secrets not set, are
		// checked all the same, so that their problems show with the
		// config's, not once it is fixed.
		if part := config.LoadPartial(path, opts...); part != nil {
			for _, r := range part.FlowRefs() {
				if r.Path != "" {
					refs = append(refs, r)
				}
			}
			unset = part.Placeholders
		}
	} else {
		unset = cv.cfg.Placeholders
		// What serve refuses in its own sections: chat takes the
		// config, but a deploy would fail.
		cv.diags = append(cv.diags, cv.cfg.ServeErrors...)
		refs = cv.cfg.FlowRefs()
	}
	for _, p := range unset {
		cv.diags = append(cv.diags, &dsl.Diagnostic{Severity: dsl.Warning, Pos: p.Pos,
			Summary: fmt.Sprintf("%s: environment variable %s is not set; baton serve and chat --live need it", p.Where, p.Name)})
	}
	for _, ref := range refs {
		if _, seen := cv.where[ref.Path]; seen || slices.ContainsFunc(given, func(g string) bool { return filepath.Clean(g) == filepath.Clean(ref.Path) }) {
			continue
		}
		cv.where[ref.Path] = ref.Pos
		if _, err := os.Stat(ref.Path); err != nil {
			msg := fmt.Sprintf("%s: flow file %s: %v", ref.Where, ref.Path, err)
			if errors.Is(err, fs.ErrNotExist) {
				msg = fmt.Sprintf("%s: flow file %s does not exist; paths are relative to the config's directory", ref.Where, ref.Path)
			}
			cv.diags = append(cv.diags, &dsl.Diagnostic{Severity: dsl.Error, Pos: ref.Pos, Summary: msg})
			continue
		}
		cv.flows = append(cv.flows, ref.Path)
	}
	return cv
}

// teams warns, at each handoff of f (and of its sub-flows) that names a
// team in plain words, about a team the config does not define under
// teams: (a connector's groups name only defined teams): serve would send
// its handoffs to the default connector with no group, and say so only
// in its log at the first one (handoff.Router's route warning). A team an
// expression computes is known only at the turn.
func (cv *configCheck) teams(f *flows.Flow) dsl.Diagnostics {
	if cv.cfg == nil || cv.cfg.Handoff == nil {
		return nil
	}
	h := cv.cfg.Handoff
	var out dsl.Diagnostics
	seen := map[*flows.Flow]bool{}
	var walk func(f *flows.Flow)
	walk = func(f *flows.Flow) {
		if f == nil || seen[f] {
			return
		}
		seen[f] = true
		f.Actions(func(_ string, actions []flows.Action) {
			for _, a := range actions {
				ho, ok := a.(*flows.HandoffAction)
				if !ok || ho.Team == nil {
					continue
				}
				team, literal := literalOf(ho.Team)
				if !literal || team == "" || h.Teams[team] != nil {
					continue
				}
				msg := fmt.Sprintf("the handoff's team %q is not defined under teams: in %s and no connector maps it to a group: serve sends its handoffs to connector %s with no group",
					team, cv.path, orNone(h.Connectors.Default))
				if s := flows.Suggest(team, h.TeamOrder); s != "" {
					msg += fmt.Sprintf("; did you mean %q?", s)
				}
				out = append(out, &dsl.Diagnostic{Severity: dsl.Warning, Pos: ho.Team.Pos, Summary: msg})
			}
		})
		for _, sub := range f.Subflows {
			walk(sub)
		}
	}
	walk(f)
	return out
}

// literalOf is a template's text when it has no expression.
func literalOf(t *flows.Template) (string, bool) {
	var b strings.Builder
	for _, p := range t.Parts {
		if p.Expr != nil {
			return "", false
		}
		b.WriteString(p.Lit)
	}
	return strings.TrimSpace(b.String()), true
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// located returns a flow's diagnostics; a flow named by the config that
// has errors also gets an error where the config names it.
func (cv *configCheck) located(path string, diags dsl.Diagnostics) dsl.Diagnostics {
	pos, ok := cv.where[path]
	if !ok || !diags.HasErrors() {
		return diags
	}
	cv.diags = append(cv.diags, &dsl.Diagnostic{Severity: dsl.Error, Pos: pos,
		Summary: fmt.Sprintf("the flow %s has errors (listed under its own path); baton serve would refuse it", path)})
	return diags
}

// report writes the config's summary line: valid on stdout, else the
// count of problems on stderr.
func (cv *configCheck) report(e *env) {
	errs, warns := cv.diags.Count()
	if errs > 0 || warns > 0 {
		fmt.Fprintf(e.stderr, "%s: %s, %s\n", cv.path, flows.Plural(errs, "error"), flows.Plural(warns, "warning"))
	}
	if errs == 0 && cv.cfg != nil {
		fmt.Fprintf(e.stdout, "%s: valid: %s\n", cv.path, describeConfig(cv.cfg))
	}
}

// describeConfig is a one-line summary of a deployment config.
func describeConfig(c *config.Config) string {
	h := c.Handoff
	parts := []string{flows.Plural(len(h.Connectors.Names()), "connector"), flows.Plural(len(h.TeamOrder), "team"),
		flows.Plural(len(h.Routing.Rules), "routing rule")}
	var ch []string
	for _, w := range c.Channels.WhatsApp {
		ch = append(ch, "whatsapp "+w.PhoneNumberID)
	}
	for _, t := range c.Channels.Telegram {
		ch = append(ch, "telegram "+t.Name)
	}
	for _, w := range c.Channels.Web {
		ch = append(ch, "web "+w.Name)
	}
	if len(ch) > 0 {
		parts = append(parts, flows.Plural(len(ch), "channel")+" ("+strings.Join(ch, ", ")+")")
	}
	parts = append(parts, "store "+c.Store.Kind)
	return strings.Join(parts, ", ")
}
