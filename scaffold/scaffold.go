package scaffold

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/template"
	"time"
	"unicode"

	"github.com/batonbot/baton/config"
	"github.com/batonbot/baton/dsl"
)

//go:embed templates
var templates embed.FS

// Options say what to write.
type Options struct {
	// Dir is the project's directory; it is created when missing.
	Dir string
	// Langs are the flow's languages, the first the default (Languages).
	Langs []string
	// Name is the bot's name ("Acme Support"): the flow is named after
	// it (acme-support). By default Dir's base name.
	Name string
	// Force writes into a directory that is not empty, replacing the
	// files the scaffold writes.
	Force bool
}

// ErrNotEmpty is returned when Dir has files and Options.Force is not set.
var ErrNotEmpty = errors.New("the directory is not empty")

// Languages are the languages a scaffold can speak, sorted.
func Languages() []string {
	out := make([]string, 0, len(languages))
	for code := range languages {
		out = append(out, code)
	}
	slices.Sort(out)
	return out
}

// ParseLangs reads a --lang value: one language or several, comma
// separated ("it,en"), each one of Languages.
func ParseLangs(s string) ([]string, error) {
	var out []string
	for _, l := range strings.Split(s, ",") {
		l = strings.ToLower(strings.TrimSpace(l))
		if l == "" {
			continue
		}
		if _, ok := languages[l]; !ok {
			return nil, fmt.Errorf("no scaffold in language %q: choose among %s", l, strings.Join(Languages(), ", "))
		}
		if !slices.Contains(out, l) {
			out = append(out, l)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no language given: choose among %s", strings.Join(Languages(), ", "))
	}
	return out, nil
}

// File is a file the scaffold writes, its path relative to Options.Dir.
type File struct {
	Path string
	Data []byte
}

// Files renders the project's files without writing them.
func Files(o Options) ([]File, error) {
	if len(o.Langs) == 0 {
		return nil, errors.New("scaffold: no language")
	}
	var langs []*language
	for _, code := range o.Langs {
		l, ok := languages[code]
		if !ok {
			return nil, fmt.Errorf("scaffold: no language %q", code)
		}
		langs = append(langs, l)
	}
	name := o.Name
	if name == "" {
		abs, err := filepath.Abs(o.Dir)
		if err != nil {
			return nil, err
		}
		name = filepath.Base(abs)
	}
	d := newData(flowName(name), langs)
	if t := strings.Join(strings.Fields(o.Name), " "); t != "" {
		d.Title = t // as the user wrote it, on one line (it is in comments)
	}
	var files []File
	for _, t := range []struct{ tmpl, path string }{
		{"flow.yaml.tmpl", "flows/bot.yaml"},
		{"test.yaml.tmpl", "tests/bot.yaml"},
		{"baton.yaml.tmpl", "baton.yaml"},
		{"README.md.tmpl", "README.md"},
	} {
		b, err := d.render(t.tmpl)
		if err != nil {
			return nil, err
		}
		files = append(files, File{t.path, b})
	}
	files = append(files,
		File{"flow.schema.json", dsl.Schema()},
		File{"config.schema.json", config.Schema()},
		File{".gitignore", []byte("# baton serve's store (baton.yaml: store)\nbaton.db\n")},
	)
	return files, nil
}

// Write writes the project into o.Dir and returns the files written. A
// directory with files in it (other than .git) is refused (ErrNotEmpty)
// unless o.Force.
func Write(o Options) ([]File, error) {
	files, err := Files(o)
	if err != nil {
		return nil, err
	}
	entries, err := os.ReadDir(o.Dir)
	// A fresh Git repository (git init, an empty clone) is empty here.
	entries = slices.DeleteFunc(entries, func(e fs.DirEntry) bool { return e.Name() == ".git" })
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return nil, err
	case len(entries) > 0 && !o.Force:
		return nil, ErrNotEmpty
	}
	for _, f := range files {
		p := filepath.Join(o.Dir, filepath.FromSlash(f.Path))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return nil, err
		}
		if err := os.WriteFile(p, f.Data, 0o644); err != nil {
			return nil, err
		}
	}
	return files, nil
}

// flowName makes a flow name of a directory's name: lower case letters,
// digits and dashes ("My Bot" → "my-bot").
func flowName(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		if unicode.IsLetter(r) && r < unicode.MaxASCII || unicode.IsDigit(r) && r < unicode.MaxASCII {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(r)
			dash = false
		} else {
			dash = true
		}
	}
	if b.Len() == 0 {
		return "support-bot"
	}
	return b.String()
}

