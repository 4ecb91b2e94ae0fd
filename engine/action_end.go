package engine

import "github.com/batonbot/baton/flows"

// end closes the conversation; its next message starts a new one.
func (t *turn) end(reason string) {
	t.emit(flows.EndEffect{Reason: reason})
	t.lifecycle(evClose)
	t.stopped = true
}
