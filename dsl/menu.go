package dsl

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/batonbot/baton/flows"
	"go.yaml.in/yaml/v3"
)

var (
	menuKeys   = []string{"style", "options"}
	optionKeys = append([]string{"id", "label", "synonyms", "goto"}, actionKeys...)
	menuStyles = []string{string(flows.MenuAuto), string(flows.MenuButtons), string(flows.MenuList), string(flows.MenuText)}
)

// menu converts a numbered menu and checks WhatsApp's limits for its style.
func (l *loader) menu(n *yaml.Node) *flows.Menu {
	m := &flows.Menu{Pos: l.pos(n), Style: flows.MenuAuto}
	ps, ok := l.fields(n, "a menu", menuKeys)
	if !ok {
		return nil
	}
	var optsNode *yaml.Node
	for _, p := range ps {
		switch resolve(p.key).Value {
		case "style":
			if s, ok := l.name(p.val, "a menu style"); ok {
				if !contains(menuStyles, s) {
					l.errorf(p.val, "unknown menu style %q%s", s, suggestKey(s, menuStyles))
				} else {
					m.Style = flows.MenuStyle(s)
				}
			}
		case "options":
			optsNode = p.val
			items, ok := l.list(p.val, "a list of options")
			if !ok {
				return nil
			}
			ids := map[string]*yaml.Node{}
			for _, it := range items {
				o := l.option(it, len(m.Options)+1)
				if o == nil {
					continue
				}
				if first, dup := ids[o.ID]; dup {
					l.errorf(it, "two options have the id %q (the first at line %d); give one an id:", o.ID, first.Line)
				} else {
					ids[o.ID] = it
				}
				m.Options = append(m.Options, o)
			}
		}
	}
	if len(m.Options) == 0 {
		if optsNode == nil {
			optsNode = n
		}
		l.errorf(optsNode, "a menu needs options:")
		return m
	}
	l.menuLabels(m)
	l.menuTokens(m)
	l.menuNumbers(m)
	l.menuLimits(m, optsNode)
	return m
}

// menuLabels reports two options with the same label in a language,
// compared as the engine matches them (case and accents aside): typing it
// is a tie, which chooses neither.
func (l *loader) menuLabels(m *flows.Menu) {
	for _, lang := range l.flow.Languages {
		seen := make(map[string]*flows.Option, len(m.Options))
		for _, o := range m.Options {
			label, ok := o.Label[lang]
			key := strings.TrimSpace(flows.Fold(label))
			if !ok || key == "" {
				continue
			}
			if first, dup := seen[key]; dup {
				l.errAt(o.Pos, "options %d and %d have the same %s label %q: typing it chooses neither; reword one", first.Number, o.Number, lang, label)
				continue
			}
			seen[key] = o
		}
	}
}

// menuTokens reports an option id that is another option's
// flows.OptionToken (what a channel sends for an id too long for its
// buttons), or two ids with the same token: a tap on that button could
// not tell the options apart.
func (l *loader) menuTokens(m *flows.Menu) {
	tokens := make(map[string]*flows.Option, len(m.Options))
	for _, o := range m.Options {
		tok := flows.OptionToken(o.ID)
		if first, dup := tokens[tok]; dup && first.ID != o.ID {
			l.errAt(o.Pos, "options %d and %d have ids (%q, %q) that a channel would send as the same button token %q; change one of the ids", first.Number, o.Number, first.ID, o.ID, tok)
			continue
		}
		tokens[tok] = o
	}
	for _, o := range m.Options {
		if other, ok := tokens[o.ID]; ok && other != o && other.ID != o.ID {
			l.errAt(o.Pos, "option %d's id %q is the button token a channel sends for option %d's long id: a tap on it could mean either; change this id", o.Number, o.ID, other.Number)
		}
	}
}

// menuNumbers warns about an option whose label or synonym is another
// option's number: the engine takes a typed number as that option's
// (before labels), so typing it never chooses this one.
func (l *loader) menuNumbers(m *flows.Menu) {
	def := l.flow.DefaultLanguage()
	for _, o := range m.Options {
		labels := map[string]bool{}
		for _, s := range o.Label {
			labels[strings.TrimSpace(flows.Fold(s))] = true
		}
		warned := map[int]bool{}
		for _, k := range o.Keys {
			n := menuNumber(k)
			if n < 1 || n > len(m.Options) || n == o.Number || warned[n] {
				continue
			}
			warned[n] = true
			other := m.Options[n-1]
			if labels[k] {
				l.warnAt(o.Pos, "option %d's label %q is also option %d's number: a customer who types %d gets option %d (%q), not this one; give this option a label that is not a number, or move it to position %d",
					o.Number, k, n, n, n, other.Label.For(def, ""), n)
			} else {
				l.warnAt(o.Pos, "option %d's synonym %q is also option %d's number: a customer who types %d gets option %d (%q), not this one; drop the synonym or make it a word",
					o.Number, k, n, n, n, other.Label.For(def, ""))
			}
		}
	}
}

