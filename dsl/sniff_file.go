package dsl

// Finding a project's YAML files and telling what each is, the way
// 'baton validate DIR' and 'baton test DIR' do.

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// SkipDir reports whether a directory under the one named on the command
// line is left out of a search for a project's YAML files: hidden ones,
// "_" ones, testdata, vendor and node_modules.
func SkipDir(name string) bool {
	return strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") || name == "testdata" || name == "vendor" || name == "node_modules"
}

// WalkYAML calls fn for every .yaml and .yml file under dir (sorted, not in
// the directories SkipDir leaves out) with what it is (Sniff). A file
// or directory that cannot be read is passed as a flow, so loading it says
// why.
func WalkYAML(dir string, fn func(path string, kind Kind)) {
	_ = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			fn(path, KindFlow)
			return nil
		}
		if d.IsDir() {
			if path != dir && SkipDir(d.Name()) {
				return filepath.SkipDir
			}
			return nil
		}
		if ext := filepath.Ext(path); ext != ".yaml" && ext != ".yml" {
			return nil
		}
		fn(path, SniffFile(path))
		return nil
	})
}

// SniffFile is Sniff on the file at path; a file that cannot be read
// is a flow (loading it says why). A file that is not valid YAML as it is
// and has none of a flow's top-level keys is not a flow: a deployment
// config, whose ${NAME} references make it YAML only once they are
// replaced.
//
// At most MaxFileSize+1 bytes are read: a larger file is a flow, unless a
// line of it starts with "conversations:" (loading it says it is too
// large).
func SniffFile(path string) Kind {
	src, err := ReadLimited(path)
	if err != nil {
		return KindFlow
	}
	k := Sniff(src)
	if k != KindFlow || len(src) > MaxFileSize || isYAML(src) {
		return k
	}
	keys := topLevelKey.FindAllSubmatch(src, -1)
	if len(keys) == 0 {
		return k
	}
	for _, m := range keys {
		if slices.Contains(flowKeys, string(m[1])) {
			return k
		}
	}
	return KindOther
}

// flowKeys are top-level keys only flows and included files have.
var flowKeys = []string{"flow", "languages", "start", "states", "triggers", "include", "hours", "subflows", "no_match", "timeouts", "on_reload"}

// topLevelKey is a key at the start of a line.
var topLevelKey = regexp.MustCompile(`(?m)^([A-Za-z_][A-Za-z0-9_]*)[ \t]*:`)

// isYAML reports whether src reads as YAML.
func isYAML(src []byte) bool {
	var v any
	return yaml.Unmarshal(src, &v) == nil
}

// ReadsAsYAML reports whether the file at path reads as YAML; a file
// larger than MaxFileSize does not.
func ReadsAsYAML(path string) bool {
	src, err := ReadLimited(path)
	return err == nil && len(src) <= MaxFileSize && isYAML(src)
}

// PathError says what is wrong with a path a user named, from the error
// of reading or statting it: "flows/shop.yaml: no such file or directory",
// "tests: permission denied", without Go's "stat" or "open" prefix. The
// commands and the test runner word missing paths alike with it.
func PathError(path string, err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return errors.New(path + ": no such file or directory")
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return fmt.Errorf("%s: %w", path, err)
}
