package dsl

import (
	"fmt"
	"io"
	"sort"
	"strings"
)

// Print writes ds sorted by file, line and column, each as
// "path:line:col: severity: summary" with its detail indented below, as
// `baton validate` shows them. A diagnostic repeated word for word (an
// included file checked alone and with its flow) is written once.
func (ds Diagnostics) Print(w io.Writer) {
	sorted := append(Diagnostics(nil), ds...)
	sort.SliceStable(sorted, func(i, j int) bool {
		a, b := sorted[i].Pos, sorted[j].Pos
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Col < b.Col
	})
	for i, d := range sorted {
		if i > 0 && d.String() == sorted[i-1].String() {
			continue
		}
		fmt.Fprintln(w, d.String())
		if det := strings.TrimSpace(d.Detail); det != "" {
			for _, line := range strings.Split(det, "\n") {
				fmt.Fprintf(w, "    %s\n", line)
			}
		}
	}
}

// Count counts the errors and the warnings in ds.
func (ds Diagnostics) Count() (errs, warns int) {
	for _, d := range ds {
		if d.Severity == Error {
			errs++
		} else {
			warns++
		}
	}
	return errs, warns
}
