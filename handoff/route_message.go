package handoff

// Tells reports whether the customer is told d.Message: always when no
// ticket is opened (out of hours, tell or email: the message is all the
// customer gets), else when the config's messages: section writes that
// message (the deployment opted in).
func (c *Config) Tells(d Decision) bool {
	if d.Message == "" {
		return false
	}
	if !d.OpenTicket {
		return true
	}
	key := MessageKey(d)
	_, ok := c.Messages[key]
	switch {
	case ok:
	case key == MsgAssignedBy:
		_, ok = c.Messages[MsgAssigned] // the same confirmation, with a time
	case key == MsgAfterHoursTicketNoDate:
		_, ok = c.Messages[MsgAfterHoursTicket] // the same, with no date to tell
	}
	return ok
}

// MessageKey is the message key d's text was written from.
func MessageKey(d Decision) string {
	switch {
	case d.InHours && !d.Due.IsZero():
		return MsgAssignedBy
	case d.InHours && d.SLA > 0:
		return MsgAssigned
	case d.InHours:
		return MsgAssignedNoSLA
	case d.OutOfHours == OutOfHoursTell && d.NextOpen.IsZero():
		return MsgAfterHoursTellNoDate
	case d.OutOfHours == OutOfHoursTell:
		return MsgAfterHoursTell
	case d.OutOfHours == OutOfHoursEmail && d.NextOpen.IsZero():
		return MsgAfterHoursEmailNoDate
	case d.OutOfHours == OutOfHoursEmail:
		return MsgAfterHoursEmail
	case d.NextOpen.IsZero():
		return MsgAfterHoursTicketNoDate
	}
	return MsgAfterHoursTicket
}
