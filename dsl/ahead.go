package dsl

import (
	"path/filepath"
	"runtime"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Included files are parsed ahead: while the loader converts one file,
// the next files of its include: list are read (in order, on the loader's
// goroutine) and parsed on goroutines of their own. Parsing is most of the
// time a load takes, and a large flow is split over includes, so on a
// machine with cores to spare a flow of many files loads in little more
// than the time of its largest. At most aheadFiles files wait parsed,
// which bounds the memory their trees take.

// parsed is an included file parsed ahead.
type parsed struct {
	f     *srcFile
	err   error // reading it
	root  *yaml.Node
	diags Diagnostics // parsing it
	done  chan struct{}
}

// aheadFiles is how many files may be parsed ahead of the one converted.
func aheadFiles() int { return max(1, runtime.GOMAXPROCS(0)) }

// includePath is the path of an include: item relative to the file being
// converted, ok=false when the item is not a usable path (includes
// reports why).
func (l *loader) includePath(it *yaml.Node) (rel, path string, ok bool) {
	rn := resolve(it)
	if rn == nil || rn.Kind != yaml.ScalarNode || isNull(rn) || strings.TrimSpace(rn.Value) == "" {
		return "", "", false
	}
	rel, path = rn.Value, rn.Value
	if !filepath.IsAbs(rel) {
		path = filepath.Join(filepath.Dir(l.file.path), rel)
	}
	return rel, path, true
}

// includeItems lists the items of an include: value, a list or one path.
func includeItems(n *yaml.Node) []*yaml.Node {
	rn := resolve(n)
	switch {
	case rn == nil || isNull(rn):
		return nil
	case rn.Kind == yaml.SequenceNode:
		return rn.Content
	case rn.Kind == yaml.ScalarNode:
		return []*yaml.Node{n}
	}
	return nil
}

// parseAhead starts parsing the first files of items that are neither
// loaded, nor on the include chain, nor parsing already, while there is
// room ahead.
func (l *loader) parseAhead(items []*yaml.Node, chain []string) {
	for _, it := range items {
		if len(l.ahead) >= aheadFiles() || len(l.files)+len(l.ahead) > MaxIncludes {
			return
		}
		_, path, ok := l.includePath(it)
		if !ok || contains(chain, path) {
			continue
		}
		if _, done := l.files[path]; done {
			continue
		}
		if _, started := l.ahead[path]; started {
			continue
		}
		l.startParse(path)
	}
}

// startParse reads path and parses it on a goroutine of its own.
func (l *loader) startParse(path string) *parsed {
	p := &parsed{done: make(chan struct{})}
	if l.ahead == nil {
		l.ahead = map[string]*parsed{}
	}
	l.ahead[path] = p
	src, err := l.readFile(path)
	if err != nil {
		p.err = err
		close(p.done)
		return p
	}
	p.f = newSrcFile(path, src, 0)
	go func() {
		defer close(p.done)
		// A loader of its own: diagnostics are kept apart until the
		// file's turn comes.
		pl := &loader{files: map[string]*srcFile{path: p.f}}
		p.root = pl.parse(p.f)
		p.diags = pl.diags
	}()
	return p
}

// takeParsed waits for path's parse, started now if it was not, and hands
// it over: the file is the loader's from here.
func (l *loader) takeParsed(path string) *parsed {
	p := l.ahead[path]
	if p == nil {
		p = l.startParse(path)
	}
	<-p.done
	delete(l.ahead, path)
	return p
}

// waitAhead waits for the parses nobody took (a load that stopped early),
// so no work outlives the load.
func (l *loader) waitAhead() {
	for path, p := range l.ahead {
		<-p.done
		delete(l.ahead, path)
	}
}
