package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// docYAMLBlocks returns the ```yaml blocks of a docs page, in order.
func docYAMLBlocks(t *testing.T, page string) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("../../docs", page))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, m := range regexp.MustCompile("(?s)\n```yaml\n(.*?)\n```").FindAllStringSubmatch(string(b), -1) {
		out = append(out, m[1]+"\n")
	}
	return out
}

// TestDocsTestingExamplesPass: the test files docs/testing.md shows pass
// on the example flow and config they name, as a reader who saves them
// beside examples/flows and runs 'baton test' sees.
func TestDocsTestingExamplesPass(t *testing.T) {
	examples, err := filepath.Abs("../../examples")
	if err != nil {
		t.Fatal(err)
	}
	blocks := docYAMLBlocks(t, "testing.md")
	if len(blocks) < 2 {
		t.Fatalf("docs/testing.md has %d yaml blocks, want its 2 test files", len(blocks))
	}
	dir := t.TempDir()
	for i, block := range blocks[:2] {
		if !strings.Contains(block, "flow: ../flows/support.yaml") {
			t.Fatalf("docs/testing.md's example %d does not test ../flows/support.yaml:\n%s", i+1, block)
		}
		// The paths are relative to a file in examples/tests.
		block = strings.Replace(block, "flow: ../flows/support.yaml", "flow: "+filepath.Join(examples, "flows/support.yaml"), 1)
		block = strings.Replace(block, "config: configs/", "config: "+filepath.Join(examples, "tests/configs")+"/", 1)
		path := filepath.Join(dir, "example"+string(rune('1'+i))+".yaml")
		writeFile(t, path, block)
		code, stdout, stderr := runCLI(t, "", "test", path)
		if code != exitOK || !strings.Contains(stdout, "1 passed, 0 failed") {
			t.Errorf("docs/testing.md's example %d: baton test exit %d\n%s%s", i+1, code, stdout, stderr)
		}
	}
}

// TestDocsConfigExamplesValidate: every deployment-config example of
// docs/channels.md, and the events: one of docs/analytics.md, passes
// 'baton validate --config' beside the example flows (their ${NAME}
// secrets unset: warnings).
func TestDocsConfigExamplesValidate(t *testing.T) {
	flowsDir, err := filepath.Abs("../../examples/flows")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.Symlink(flowsDir, filepath.Join(dir, "flows")); err != nil {
		t.Fatal(err)
	}
	var configs []string
	configs = append(configs, docYAMLBlocks(t, "channels.md")...)
	for _, b := range docYAMLBlocks(t, "analytics.md") {
		if strings.Contains(b, "\nevents:\n") {
			configs = append(configs, b)
		}
	}
	if len(configs) < 7 {
		t.Fatalf("found %d config examples, want channels.md's 6 and analytics.md's events:", len(configs))
	}
	for i, block := range configs {
		path := filepath.Join(dir, "baton.yaml")
		writeFile(t, path, block)
		if code, stdout, stderr := runCLI(t, "", "validate", "--config", path); code != exitOK {
			t.Errorf("example %d: baton validate --config exit %d\n%s\n%s%s", i+1, code, block, stdout, stderr)
		}
	}
}

// TestDocsServeConfigValidates: the serve sections docs/serve.md shows
// (server, store, bridge) pass 'baton validate --config' as written, its
// channels line (a sketch pointing to channels.md) standing for a web
// widget.
func TestDocsServeConfigValidates(t *testing.T) {
	flowsDir, err := filepath.Abs("../../examples/flows")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.Symlink(flowsDir, filepath.Join(dir, "flows")); err != nil {
		t.Fatal(err)
	}
	blocks := docYAMLBlocks(t, "serve.md")
	if len(blocks) == 0 || !strings.HasPrefix(blocks[0], "server:\n") {
		t.Fatalf("docs/serve.md's first yaml block is not the serve sections:\n%q", blocks)
	}
	sketch := regexp.MustCompile(`(?m)^channels: \{whatsapp: \[\.\.\.\], telegram: \[\.\.\.\], web: \[\.\.\.\]\}.*$`)
	if !sketch.MatchString(blocks[0]) {
		t.Fatalf("docs/serve.md's serve sections have no channels sketch line:\n%s", blocks[0])
	}
	path := filepath.Join(dir, "baton.yaml")
	writeFile(t, path, sketch.ReplaceAllString(blocks[0], "channels: {web: [{flow: flows/support.yaml}]}"))
	code, stdout, stderr := runCLI(t, "", "validate", "--config", path)
	if code != exitOK || strings.Contains(stderr, "unknown key") {
		t.Errorf("docs/serve.md's serve sections: baton validate --config exit %d\n%s\n%s%s", code, blocks[0], stdout, stderr)
	}
}
