package handoff

import (
	"fmt"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/batonbot/baton/flows"
)

// ConfigError is one problem in a deployment config, at its position.
type ConfigError struct {
	Pos flows.Pos
	Msg string
}

func (e ConfigError) Error() string {
	if e.Pos.File == "" && e.Pos.Line == 0 {
		return e.Msg
	}
	return e.Pos.String() + ": " + e.Msg
}

// ConfigErrors is every problem found in a config, in file order. Its
// Error lists them one a line, as `path:line:col: message`.
type ConfigErrors []ConfigError

func (es ConfigErrors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// cfgDecoder walks a yaml.Node tree, collecting every problem.
type cfgDecoder struct {
	file   string
	getenv func(string) (string, bool)
	errs   ConfigErrors
	// refs are the team and connector names written in the config,
	// checked once every section is read.
	teamRefs, connRefs []cfgRef
}

// cfgRef is a name that must be defined elsewhere in the config.
type cfgRef struct {
	node        *yaml.Node
	name, where string
}

// ref reads a name that must be defined elsewhere (kind "team" or
// "connector") and records it for crossCheck.
func (d *cfgDecoder) ref(n *yaml.Node, where, kind string) string {
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

func (d *cfgDecoder) pos(n *yaml.Node) flows.Pos {
	if n == nil {
		return flows.Pos{File: d.file}
	}
	return flows.Pos{File: d.file, Line: n.Line, Col: n.Column}
}

func (d *cfgDecoder) errorf(n *yaml.Node, format string, args ...any) {
	d.errs = append(d.errs, ConfigError{Pos: d.pos(n), Msg: fmt.Sprintf(format, args...)})
}

func (d *cfgDecoder) sorted() ConfigErrors {
	sort.SliceStable(d.errs, func(i, j int) bool {
		a, b := d.errs[i].Pos, d.errs[j].Pos
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Col < b.Col
	})
	return d.errs
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
func (d *cfgDecoder) mapping(n *yaml.Node, where string, known ...string) []cfgField {
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
			msg := fmt.Sprintf("unknown key %q in %s", k.Value, cfgWhere(where))
			if s := flows.Suggest(k.Value, known); s != "" {
				msg += fmt.Sprintf("; did you mean %q?", s)
			} else {
				msg += "; known keys: " + strings.Join(known, ", ")
			}
			d.errs = append(d.errs, ConfigError{Pos: d.pos(k), Msg: msg})
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

var cfgEnvRef = regexp.MustCompile(`\$\{([^}]*)\}`)

// str reads a scalar string, expanding ${ENV_VAR} references.
func (d *cfgDecoder) str(n *yaml.Node, where string) string {
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

func (d *cfgDecoder) expand(n *yaml.Node, s, where string) string {
	if !strings.Contains(s, "${") {
		return s
	}
	return cfgEnvRef.ReplaceAllStringFunc(s, func(ref string) string {
		name := ref[2 : len(ref)-1]
		if !cfgEnvName(name) {
			d.errorf(n, "%s: %q is not a valid environment variable reference; write ${NAME} with letters, digits and _", where, ref)
			return ""
		}
		v, ok := d.getenv(name)
		if !ok || v == "" {
			d.errorf(n, "%s: environment variable %s is not set; export %s=... before starting baton", where, name, name)
			return ""
		}
		return v
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

func (d *cfgDecoder) boolean(n *yaml.Node, where string) bool {
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

func (d *cfgDecoder) float(n *yaml.Node, where string) float64 {
	s := d.str(n, where)
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		d.errorf(n, "%s must be a number, not %q", where, s)
		return 0
	}
	return f
}

// duration reads "90s", "15m", "2h", "1h30m" or days "2d".
func (d *cfgDecoder) duration(n *yaml.Node, where string) time.Duration {
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
func (d *cfgDecoder) list(n *yaml.Node, where string) []string {
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
func (d *cfgDecoder) strMap(n *yaml.Node, where string) map[string]string {
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
func (d *cfgDecoder) oneOf(n *yaml.Node, s, where string, allowed ...string) bool {
	if cfgContains(allowed, s) {
		return true
	}
	msg := fmt.Sprintf("%s must be one of %s, not %q", where, strings.Join(allowed, ", "), s)
	if sug := flows.Suggest(s, allowed); sug != "" {
		msg += fmt.Sprintf("; did you mean %q?", sug)
	}
	d.errs = append(d.errs, ConfigError{Pos: d.pos(n), Msg: msg})
	return false
}
