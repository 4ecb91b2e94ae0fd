package studio

import (
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"regexp"
	"strings"
	"testing"
)

// The vendored libraries are the npm packages' files, unchanged: their
// hashes are the ones assets/vendor/README.md pins.
func TestVendoredAssetsArePinned(t *testing.T) {
	readme, err := fs.ReadFile(assets, "assets/vendor/README.md")
	if err != nil {
		t.Fatal(err)
	}
	pins := regexp.MustCompile(`(?m)^    ([0-9a-f]{64})  (\S+)$`).FindAllStringSubmatch(string(readme), -1)
	if len(pins) != 4 {
		t.Fatalf("README.md pins %d files, want 4", len(pins))
	}
	for _, p := range pins {
		b, err := fs.ReadFile(assets, "assets/vendor/"+p[2])
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(b)
		if got := hex.EncodeToString(sum[:]); got != p[1] {
			t.Errorf("%s: sha256 %s, README.md pins %s", p[2], got, p[1])
		}
	}
	// The page imports them through its import map, and nothing else from
	// outside.
	page, _ := fs.ReadFile(assets, "assets/index.html")
	for _, f := range []string{"vendor/preact.mjs", "vendor/preact-hooks.mjs", "vendor/htm.mjs", "vendor/dagre.esm.js"} {
		if !strings.Contains(string(page), "./assets/"+f) {
			t.Errorf("the import map lacks %s", f)
		}
	}
	if regexp.MustCompile(`(src|href)="(https?:)?//`).Match(page) {
		t.Error("the page loads something from the network")
	}
}
