package dsl

// lint reports the warnings of a flow that loads.
func (l *loader) lint() {}