// data is what the templates see.
type data struct {
	Name  string // the flow's name
	Title string // the name for people: "My bot"
	Lang  *language
	// Others are the languages after the first.
	Others   []*language
	langs    []*language
	Timezone string
	// InHours and AfterHours are the tests' clocks: a Tuesday morning and
	// a Saturday evening in the first language's timezone.
	InHours, AfterHours string
	LangList            string // [it, en]
	LangNames           string // Italian and English
	Keyword             string // a word that asks for a person, in Lang
}

func newData(name string, langs []*language) *data {
	d := &data{Name: name, Lang: langs[0], Others: langs[1:], langs: langs, Timezone: langs[0].Timezone, Keyword: langs[0].Keywords[0]}
	d.Title = strings.ToUpper(name[:1]) + strings.ReplaceAll(name[1:], "-", " ")
	loc, err := time.LoadLocation(d.Timezone)
	if err != nil {
		loc = time.UTC
	}
	d.InHours = time.Date(2026, 3, 3, 10, 30, 0, 0, loc).Format(time.RFC3339)
	d.AfterHours = time.Date(2026, 3, 7, 20, 0, 0, 0, loc).Format(time.RFC3339)
	var codes, names []string
	for _, l := range langs {
		codes = append(codes, l.Code)
		names = append(names, l.Name)
	}
	d.LangList = "[" + strings.Join(codes, ", ") + "]"
	d.LangNames = names[0]
	if n := len(names); n > 1 {
		d.LangNames = strings.Join(names[:n-1], ", ") + " and " + names[n-1]
	}
	return d
}

func (d *data) render(name string) ([]byte, error) {
	t, err := template.New(name).Delims("<%", "%>").Funcs(template.FuncMap{
		"t":    d.text,
		"list": d.list,
		"t1":   func(key string) string { return d.expect(d.Lang, key) },
		"tl":   func(code, key string) string { return d.expect(languages[code], key) },
		"q":    quote,
	}).ParseFS(templates, "templates/"+name)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := t.Execute(&b, d); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// say is a text of the flow in one language, the project's name filled in.
func (d *data) say(l *language, key string) string {
	s, ok := l.Texts[key]
	if !ok {
		panic("scaffold: no text " + key + " in " + l.Code)
	}
	return strings.ReplaceAll(s, "$NAME", d.Title)
}

// text is a text of the flow as YAML: one quoted string for one language,
// else a map by language. The flow's texts are templates: braces in the
// name are written as a hole that gives them.
func (d *data) text(key string) string {
	say := func(l *language) string {
		s := d.say(l, key)
		if strings.Contains(d.Title, "{{") {
			s = strings.ReplaceAll(s, d.Title, strings.ReplaceAll(d.Title, "{{", `{{ "{{" }}`))
		}
		return quote(s)
	}
	if len(d.langs) == 1 {
		return say(d.langs[0])
	}
	var parts []string
	for _, l := range d.langs {
		parts = append(parts, l.Code+": "+say(l))
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

// list is a list of words (the keywords, an option's synonyms) as YAML,
// by language when there are several.
func (d *data) list(kind string) string {
	words := func(l *language) []string {
		if kind == "keywords" {
			return l.Keywords
		}
		return l.Synonyms[kind]
	}
	flat := func(ws []string) string {
		q := make([]string, len(ws))
		for i, w := range ws {
			q[i] = quote(w)
		}
		return "[" + strings.Join(q, ", ") + "]"
	}
	if len(d.langs) == 1 {
		return flat(words(d.langs[0]))
	}
	var parts []string
	for _, l := range d.langs {
		parts = append(parts, l.Code+": "+flat(words(l)))
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

// testEmail is the address the tests' customer gives.
const testEmail = "anna@example.com"

// expect is what the bot says in a test: the text with its expression
// evaluated as the test's conversation has it.
func (d *data) expect(l *language, key string) string {
	return quote(strings.ReplaceAll(d.say(l, key), "{{ email }}", testEmail))
}

// quote writes s as a YAML double-quoted scalar (JSON's string syntax is
// YAML's).
func quote(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	return strings.TrimSuffix(b.String(), "\n")
}