// menuNumber is the option number a message k picks as the engine reads
// it ("3", "3.", "#3"), else 0.
func menuNumber(k string) int {
	k = strings.TrimPrefix(strings.TrimRight(strings.TrimSpace(k), ".)"), "#")
	if k == "" || len(k) > 3 {
		return 0
	}
	n, err := strconv.Atoi(k)
	if err != nil {
		return 0
	}
	return n
}

// menuLimits checks WhatsApp's interactive limits for the menu's style.
func (l *loader) menuLimits(m *flows.Menu, optsNode *yaml.Node) {
	style := m.Style
	if style == flows.MenuAuto {
		switch {
		case len(m.Options) <= flows.MaxButtons:
			style = flows.MenuButtons
		case len(m.Options) <= flows.MaxListRows:
			style = flows.MenuList
		default:
			style = flows.MenuText
		}
	}
	var max, maxTitle int
	var what string
	switch style {
	case flows.MenuButtons:
		max, maxTitle, what = flows.MaxButtons, flows.MaxButtonTitleLen, "reply buttons"
	case flows.MenuList:
		max, maxTitle, what = flows.MaxListRows, flows.MaxListTitleLen, "list rows"
	default:
		return
	}
	auto := ""
	if m.Style == flows.MenuAuto {
		auto = " (style auto picks " + string(style) + " for " + itoa(len(m.Options)) + " options)"
	}
	if len(m.Options) > max {
		l.errorf(optsNode, "a %s menu has at most %d options (WhatsApp %s), this one has %d; use style: %s or split it", style, max, what, len(m.Options), nextStyle(style))
	}
	for _, o := range m.Options {
		for _, lang := range l.flow.Languages {
			label, ok := o.Label[lang]
			if !ok {
				continue
			}
			if c := utf8.RuneCountInString(label); c > maxTitle {
				l.errAt(o.Pos, "option %d's %s label %q has %d characters; WhatsApp %s allow at most %d%s: shorten it or use style: %s", o.Number, lang, label, c, what, maxTitle, auto, nextStyle(style))
			}
		}
	}
}

func nextStyle(s flows.MenuStyle) string {
	if s == flows.MenuButtons {
		return "list"
	}
	return "text"
}

// option converts one menu option; number is its 1-based position.
func (l *loader) option(n *yaml.Node, number int) *flows.Option {
	o := &flows.Option{Pos: l.pos(n), Number: number}
	ps, ok := l.fields(n, "a menu option", optionKeys)
	if !ok {
		return nil
	}
	keys := map[string]bool{}
	addKey := func(s string) {
		if k := strings.TrimSpace(flows.Fold(s)); k != "" && !keys[k] {
			keys[k] = true
			o.Keys = append(o.Keys, k)
		}
	}
	var idNode *yaml.Node
	var syns []string
	for _, p := range ps {
		switch k := resolve(p.key).Value; k {
		case "id":
			idNode = p.val
			o.ID, _ = l.name(p.val, "an option id")
		case "label":
			o.Label = l.localized(p.val, "label")
		case "synonyms":
			l.synonyms(p.val, func(s string) { syns = append(syns, s) })
		default:
			l.doKey(k, p, &o.Do)
		}
	}
	if !hasKey(ps, "label") {
		l.errorf(n, "option %d needs a label:", number)
		return nil
	}
	if o.Label == nil {
		return nil
	}
	for _, lang := range l.flow.Languages {
		if s, ok := o.Label[lang]; ok {
			addKey(s)
		}
	}
	for _, s := range syns {
		addKey(s)
	}
	if idNode == nil {
		o.ID = slug(o.Label.For(l.flow.DefaultLanguage(), ""))
		if o.ID == "" {
			o.ID = "option_" + itoa(number)
		}
	}
	return o
}

// synonyms reads a list of phrases or a map from language to phrases.
func (l *loader) synonyms(n *yaml.Node, add func(string)) {
	rn := resolve(n)
	if rn != nil && rn.Kind == yaml.MappingNode {
		for _, p := range l.uniquePairs(rn, "synonyms") {
			if !l.language(p.key) {
				continue
			}
			words, _ := l.strList(p.val, "synonym")
			for _, w := range words {
				add(w)
			}
		}
		return
	}
	words, _ := l.strList(n, "synonym")
	for _, w := range words {
		add(w)
	}
}

// slug makes an id from a label: folded words joined by _.
func slug(s string) string {
	return strings.Join(flows.Words(flows.Fold(s)), "_")
}

func itoa(i int) string { return strconv.Itoa(i) }
