package nlu

import (
	"bytes"
	_ "embed"
	"slices"
)

// The labelled corpus embedded in the binary, which the built-in models
// train on: its files, in the order Corpus returns them, and the part the
// signal model uses.

//go:embed corpus/corpus.jsonl
var corpusData []byte

//go:embed corpus/additions.jsonl
var additionsData []byte

//go:embed corpus/round2.jsonl
var round2Data []byte

//go:embed corpus/round3.jsonl
var round3Data []byte

//go:embed corpus/round4.jsonl
var round4Data []byte

//go:embed corpus/round5.jsonl
var round5Data []byte

//go:embed corpus/round7.jsonl
var round7Data []byte

//go:embed corpus/round8.jsonl
var round8Data []byte

//go:embed corpus/round9.jsonl
var round9Data []byte

//go:embed corpus/round10.jsonl
var round10Data []byte

// corpusFiles are the embedded training files, in the order Corpus
// returns them.
var corpusFiles = []struct {
	name string
	data []byte
	// intentsOnly: the file trains the intent prior and not the signal
	// model (its authors' idea of frustration differs from the dev set's;
	// see nlu/testdata/README.md, "holdout10 and round5").
	intentsOnly bool
}{
	{"corpus/corpus.jsonl", corpusData, false},
	{"corpus/additions.jsonl", additionsData, false},
	{"corpus/round2.jsonl", round2Data, false},
	{"corpus/round3.jsonl", round3Data, false},
	{"corpus/round4.jsonl", round4Data, false},
	{"corpus/round5.jsonl", round5Data, true},
	{"corpus/round7.jsonl", round7Data, false},
	{"corpus/round8.jsonl", round8Data, false},
	{"corpus/round9.jsonl", round9Data, false},
	{"corpus/round10.jsonl", round10Data, false},
}

// Corpus returns the labelled messages the built-in models are trained
// on: the corpus, the additions written while tuning, then the later
// rounds' messages, by several authors (see nlu/testdata/README.md for
// how each was written).
func Corpus() []Labeled {
	return corpusWithout()
}

// signalCorpus is the part of Corpus the signal model trains on: the
// files that are not intentsOnly.
func signalCorpus() []Labeled {
	var skip []string
	for _, f := range corpusFiles {
		if f.intentsOnly {
			skip = append(skip, f.name)
		}
	}
	return corpusWithout(skip...)
}

// corpusWithout returns Corpus without the files named in skip
// (measuring what a file brings).
func corpusWithout(skip ...string) []Labeled {
	var out []Labeled
	for _, f := range corpusFiles {
		if slices.Contains(skip, f.name) {
			continue
		}
		data, err := ReadLabeled(bytes.NewReader(f.data), f.name)
		if err != nil {
			panic(err) // the embedded files are checked by the tests
		}
		out = append(out, data...)
	}
	return out
}
