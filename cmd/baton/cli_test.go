package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// runCLI runs baton with args and stdin, as main does, and returns the exit
// code and what it wrote.
func runCLI(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	e := &env{stdin: strings.NewReader(stdin), stdout: &out, stderr: &errb, getenv: func(string) string { return "" }}
	code = run(context.Background(), e, args)
	return code, out.String(), errb.String()
}

func wantCode(t *testing.T, got, want int, stdout, stderr string) {
	t.Helper()
	if got != want {
		t.Fatalf("exit code %d, want %d\nstdout:\n%s\nstderr:\n%s", got, want, stdout, stderr)
	}
}

func TestUsageErrorsExit2(t *testing.T) {
	for _, args := range [][]string{
		{"validate"},
		{"validate", "--bogus", "testdata/flows/shop.yaml"},
		{"chat"},
		{"chat", "a.yaml", "b.yaml"},
		{"chat", "--now", "yesterday", "testdata/flows/shop.yaml"},
		{"chat", "--lang", "fr", "testdata/flows/shop.yaml"},
		{"chat", "--var", "colour=red", "testdata/flows/shop.yaml"},
		{"chat", "--var", "novalue", "testdata/flows/shop.yaml"},
		{"chat", "--var", "vip=maybe", "testdata/flows/shop.yaml"},
		{"test"},
		{"test", "testdata/no/such/dir"},
		{"test", "--run", "(", "testdata/tests/shop_pass.yaml"},
		{"graph"},
		{"graph", "--format", "png", "testdata/flows/shop.yaml"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			code, stdout, stderr := runCLI(t, "", args...)
			wantCode(t, code, exitUsage, stdout, stderr)
			if !strings.Contains(stderr, "baton "+args[0]) {
				t.Errorf("stderr does not name the command:\n%s", stderr)
			}
		})
	}
}

func TestUsageMessages(t *testing.T) {
	_, _, stderr := runCLI(t, "", "chat", "--lang", "fr", "testdata/flows/shop.yaml")
	if !strings.Contains(stderr, `--lang "fr": the flow speaks en, it`) {
		t.Errorf("--lang error does not list the flow's languages:\n%s", stderr)
	}
	_, _, stderr = runCLI(t, "", "chat", "--lang", "eng", "testdata/flows/shop.yaml")
	if !strings.Contains(stderr, `--lang "eng": the flow speaks en, it; did you mean "en"?`) {
		t.Errorf("--lang eng does not suggest en:\n%s", stderr)
	}
	_, _, stderr = runCLI(t, "", "chat", "--var", "orderid=A1", "testdata/flows/shop.yaml")
	if !strings.Contains(stderr, `unknown variable "orderid"; did you mean "order_id"? (the flow's variables: order, order_id, score, vip)`) {
		t.Errorf("--var error does not suggest the variable:\n%s", stderr)
	}
	_, _, stderr = runCLI(t, "", "chat", "--var", "vip=maybe", "testdata/flows/shop.yaml")
	if !strings.Contains(stderr, `--var vip: "vip" is declared as true or false (false), not a text`) {
		t.Errorf("--var error does not say the variable's type:\n%s", stderr)
	}
	// A text variable takes the value as written, digits too.
	code, stdout, stderr := runCLI(t, "/vars\n", "chat", "--json", "--var", "order_id=12345", "testdata/flows/shop.yaml")
	wantCode(t, code, exitOK, stdout, stderr)
	if !strings.Contains(stdout, `"order_id":"12345"`) {
		t.Errorf("--var order_id=12345 is not the text \"12345\":\n%s", stdout)
	}
}

// TestVarTextAsJSON: --var values are JSON when valid (--help), so a text
// variable written as a JSON string is that string, without its quotes.
func TestVarTextAsJSON(t *testing.T) {
	code, stdout, stderr := runCLI(t, "/vars\n", "chat", "--json", "--var", `order_id="A-123"`, "testdata/flows/shop.yaml")
	wantCode(t, code, exitOK, stdout, stderr)
	if !strings.Contains(stdout, `"order_id":"A-123"`) {
		t.Errorf("--var order_id=\"A-123\" is not the text A-123:\n%s", stdout)
	}
}

func TestHelpGoesToStdout(t *testing.T) {
	for _, cmd := range []string{"validate", "chat", "test", "graph"} {
		code, stdout, stderr := runCLI(t, "", cmd, "--help")
		wantCode(t, code, exitOK, stdout, stderr)
		if !strings.HasPrefix(stdout, "Usage: baton "+cmd) {
			t.Errorf("%s --help: stdout does not start with the usage:\n%s", cmd, stdout)
		}
	}
}

// writeConfig writes a deployment config to a temporary baton.yaml and
// returns its path.
func writeConfig(t *testing.T, src string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "baton.yaml")
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}
