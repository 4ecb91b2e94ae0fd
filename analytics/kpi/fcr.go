package kpi

import "time"

// First contact resolution, proxied: a conversation that ended resolved
// (contained or handed off) is resolved at first contact when the same
// contact starts no new conversation about the same topic within the
// window after its end. The topic is the first intent the analyser
// recognised, else the first menu option chosen ("" when neither).

type fcrKey struct{ contact, topic string }

// fcrEntry is a resolved conversation whose window is still open.
type fcrEntry struct{ end time.Time }

// fcrCheck is called when a conversation is counted: a repeat of an
// earlier resolved one (same contact and topic, started within the window
// after its end) settles that one as not resolved at first contact; a
// resolved one opens its own window.
func (c *Computer) fcrCheck(cv *conv, at time.Time, resolved bool) {
	if cv.contact == "" {
		return
	}
	k := fcrKey{cv.contact, cv.intent}
	if k.topic == "" {
		k.topic = cv.choice
	}
	if prev := c.fcr[k]; prev != nil {
		if !cv.start.Before(prev.end) && cv.start.Sub(prev.end) <= c.o.FCRWindow {
			c.fcrRepeat++
		} else {
			c.fcrFirst++
		}
		delete(c.fcr, k)
	}
	if resolved {
		c.fcr[k] = &fcrEntry{end: at}
	}
}

// fcrSweep settles the entries whose window closed with no repeat.
func (c *Computer) fcrSweep() {
	for k, e := range c.fcr {
		if c.horizon.Sub(e.end) > c.o.FCRWindow {
			c.fcrFirst++
			delete(c.fcr, k)
		}
	}
}
