package config

import (
	"bytes"
	"fmt"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/batonbot/baton/dsl"
	"github.com/batonbot/baton/flows"
)

// decoder walks a yaml.Node tree, collecting every problem.
type decoder struct {
	file string
	// lookup resolves ${NAME} (see WithEnv); placeholders, when set,
	// stands in for a variable that is not set (see WithPlaceholders).
	lookup       func(string) (string, bool)
	placeholders bool
	unset        []EnvRef
	diags        dsl.Diagnostics
	// refs are the team and connector names written in the config,
	// checked once every section is read.
	teamRefs, connRefs []cfgRef
	// slaExtras are the sla: tables' resolution and business_hours, by
	// where they were written; alerts the top-level sla.alerts.
	slaExtras map[string]*slaExtra
	alerts    SLAAlerts
	// custom are the connectors the program provides (WithConnectors).
	custom []string
	// llmTimeout is where nlu.llm.timeout is written, if it is.
	llmTimeout *yaml.Node
	// serveErrs are Config.ServeErrors; streamNode is where events.stream
	// is written, checked against the store once both are read.
	serveErrs  dsl.Diagnostics
	streamNode *yaml.Node
	// readFile reads the config in Load (WithReadFile).
	readFile func(string) ([]byte, error)
}

// cfgRef is a name that must be defined elsewhere in the config.
type cfgRef struct {
	node        *yaml.Node
	name, where string
}

// ref reads a name that must be defined elsewhere (kind "team" or
// "connector") and records it for crossCheck.
func (d *decoder) ref(n *yaml.Node, where, kind string) string {
	s := d.str(n, where)
	if s != "" {
		r := cfgRef{node: cfgResolve(n), name: s, where: where}
		if kind == "team" {
			d.teamRefs = append(d.teamRefs, r)
		} else {
			d.connRefs = append(d.connRefs, r)
		}
	}
	return s
}

func (d *decoder) pos(n *yaml.Node) flows.Pos {
	if n == nil {
		return flows.Pos{File: d.file}
	}
	return flows.Pos{File: d.file, Line: n.Line, Col: n.Column}
}

func (d *decoder) errorf(n *yaml.Node, format string, args ...any) {
	d.report(dsl.Error, d.pos(n), fmt.Sprintf(format, args...))
}

// serveErrorf records an error only `baton serve` refuses the config
// over (Config.ServeErrors).
func (d *decoder) serveErrorf(n *yaml.Node, format string, args ...any) {
	d.serveErrs = append(d.serveErrs, &dsl.Diagnostic{Severity: dsl.Error, Summary: fmt.Sprintf(format, args...), Pos: d.pos(n)})
}

func (d *decoder) report(sev dsl.Severity, p flows.Pos, msg string) {
	d.diags = append(d.diags, &dsl.Diagnostic{Severity: sev, Summary: msg, Pos: p})
}

// sorted returns the diagnostics in file order; those at one place keep
// the order they were found.
func (d *decoder) sorted() dsl.Diagnostics {
	sort.SliceStable(d.diags, func(i, j int) bool {
		a, b := d.diags[i].Pos, d.diags[j].Pos
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Col < b.Col
	})
	return d.diags
}

// resolve follows aliases (a bounded number of times).
func cfgResolve(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 16; i++ {
		n = n.Alias
	}
	return n
}

// cfgField is one key of a mapping.
type cfgField struct {
	key, val *yaml.Node
}

