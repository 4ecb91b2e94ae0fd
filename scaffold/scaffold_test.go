package scaffold

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestFlowName(t *testing.T) {
	for in, want := range map[string]string{
		"acme":          "acme",
		"My Bot":        "my-bot",
		"  support__v2": "support-v2",
		"Caffè Roma":    "caff-roma",
		"---":           "support-bot",
		"":              "support-bot",
	} {
		if got := flowName(in); got != want {
			t.Errorf("flowName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseLangs(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
		err  string
	}{
		{"it", []string{"it"}, ""},
		{"ES", []string{"es"}, ""},
		{"it, en,it", []string{"it", "en"}, ""},
		{"fr", nil, `no scaffold in language "fr": choose among en, es, it`},
		{" , ", nil, "no language given"},
	} {
		got, err := ParseLangs(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("ParseLangs(%q): error %v, want %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("ParseLangs(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
}

// TestEveryLanguageHasEveryText: a text missing in one language would
// panic while rendering.
func TestEveryLanguageHasEveryText(t *testing.T) {
	en := languages["en"]
	for code, l := range languages {
		for key := range en.Texts {
			if l.Texts[key] == "" {
				t.Errorf("%s has no text %q", code, key)
			}
		}
		if len(l.Texts) != len(en.Texts) {
			t.Errorf("%s has %d texts, en %d", code, len(l.Texts), len(en.Texts))
		}
		for kind := range en.Synonyms {
			if len(l.Synonyms[kind]) == 0 {
				t.Errorf("%s has no synonyms for %s", code, kind)
			}
		}
		if len(l.Keywords) == 0 || l.Hello == "" || l.NotEmail == "" || l.AgentReply == "" {
			t.Errorf("%s lacks keywords or the tests' lines", code)
		}
	}
}

func TestWriteRefusesANonEmptyDir(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "x"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Write(Options{Dir: dir, Langs: []string{"en"}}); !errors.Is(err, ErrNotEmpty) {
		t.Fatalf("err %v, want ErrNotEmpty", err)
	}
	files, err := Write(Options{Dir: dir, Langs: []string{"en"}, Force: true, Name: "Shop Help"})
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "flows", "bot.yaml"))
	if err != nil || !strings.Contains(string(b), "\nflow: shop-help\n") || !strings.Contains(string(b), "virtual assistant of Shop Help.") {
		t.Errorf("%d files; the flow:\n%s", len(files), b)
	}
}

// A directory that holds only a Git repository (git init, or the clone
// of a new empty repository) is empty for init: nothing of the project
// is there to replace.
func TestWriteIntoAFreshGitRepository(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, ".git", "objects"), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := Write(Options{Dir: dir, Langs: []string{"en"}}); err != nil {
		t.Fatalf("err %v, want the project written beside .git", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "flows", "bot.yaml")); err != nil {
		t.Error(err)
	}
}
