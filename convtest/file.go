package convtest

import (
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/batonbot/baton/dsl"
	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/sandbox"
)

// A conversation test file (docs/testing.md), parsed with positions so that
// every mistake in it is reported as file:line:col.

// File is a conversation test file: the flow it tests and its
// conversations.
type File struct {
	Path          string
	FlowPath      string // resolved against the file's directory
	FlowPos       flows.Pos
	Conversations []*Conversation
}

// Setup is what a conversation starts with; the file gives defaults,
// each conversation may override them.
type Setup struct {
	Lang    string
	LangPos flows.Pos
	Now     time.Time
	Channel string
	User    *flows.Contact
	Vars    map[string]any
	VarPos  map[string]flows.Pos
	HTTP    []*sandbox.Canned
	// Config is the deployment config's path, resolved against the test
	// file's directory ("" for none).
	Config    string
	ConfigPos flows.Pos
}

// Contact is the customer a test conversation runs as: the test's user:
// (its phone as id when it gives none), else the customer baton chat and
// the web sandbox play by default (sandbox.DefaultContact of the
// conversation's language, flowLang when the test gives none), with id
// test-user. The test run and its replay (File.Replay) must agree on it.
func (s Setup) Contact(flowLang string) flows.Contact {
	if s.User == nil {
		c := sandbox.DefaultContact(orDefault(s.Lang, flowLang))
		c.ID = "test-user"
		return c
	}
	c := *s.User
	if c.ID == "" {
		c.ID = orDefault(c.Phone, "test-user")
	}
	return c
}

// Start is the clock a test conversation starts at: the test's now:, else
// the current second.
func (s Setup) Start() time.Time {
	if s.Now.IsZero() {
		return time.Now().Truncate(time.Second)
	}
	return s.Now
}

// Conversation is one conversation of a test file: its setup and steps.
type Conversation struct {
	Name  string
	Pos   flows.Pos
	Setup Setup
	Steps []*Step
}

// Step is one step of a conversation: its input (Kind is user, button,
// media, wait, agent, ticket or close) and the checks of what followed.
type Step struct {
	Pos   flows.Pos
	Kind  string // user, button, media, wait, agent, ticket, close
	Value string
	Wait  time.Duration
	Media *flows.Media
	// After is the time that passes before the step (after:): the
	// timeouts due by then fire first, in the step, as a chat on the real
	// clock fires them before the customer's next message.
	After time.Duration

	bot       *botCheck
	options   []string
	optionsOK bool // options: was given (possibly empty)
	state     string
	vars      map[string]any
	noMatch   *int
	handoff   *handoffCheck
	http      []httpCheck
	events    []map[string]any
	lifecycle string
	ended     *bool
	route     *routeCheck
	requests  []requestCheck
	// requestsOK is set when requests: was given (possibly empty).
	requestsOK bool
	// checkPos is where each check's key is, for its failures.
	checkPos map[string]flows.Pos
	// varPos is where each variable of vars: is, for its failures.
	varPos map[string]flows.Pos
}

// at prefixes a failure of the step's check key with the key's position
// (path:line:col, where editors jump).
func (s *Step) at(key, msg string) string {
	if pos, ok := s.checkPos[key]; ok {
		return pos.String() + ": " + msg
	}
	return msg
}

// Replies is how many replies the step's bot: check asks for: at least
// n (a list matches replies in order, others may come between), exactly
// when exact (bot: [], no reply). Without a bot: check it is 0, false.
func (s *Step) Replies() (n int, exact bool) {
	if s.bot == nil {
		return 0, false
	}
	return len(s.bot.want), len(s.bot.want) == 0
}

// Input describes the step's input for failure messages: `user: "1"`.
func (s *Step) Input() string {
	return s.Kind + ": " + strconv.Quote(s.Value)
}

// testParser collects every problem in a test file.
type testParser struct {
	path string
	errs []string
}

func (p *testParser) pos(n *yaml.Node) flows.Pos {
	return flows.Pos{File: p.path, Line: n.Line, Col: n.Column}
}

func (p *testParser) errorf(n *yaml.Node, format string, args ...any) {
	p.errs = append(p.errs, fmt.Sprintf("%s: %s", p.pos(n), fmt.Sprintf(format, args...)))
}

