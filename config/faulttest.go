//go:build batonfaulttest

package config

import "time"

// The fault tests (cmd/baton/serve_fault_test.go) build baton with this
// tag: their fakes answer at once, and a short lease sees a killed
// process's work taken over in seconds.
func init() { minLease = time.Second }
