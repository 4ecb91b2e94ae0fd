package dsl

import (
	"fmt"
	"strings"
	"testing"
)

// mediumFlow writes a flow of n menu states, each with templates,
// expressions, an ask and an HTTP call: the size of a real support bot.
func mediumFlow(n int) []byte {
	var b strings.Builder
	b.WriteString("flow: medium\nlanguages: [it, en]\nstart: s0\nvars: {tries: 0, vip: false}\n")
	b.WriteString("triggers:\n  - name: agent\n    keywords: {it: [operatore], en: [agent, human]}\n    goto: human\n")
	b.WriteString("  - name: angry\n    when: frustrated or sentiment < -0.6\n    handoff: {team: support}\n")
	b.WriteString("states:\n  human:\n    handoff: {say: {it: \"Un attimo\", en: \"One moment\"}, priority: '{{ vip ? \"high\" : \"normal\" }}'}\n")
	for i := 0; i < n; i++ {
		writeUnit(&b, i, (i+1)%n)
	}
	return []byte(b.String())
}

// writeUnit writes three states: a menu, an ask and an HTTP call, the
// unit of the benchmark flows.
func writeUnit(b *strings.Builder, i, next int) {
	fmt.Fprintf(b, `  s%d:
    say: {it: "Ciao {{ user.name }}, passo %d", en: "Hi {{ user.name }}, step %d"}
    set: {tries: "{{ tries + 1 }}"}
    menu:
      options:
        - {label: {it: Avanti, en: Next}, synonyms: {it: [prossimo], en: [forward]}, goto: a%d}
        - {label: {it: Operatore, en: Agent}, goto: human}
  a%d:
    ask: {save_as: code%d, pattern: '(?i)\b([a-z]\d{5})\b', validate: len(answer) == 6}
    next: h%d
  h%d:
    http:
      url: "https://api.example.com/orders/{{ code%d }}"
      body: {code: "{{ code%d }}", lang: "{{ lang }}"}
      save_as: r%d
      sandbox: [{status: 200, body: {ok: true}}]
    next:
      - when: r%d.ok and tries < 10
        goto: s%d
      - goto: human
`, i, i, i, i, i, i, i, i, i, i, i, i, next)
}

func BenchmarkLoadMedium(b *testing.B) {
	src := mediumFlow(30) // 91 states, ~300 expressions
	if f, ds := Load("medium.yaml", src); f == nil {
		b.Fatal(ds.Err())
	}
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		Load("medium.yaml", src)
	}
}

func BenchmarkLoadShop(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if f, ds := LoadFile("testdata/ok/shop.yaml"); f == nil {
			b.Fatal(ds.Err())
		}
	}
}

// BenchmarkLoadManyHoles loads one text with 5000 bad {{ }} holes: every
// position look-up resumes from the last, so the cost stays linear.
func BenchmarkLoadManyHoles(b *testing.B) {
	src := []byte("flow: x\nlanguages: [en]\nstart: a\nstates:\n  a:\n    say: \"" + strings.Repeat("{{ a }} ", 5000) + "\"\n    end: true\n")
	b.ReportAllocs()
	for b.Loop() {
		if _, diags := Load("holes.yaml", src); len(diags) != 5000 {
			b.Fatalf("%d diagnostics, want 5000", len(diags))
		}
	}
}

// scaledFlow writes a flow of about n states (mediumFlow's units of three
// states), split over files of at most perFile units each: the main file
// and includes, returned by path for WithReadFile.
func scaledFlow(n, perFile int) (string, map[string][]byte) {
	units := (n - 1) / 3
	files := map[string][]byte{}
	unit := func(b *strings.Builder, i int) { writeUnit(b, i, (i+1)%units) }
	var main strings.Builder
	main.WriteString("flow: scaled\nlanguages: [it, en]\nstart: s0\nvars: {tries: 0, vip: false}\n")
	nfiles := (units + perFile - 1) / perFile
	if nfiles > 1 {
		main.WriteString("include:\n")
		for k := 1; k < nfiles; k++ {
			fmt.Fprintf(&main, "  - part%d.yaml\n", k)
		}
	}
	main.WriteString("triggers:\n  - name: agent\n    keywords: {it: [operatore], en: [agent, human]}\n    goto: human\n")
	main.WriteString("states:\n  human:\n    handoff: {say: {it: \"Un attimo\", en: \"One moment\"}, priority: '{{ vip ? \"high\" : \"normal\" }}'}\n")
	for i := 0; i < min(units, perFile); i++ {
		unit(&main, i)
	}
	files["scaled.yaml"] = []byte(main.String())
	for k := 1; k < nfiles; k++ {
		var b strings.Builder
		b.WriteString("states:\n")
		for i := k * perFile; i < min(units, (k+1)*perFile); i++ {
			unit(&b, i)
		}
		files[fmt.Sprintf("part%d.yaml", k)] = []byte(b.String())
	}
	return "scaled.yaml", files
}

// BenchmarkLoadStates loads flows of 250, 1,000 and 5,000 states (the
// largest over includes): the time per state stays the same as the flow
// grows, so loading is linear.
func BenchmarkLoadStates(b *testing.B) {
	for _, n := range []int{250, 1000, 5000} {
		b.Run(fmt.Sprintf("states=%d", n), func(b *testing.B) {
			perFile := 400 // 1,200 states, ~500 KB per file
			main, files := scaledFlow(n, perFile)
			read := WithReadFile(func(name string) ([]byte, error) {
				if src, ok := files[name]; ok {
					return src, nil
				}
				return nil, fmt.Errorf("no file %s", name)
			})
			f, ds := Load(main, files[main], read)
			if f == nil {
				b.Fatal(ds.Err())
			}
			if got := len(f.States); got < n-3 || got > n {
				b.Fatalf("%d states, want about %d", got, n)
			}
			b.ReportAllocs()
			for b.Loop() {
				Load(main, files[main], read)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(f.States)), "ns/state")
		})
	}
}