// fields walks a mapping node, reporting unknown keys (with a suggestion)
// and calling each for the known ones.
func (p *testParser) fields(n *yaml.Node, what string, known []string, each func(key string, k, v *yaml.Node)) {
	if n.Kind != yaml.MappingNode {
		p.errorf(n, "%s must be a mapping (key: value lines)", what)
		return
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if seen[k.Value] {
			p.errorf(k, "%q is given twice in %s", k.Value, what)
			continue
		}
		seen[k.Value] = true
		if !slices.Contains(known, k.Value) {
			msg := fmt.Sprintf("unknown key %q in %s", k.Value, what)
			if s := flows.Suggest(k.Value, known); s != "" {
				msg += fmt.Sprintf("; did you mean %q?", s)
			} else {
				msg += "; expected one of " + strings.Join(known, ", ")
			}
			p.errorf(k, "%s", msg)
			continue
		}
		each(k.Value, k, v)
	}
}

func (p *testParser) str(n *yaml.Node, what string) string {
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		p.errorf(n, "%s must be a text", what)
		return ""
	}
	return n.Value
}

// strPtr reads a text for a check whose nil means "not checked".
func (p *testParser) strPtr(n *yaml.Node, what string) *string {
	s := p.str(n, what)
	return &s
}

func (p *testParser) value(n *yaml.Node) any {
	var v any
	if err := n.Decode(&v); err != nil {
		p.errorf(n, "%v", err)
	}
	return normJSON(v)
}

var (
	fileKeys = []string{"flow", "config", "lang", "now", "channel", "user", "vars", "http", "conversations"}
	convKeys = []string{"name", "steps", "config", "lang", "now", "channel", "user", "vars", "http"}
	stepKeys = []string{"user", "button", "media", "wait", "agent", "ticket", "close", "after",
		"bot", "options", "state", "vars", "no_match", "handoff", "http", "events", "lifecycle", "ended",
		"route", "requests"}
	inputKeys = []string{"user", "button", "media", "wait", "agent", "ticket", "close"}
)

// Parse reads a test file; errs lists every problem in it, each as
// path:line:col: message. The flow and the configs it names are not
// loaded: Run checks the setups against them.
func Parse(path string) (*File, []string) {
	return parse(path, dsl.ReadLimited)
}

