package store

import (
	"strconv"

	"github.com/batonbot/baton/flows"
)

// NoSession is the error a store's Load returns for an unknown id: it
// wraps flows.ErrNoSession and reads `session "ID": no such session`. It
// is built when read, not when returned: every new conversation's first
// turn looks its session up and gets one.
func NoSession(id string) error { return noSession{id} }

type noSession struct{ id string }

func (e noSession) Error() string {
	return "session " + strconv.Quote(e.id) + ": " + flows.ErrNoSession.Error()
}

func (e noSession) Unwrap() error { return flows.ErrNoSession }
