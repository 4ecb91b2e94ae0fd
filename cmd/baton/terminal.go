package main

import (
	"fmt"
	"os"
	"strings"

	"golang.org/x/term"
)

// isTerminal reports whether f (stdin, stdout or stderr) is a terminal.
func isTerminal(f any) bool {
	file, ok := f.(*os.File)
	return ok && term.IsTerminal(int(file.Fd()))
}

// askYes asks question and reports whether the answer is yes (or y).
func askYes(e *env, question string) bool {
	a := strings.ToLower(askLine(e, question))
	return a == "y" || a == "yes"
}

// maxAnswer bounds the answer askLine keeps: a longer line is read to its
// end all the same, so none of it is taken as what comes next.
const maxAnswer = 4 << 10

// askLine asks question on stderr and reads the answer from stdin one
// byte at a time, so nothing typed after it is taken from what reads
// stdin next. The answer is trimmed, its line read whole and its first
// maxAnswer bytes kept.
func askLine(e *env, question string) string {
	fmt.Fprint(e.stderr, question)
	var answer []byte
	var b [1]byte
	for {
		n, err := e.stdin.Read(b[:])
		if n == 1 {
			if b[0] == '\n' {
				break
			}
			if len(answer) < maxAnswer {
				answer = append(answer, b[0])
			}
		}
		if err != nil {
			break
		}
	}
	return strings.TrimSpace(string(answer))
}