// parse is Parse, reading the file with read (at most MaxFileSize+1
// bytes).
func parse(path string, read func(string) ([]byte, error)) (*File, []string) {
	src, err := read(path)
	if err != nil {
		return nil, []string{fmt.Sprintf("%s: %v", path, err)}
	}
	if len(src) > MaxFileSize {
		return nil, []string{fmt.Sprintf("%s: the file is larger than %d bytes (1 MiB), the limit for a test file; split its conversations into several files", path, MaxFileSize)}
	}
	p := &testParser{path: path}
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil {
		if at, msg := dsl.NotText(src, "a test file"); msg != "" {
			return nil, []string{fmt.Sprintf("%s: not a text file: %s", dsl.BytePos(path, src, at), msg)}
		}
		pos, msg := dsl.YAMLError(path, src, err)
		return nil, []string{fmt.Sprintf("%s: %s", pos, msg)}
	}
	if len(doc.Content) == 0 {
		return nil, []string{fmt.Sprintf("%s: the file is empty; a test file needs flow: and conversations:", path)}
	}
	root := doc.Content[0]
	tf := &File{Path: path}
	var defaults Setup
	var convsNode *yaml.Node
	p.fields(root, "the test file", fileKeys, func(key string, k, v *yaml.Node) {
		switch key {
		case "flow":
			tf.FlowPos = p.pos(v)
			if s := p.str(v, "flow"); s != "" {
				tf.FlowPath = relativeTo(path, s)
			}
		case "conversations":
			convsNode = v
		default:
			p.setup(&defaults, key, v)
		}
	})
	if root.Kind == yaml.MappingNode && tf.FlowPath == "" && len(p.errs) == 0 {
		p.errorf(root, "missing flow: the path of the flow to test, relative to this file")
	}
	if convsNode == nil {
		if root.Kind == yaml.MappingNode {
			p.errorf(root, "missing conversations: the list of conversations to run")
		}
		return tf, p.errs
	}
	if convsNode.Kind != yaml.SequenceNode {
		p.errorf(convsNode, "conversations must be a list")
		return tf, p.errs
	}
	if len(convsNode.Content) == 0 {
		p.errorf(convsNode, "conversations is empty: add a conversation (name: and steps:) or remove the file")
	}
	named := map[string]int{} // a conversation's name: the line it is on
	type defaultName struct {
		at   *yaml.Node
		name string
	}
	var unnamed []defaultName // the conversations called "conversation N"
	for i, cn := range convsNode.Content {
		c := &Conversation{Pos: p.pos(cn), Setup: defaults}
		c.Setup.VarPos = defaults.VarPos
		var stepsNode *yaml.Node
		p.fields(cn, "a conversation", convKeys, func(key string, k, v *yaml.Node) {
			switch key {
			case "name":
				c.Name = p.str(v, "name")
				if c.Name == "" {
					break
				}
				if line, ok := named[c.Name]; ok {
					p.errorf(v, "conversation name %q is already the name of the conversation at line %d; give each conversation its own name", c.Name, line)
				} else {
					named[c.Name] = v.Line
				}
			case "steps":
				stepsNode = v
			default:
				p.setup(&c.Setup, key, v)
			}
		})
		if c.Name == "" {
			c.Name = fmt.Sprintf("conversation %d", i+1)
			unnamed = append(unnamed, defaultName{cn, c.Name})
		}
		if stepsNode == nil || stepsNode.Kind != yaml.SequenceNode || len(stepsNode.Content) == 0 {
			at := cn
			if stepsNode != nil {
				at = stepsNode
			}
			p.errorf(at, "conversation %q needs steps: a list of user/button/wait/agent/ticket steps", c.Name)
		} else {
			for _, sn := range stepsNode.Content {
				c.Steps = append(c.Steps, p.step(sn))
			}
			p.checkWaits(c)
		}
		tf.Conversations = append(tf.Conversations, c)
	}
	// A default name must not be another conversation's explicit one,
	// written before or after it.
	for _, u := range unnamed {
		if line, ok := named[u.name]; ok {
			p.errorf(u.at, "this conversation has no name: and would be called %q, the name of the conversation at line %d; give it a name", u.name, line)
		}
	}
	return tf, p.errs
}

// checkWaits reports the wait (or after:) that takes c's clock past the year 9000,
// the bound now: keeps (past 9999 no time can be written as JSON, and the
// session would be lost).
func (p *testParser) checkWaits(c *Conversation) {
	clock := c.Setup.Start()
	for _, st := range c.Steps {
		what := "after: " + sandbox.FormatDuration(st.After)
		clock = clock.Add(st.After)
		if st.Kind == sandbox.StepWait && st.Wait > 0 {
			what = "wait: " + st.Value
			clock = clock.Add(st.Wait)
		}
		if y := clock.Year(); y > maxYear {
			p.errs = append(p.errs, fmt.Sprintf("%s: %s takes the clock to the year %d, past %d (the years the sandbox's clock keeps to): start the conversation earlier (now:) or wait less", st.Pos, what, y, maxYear))
			return
		}
	}
}

// The years a test's clock keeps to, as baton chat's and baton
// sandbox's: past 9999 no time can be written as JSON, and the session is
// lost.
const minYear, maxYear = 1900, 9000

// MaxFileSize is the largest test file accepted, in bytes: a flow file's
// limit.
const MaxFileSize = dsl.MaxFileSize

