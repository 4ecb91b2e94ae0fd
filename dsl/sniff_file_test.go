package dsl

import (
	"path/filepath"
	"testing"
)

// TestWalkYAMLSniffsAProject: the example project's flows, included
// files, deployment configs (YAML only once their ${NAME} are replaced)
// and conversation tests are told apart, and nothing under a skipped
// directory is walked.
func TestWalkYAMLSniffsAProject(t *testing.T) {
	got := map[string]Kind{}
	WalkYAML("../examples", func(path string, kind Kind) {
		got[filepath.ToSlash(path)] = kind
	})
	for path, want := range map[string]Kind{
		"../examples/baton.yaml":                   KindOther,
		"../examples/flows/support.yaml":           KindFlow,
		"../examples/flows/common/escalation.yaml": KindFragment,
		"../examples/tests/booking.yaml":           KindTest,
		"../examples/tests/configs/helpdesk.yaml":  KindOther,
	} {
		if k, ok := got[path]; !ok || k != want {
			t.Errorf("%s: kind %v (found %t), want %v", path, k, ok, want)
		}
	}
	for path := range got {
		if SkipDir(filepath.Base(filepath.Dir(path))) {
			t.Errorf("%s is under a directory WalkYAML skips", path)
		}
	}
	if k := SniffFile("../examples/no-such-file.yaml"); k != KindFlow {
		t.Errorf("a file that cannot be read is %v, want a flow (loading it says why)", k)
	}
}
