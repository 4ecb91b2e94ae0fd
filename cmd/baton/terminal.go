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

// askYes asks question on stderr and reads the answer from stdin one byte
// at a time, so nothing typed after it is taken from what reads stdin
// next. Only yes (or y) is yes.
func askYes(e *env, question string) bool {
	fmt.Fprint(e.stderr, question)
	var answer []byte
	var b [1]byte
	for len(answer) < 64 {
		n, err := e.stdin.Read(b[:])
		if n == 1 {
			if b[0] == '\n' {
				break
			}
			answer = append(answer, b[0])
		}
		if err != nil {
			break
		}
	}
	a := strings.ToLower(strings.TrimSpace(string(answer)))
	return a == "y" || a == "yes"
}
