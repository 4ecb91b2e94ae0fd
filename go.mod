module github.com/batonbot/baton

go 1.26.0

require (
	github.com/expr-lang/expr v1.17.8
	golang.org/x/text v0.44.0
)

require github.com/valkey-io/valkey-go v1.0.80 // indirect

require (
	github.com/cenkalti/backoff/v5 v5.0.3
	github.com/looplab/fsm v1.0.3
	github.com/sashabaranov/go-openai v1.43.0
	go.yaml.in/yaml/v3 v3.0.6
	golang.org/x/sys v0.50.0 // indirect
	golang.org/x/term v0.47.0
)
