package handoff

import "github.com/batonbot/baton/flows"

// CountryFromPhone returns the ISO country of an international phone
// number by its calling code ("+39 333 123 4567" → "IT"), or "" when the
// number is not international or the code unknown: flows.PhoneCountry,
// the table user.country reads too, so a flow and the routing agree.
func CountryFromPhone(phone string) string { return flows.PhoneCountry(phone) }