// setup parses one of the keys a file and a conversation share.
func (p *testParser) setup(s *Setup, key string, v *yaml.Node) {
	switch key {
	case "lang":
		s.Lang = p.str(v, "lang")
		s.LangPos = p.pos(v)
	case "now":
		t, err := time.Parse(time.RFC3339, p.str(v, "now"))
		if err != nil {
			p.errorf(v, "now: %q is not an RFC 3339 time; write it like 2026-03-03T10:30:00+01:00", v.Value)
			return
		}
		if y := t.Year(); y < minYear || y > maxYear {
			p.errorf(v, "now: %s is in the year %d: set the clock between the years %d and %d", v.Value, y, minYear, maxYear)
			return
		}
		s.Now = t
	case "channel":
		s.Channel = p.str(v, "channel")
		if s.Channel != "" {
			if err := sandbox.CheckChannel(s.Channel); err != nil {
				p.errorf(v, "channel: %v", err)
			}
		}
	case "config":
		s.ConfigPos = p.pos(v)
		s.Config = ""
		if c := p.str(v, "config"); c != "" {
			s.Config = relativeTo(p.path, c)
		}
	case "user":
		c := &flows.Contact{}
		p.fields(v, "user", []string{"id", "name", "phone", "email", "meta"}, func(key string, _, v *yaml.Node) {
			switch key {
			case "id":
				c.ID = p.str(v, "user.id")
			case "name":
				c.Name = p.str(v, "user.name")
			case "phone":
				c.Phone = p.str(v, "user.phone")
			case "email":
				c.Email = p.str(v, "user.email")
			case "meta":
				if v.Kind != yaml.MappingNode {
					p.errorf(v, "user.meta must be a mapping of names to texts, like {vip: \"true\"}")
					return
				}
				c.Meta = map[string]string{}
				for j := 0; j+1 < len(v.Content); j += 2 {
					c.Meta[v.Content[j].Value] = p.str(v.Content[j+1], "a user.meta value")
				}
			}
		})
		s.User = c
	case "vars":
		vars, pos := p.varsMap(v, "vars")
		s.Vars = mergeMaps(s.Vars, vars)
		s.VarPos = mergeMaps(s.VarPos, pos)
	case "http":
		if v.Kind != yaml.SequenceNode {
			p.errorf(v, "http must be a list of canned responses ({method, url or url_regex, status, body})")
			return
		}
		var list []*sandbox.Canned
		for _, hn := range v.Content {
			if c := p.canned(hn); c != nil {
				list = append(list, c)
			}
		}
		// A conversation's responses come before the file's.
		s.HTTP = append(list, s.HTTP...)
	}
}

func mergeMaps[V any](base, over map[string]V) map[string]V {
	out := make(map[string]V, len(base)+len(over))
	for k, v := range base {
		out[k] = v
	}
	for k, v := range over {
		out[k] = v
	}
	return out
}

func (p *testParser) varsMap(v *yaml.Node, what string) (map[string]any, map[string]flows.Pos) {
	if v.Kind != yaml.MappingNode {
		p.errorf(v, "%s must be a mapping of variable names to values", what)
		return nil, nil
	}
	vars := map[string]any{}
	pos := map[string]flows.Pos{}
	for i := 0; i+1 < len(v.Content); i += 2 {
		vars[v.Content[i].Value] = p.value(v.Content[i+1])
		pos[v.Content[i].Value] = p.pos(v.Content[i])
	}
	return vars, pos
}

func (p *testParser) canned(n *yaml.Node) *sandbox.Canned {
	c := &sandbox.Canned{Pos: p.pos(n), Status: 200}
	p.fields(n, "a canned http response", []string{"method", "url", "url_regex", "status", "body", "error"}, func(key string, _, v *yaml.Node) {
		switch key {
		case "method":
			c.Method = strings.ToUpper(p.str(v, "method"))
		case "url":
			c.URL = p.str(v, "url")
		case "url_regex":
			re, err := regexp.Compile(p.str(v, "url_regex"))
			if err != nil {
				p.errorf(v, "url_regex: %v", err)
				return
			}
			c.URLRegex = re
		case "status":
			st, err := strconv.Atoi(v.Value)
			if err != nil || st < 0 || st > 999 {
				p.errorf(v, "status must be an HTTP status code like 200 or 404, not %q", v.Value)
			}
			c.Status = st
		case "body":
			c.Body = p.value(v)
		case "error":
			c.Error = p.str(v, "error")
			c.Status = 0
		}
	})
	if c.URL != "" && c.URLRegex != nil {
		p.errorf(n, "a canned http response has both url: and url_regex:; keep one (url: is exact, url_regex: a pattern)")
		return nil
	}
	if n.Kind == yaml.MappingNode && c.URL == "" && c.URLRegex == nil {
		p.errorf(n, "a canned http response needs url: (exact) or url_regex:")
		return nil
	}
	return c
}

// relativeTo resolves a path written in the file at from: relative paths
// start at that file's directory, absolute ones stay as they are.
func relativeTo(from, path string) string {
	path = filepath.FromSlash(path)
	if filepath.IsAbs(path) {
		return path
	}
	return filepath.Join(filepath.Dir(from), path)
}