// mapping returns the pairs of a mapping node, reporting keys not in known
// (nil known: any key allowed) and duplicates. where names the section for
// messages ("teams.billing").
func (d *decoder) mapping(n *yaml.Node, where string, known ...string) []cfgField {
	n = cfgResolve(n)
	if n == nil || (n.Kind == yaml.ScalarNode && n.Tag == "!!null") {
		return nil
	}
	if n.Kind != yaml.MappingNode {
		d.errorf(n, "%s must be a mapping of keys to values, not %s", cfgWhere(where), cfgKind(n))
		return nil
	}
	var out []cfgField
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := cfgResolve(n.Content[i]), n.Content[i+1]
		if k == nil || k.Kind != yaml.ScalarNode {
			d.errorf(n.Content[i], "%s: keys must be plain names", cfgWhere(where))
			continue
		}
		if k.Value == "<<" {
			d.errorf(k, "merge keys (<<) are not supported here; write the keys out")
			continue
		}
		if seen[k.Value] {
			d.errorf(k, "%s: key %q is written twice", cfgWhere(where), k.Value)
			continue
		}
		seen[k.Value] = true
		if known != nil && !cfgContains(known, k.Value) {
			// A near miss of a known key is a typo, whose setting would be
			// lost: an error. Any other key is extra, kept for the
			// people or tools that share the file: ignored, with a warning.
			msg := fmt.Sprintf("unknown key %q in %s", k.Value, cfgWhere(where))
			if s := flows.Suggest(k.Value, known); s != "" {
				d.report(dsl.Error, d.pos(k), msg+fmt.Sprintf("; did you mean %q?", s))
			} else {
				d.report(dsl.Warning, d.pos(k), msg+" is ignored; known keys: "+strings.Join(known, ", "))
			}
			continue
		}
		out = append(out, cfgField{k, v})
	}
	return out
}

func cfgWhere(where string) string {
	if where == "" {
		return "the config"
	}
	return where
}

func cfgKind(n *yaml.Node) string {
	switch n.Kind {
	case yaml.SequenceNode:
		return "a list"
	case yaml.MappingNode:
		return "a mapping"
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return "empty"
		}
		return fmt.Sprintf("%q", n.Value)
	}
	return "that"
}

