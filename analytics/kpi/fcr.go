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

// fcrCheck is called when a conversation is counted (or one after the
// period ends): it is a repeat of each earlier resolved one of the same
// contact and topic whose window it started in, which settles those as
// not resolved at first contact; a resolved one opens its own window.
// Conversations are counted as they end, not as they start: one that
// started before a resolved one ended is no return to it, and one that
// started after its window leaves it to fcrSweep, which knows whether a
// conversation that started within the window is still going on.
func (c *Computer) fcrCheck(cv *conv, at time.Time, resolved bool) {
	if cv.contact == "" {
		return
	}
	k := fcrKey{cv.contact, cv.intent}
	if k.topic == "" {
		k.topic = cv.choice
	}
	ends := c.fcr[k]
	kept := ends[:0]
	for _, end := range ends {
		if !cv.start.Before(end) && cv.start.Sub(end) <= c.o.FCRWindow {
			c.fcrRepeat++
			continue
		}
		kept = append(kept, end)
	}
	if resolved {
		kept = append(kept, at)
	}
	c.fcrPending += len(kept) - len(ends)
	if len(kept) == 0 {
		delete(c.fcr, k)
	} else {
		c.fcr[k] = kept
	}
}

// fcrSweep settles the resolved conversations whose window closed with
// no repeat. One whose contact started a conversation within the window
// that is still going on waits for it: that conversation settles it when
// it is counted.
func (c *Computer) fcrSweep() {
	var back map[string][]time.Time // open conversations' starts, by contact
	for k, ends := range c.fcr {
		kept := ends[:0]
		for _, end := range ends {
			if c.horizon.Sub(end) <= c.o.FCRWindow {
				kept = append(kept, end)
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
				return !start.Before(end) && start.Sub(end) <= c.o.FCRWindow
			}) {
				kept = append(kept, end)
				continue
			}
			c.fcrFirst++
			c.fcrPending--
		}
		if len(kept) == 0 {
			delete(c.fcr, k)
		} else {
			c.fcr[k] = kept
		}
	}
}
