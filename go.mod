module github.com/batonbot/baton

go 1.26.0

require (
	github.com/expr-lang/expr v1.17.8
	golang.org/x/text v0.43.0
)
