package kpi

import (
	"slices"
	"time"
)

// First contact resolution, proxied: a conversation that ended resolved
// (contained or handed off) is resolved at first contact when the same
// contact starts no new conversation about the same topic within the
// window after its end. The topic is the first intent the analyser
// recognised, else the first menu option chosen ("" when neither).

type fcrKey struct{ contact, topic string }

// fcrEntry is a resolved conversation whose window is still open.
type fcrEntry struct{ end time.Time }

// fcrCheck is called when a conversation is counted (or one after the
// period ends): a repeat of an earlier resolved one (same contact and
// topic, started within the window after its end) settles that one as not
// resolved at first contact; a resolved one opens its own window.
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

// fcrSweep settles the entries whose window closed with no repeat. One
// whose contact started a conversation within the window that is still
// going on waits for it: that conversation settles it when it is counted.
func (c *Computer) fcrSweep() {
	var back map[string][]time.Time // open conversations' starts, by contact
	for k, e := range c.fcr {
		if c.horizon.Sub(e.end) <= c.o.FCRWindow {
			continue
		}
		if back == nil {
			back = map[string][]time.Time{}
			for _, cv := range c.open {
				if (cv.in || c.after(cv)) && cv.contact != "" {
					back[cv.contact] = append(back[cv.contact], cv.start)
				}
			}
		}
		if slices.ContainsFunc(back[k.contact], func(start time.Time) bool {
			return !start.Before(e.end) && start.Sub(e.end) <= c.o.FCRWindow
		}) {
			continue
		}
		c.fcrFirst++
		delete(c.fcr, k)
	}
}