var (
	cfgEnvRef = regexp.MustCompile(`\$\{([^}]*)\}|\$⦃([^⦄]*)⦄`)
	// envName is a ${NAME} reference with a valid name, which protect
	// rewrites before the YAML is parsed.
	envName = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}`)
)

// protect rewrites each ${NAME} as $⦃NAME⦄ (as many characters, so
// positions stay), so that a reference written unquoted inside a flow
// mapping, {secret: ${X}}, is a plain YAML value instead of a syntax
// error; expand reads both forms.
func protect(src []byte) []byte {
	if !bytes.Contains(src, []byte("${")) {
		return src
	}
	return envName.ReplaceAll(src, []byte("$$⦃${1}⦄"))
}

// str reads a scalar string, expanding ${ENV_VAR} references.
func (d *decoder) str(n *yaml.Node, where string) string {
	n = cfgResolve(n)
	if n == nil || (n.Kind == yaml.ScalarNode && n.Tag == "!!null") {
		return ""
	}
	if n.Kind != yaml.ScalarNode {
		d.errorf(n, "%s must be a single value, not %s", where, cfgKind(n))
		return ""
	}
	return d.expand(n, n.Value, where)
}

func (d *decoder) expand(n *yaml.Node, s, where string) string {
	if !strings.Contains(s, "${") && !strings.Contains(s, "$⦃") {
		return s
	}
	return cfgEnvRef.ReplaceAllStringFunc(s, func(ref string) string {
		m := cfgEnvRef.FindStringSubmatch(ref)
		name := m[1] + m[2]
		if !cfgEnvName(name) {
			d.errorf(n, "%s: %q is not a valid environment variable reference; write ${NAME} with letters, digits and _", where, ref)
			return ""
		}
		v, ok := d.lookup(name)
		if ok && v != "" {
			return v
		}
		if d.placeholders {
			d.unset = append(d.unset, EnvRef{Name: name, Where: where, Pos: d.pos(n)})
			return placeholderFor(name)
		}
		d.errorf(n, "%s: environment variable %s is not set; export %s=... before starting baton", where, name, name)
		return placeholderFor(name) // reported: checks of the value stay quiet
	})
}

func cfgEnvName(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		if r == '_' || (r >= 'A' && r <= 'Z') || (r >= 'a' && r <= 'z') || (i > 0 && r >= '0' && r <= '9') {
			continue
		}
		return false
	}
	return true
}

func (d *decoder) boolean(n *yaml.Node, where string) bool {
	s := d.str(n, where)
	switch strings.ToLower(s) {
	case "true", "yes", "on":
		return true
	case "false", "no", "off", "":
		return false
	}
	d.errorf(n, "%s must be true or false, not %q", where, s)
	return false
}

func (d *decoder) float(n *yaml.Node, where string) float64 {
	s := d.str(n, where)
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		d.errorf(n, "%s must be a number, not %q", where, s)
		return 0
	}
	return f
}

// duration reads "90s", "15m", "2h", "1h30m" or days "2d".
func (d *decoder) duration(n *yaml.Node, where string) time.Duration {
	s := d.str(n, where)
	if v, ok := cfgParseDuration(s); ok {
		return v
	}
	d.errorf(n, "%s must be a positive duration such as 30m, 2h or 1d, not %q", where, s)
	return 0
}

func cfgParseDuration(s string) (time.Duration, bool) {
	s = strings.TrimSpace(s)
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n <= 0 || n > 3650 {
			return 0, false
		}
		return time.Duration(n) * 24 * time.Hour, true
	}
	v, err := time.ParseDuration(s)
	if err != nil || v <= 0 {
		return 0, false
	}
	return v, true
}

// list reads a list of strings; a single value is a list of one.
func (d *decoder) list(n *yaml.Node, where string) []string {
	n = cfgResolve(n)
	if n == nil || (n.Kind == yaml.ScalarNode && n.Tag == "!!null") {
		return nil
	}
	if n.Kind == yaml.ScalarNode {
		return []string{d.str(n, where)}
	}
	if n.Kind != yaml.SequenceNode {
		d.errorf(n, "%s must be a value or a list of values, not %s", where, cfgKind(n))
		return nil
	}
	out := make([]string, 0, len(n.Content))
	for i, c := range n.Content {
		out = append(out, d.str(c, fmt.Sprintf("%s[%d]", where, i)))
	}
	return out
}

// strMap reads a mapping of names to single values.
func (d *decoder) strMap(n *yaml.Node, where string) map[string]string {
	fields := d.mapping(n, where)
	if fields == nil {
		return nil
	}
	out := make(map[string]string, len(fields))
	for _, f := range fields {
		out[f.key.Value] = d.str(f.val, where+"."+f.key.Value)
	}
	return out
}

func cfgContains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// oneOf checks that s is one of allowed, suggesting the closest.
func (d *decoder) oneOf(n *yaml.Node, s, where string, allowed ...string) bool {
	if cfgContains(allowed, s) {
		return true
	}
	msg := fmt.Sprintf("%s must be one of %s, not %q", where, strings.Join(allowed, ", "), s)
	if sug := flows.Suggest(s, allowed); sug != "" {
		msg += fmt.Sprintf("; did you mean %q?", sug)
	}
	d.report(dsl.Error, d.pos(n), msg)
	return false
}

// Bounds on a config's YAML tree, aliases expanded.
const (
	maxNodes = 100_000
	maxDepth = 64
)

// bounded rejects a tree that is too big or too deep once its aliases are
// expanded (an alias bomb, an alias cycle) before any of it is decoded.
func (d *decoder) bounded(root *yaml.Node) bool {
	count := 0
	var walk func(n *yaml.Node, depth int) bool
	walk = func(n *yaml.Node, depth int) bool {
		if n == nil {
			return true
		}
		count++
		if count > maxNodes || depth > maxDepth {
			return false
		}
		if n.Kind == yaml.AliasNode {
			return walk(n.Alias, depth+1)
		}
		for _, c := range n.Content {
			if !walk(c, depth+1) {
				return false
			}
		}
		return true
	}
	if walk(root, 0) {
		return true
	}
	d.errorf(root, "the config is too large or too deeply nested once its aliases are expanded (over %d values or %d levels); write it out plainly", maxNodes, maxDepth)
	return false
}
