package handoff

import (
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/batonbot/baton/flows"
)

// zoneFor is what follows a time told to the customer of f in loc (the
// team's zone): nothing when the customer reads the same clock then (the
// contact's "timezone" metadata says so, or the customer's country has
// one zone, which does), else the zone named as " CET", " EDT" or
// " UTC-3", so "we reopen at 09:00" is not read in the customer's own
// time.
func zoneFor(f *routeFacts, loc *time.Location, at time.Time) string {
	return zoneOf(f.h.Contact, f.country, loc, at)
}

// CustomerZone is what follows a time at, in loc (the team's zone), told
// to the contact c on channel: "" when c reads the same clock then, else
// " CET", " EDT" or " UTC-3"; as the handoff's messages tell {due} and
// {opens}, so that the flows' `sla` builtin tells its times alike.
func CustomerZone(c flows.Contact, channel string, loc *time.Location, at time.Time) string {
	return zoneOf(c, contactCountry(c, channel), loc, at)
}

func zoneOf(c flows.Contact, country string, loc *time.Location, at time.Time) string {
	if loc == nil || at.IsZero() {
		return ""
	}
	at = at.In(loc)
	theirs := loadZone(strings.TrimSpace(c.Meta["timezone"]))
	if theirs == nil {
		theirs = loadZone(countryZone[country])
	}
	if theirs != nil {
		_, off := at.In(theirs).Zone()
		if _, ours := at.Zone(); off == ours {
			return ""
		}
	}
	return " " + ZoneName(at)
}

// zones caches the zones loadZone found: time.LoadLocation reads the
// zone database from disk at every call, and zoneOf runs for every time
// told to a customer. At most maxZones names are kept (a contact's
// "timezone" is whatever its channel or program wrote); past that a name
// is loaded each time, as before.
var (
	zonesMu sync.Mutex
	zones   = map[string]*time.Location{}
)

const maxZones = 1024

// loadZone is the zone named name, or nil when there is none by that name
// (or name is empty).
func loadZone(name string) *time.Location {
	if name == "" {
		return nil
	}
	zonesMu.Lock()
	loc, ok := zones[name]
	zonesMu.Unlock()
	if ok {
		return loc
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil
	}
	zonesMu.Lock()
	if len(zones) < maxZones {
		zones[name] = loc
	}
	zonesMu.Unlock()
	return loc
}

// ZoneName names at's zone as people read it: its abbreviation (CET,
// EDT), else its offset from UTC (UTC-3, UTC+5:30).
func ZoneName(at time.Time) string {
	name, off := at.Zone()
	if name != "" && name[0] != '+' && name[0] != '-' {
		return name
	}
	sign := "+"
	if off < 0 {
		sign, off = "-", -off
	}
	if off == 0 {
		return "UTC"
	}
	s := fmt.Sprintf("UTC%s%d", sign, off/3600)
	if m := off % 3600 / 60; m != 0 {
		s += fmt.Sprintf(":%02d", m)
	}
	return s
}

// countryZone is the zone of each country (ISO code) that has only one:
// its clock is the same everywhere in it. Countries with several zones
// (the US, Spain with the Canaries, Portugal with the Azores, Brazil,
// Mexico...) are not here: their customers are told the zone unless
// their contact names theirs.
var countryZone = func() map[string]string {
	m := make(map[string]string, len(singleZoneCountry))
	for zone, country := range singleZoneCountry {
		m[country] = zone
	}
	return m
}()

// singleZoneCountry maps the zone of a country that has only that one to
// the country's ISO code.
var singleZoneCountry = map[string]string{
	"Europe/Rome": "IT", "Europe/Paris": "FR", "Europe/Berlin": "DE", "Europe/London": "GB",
	"Europe/Dublin": "IE", "Europe/Amsterdam": "NL", "Europe/Brussels": "BE", "Europe/Luxembourg": "LU",
	"Europe/Zurich": "CH", "Europe/Vienna": "AT", "Europe/Warsaw": "PL", "Europe/Prague": "CZ",
	"Europe/Bratislava": "SK", "Europe/Budapest": "HU", "Europe/Ljubljana": "SI", "Europe/Zagreb": "HR",
	"Europe/Belgrade": "RS", "Europe/Bucharest": "RO", "Europe/Sofia": "BG", "Europe/Athens": "GR",
	"Europe/Stockholm": "SE", "Europe/Oslo": "NO", "Europe/Copenhagen": "DK", "Europe/Helsinki": "FI",
	"Europe/Tallinn": "EE", "Europe/Riga": "LV", "Europe/Vilnius": "LT", "Europe/Malta": "MT",
	"Europe/Istanbul": "TR", "Asia/Jerusalem": "IL", "Asia/Dubai": "AE", "Asia/Kolkata": "IN",
	"Asia/Singapore": "SG", "Asia/Tokyo": "JP", "Asia/Seoul": "KR", "Asia/Shanghai": "CN",
	"Asia/Hong_Kong": "HK", "Asia/Manila": "PH", "Africa/Johannesburg": "ZA", "Africa/Lagos": "NG",
	"Africa/Cairo": "EG", "America/Bogota": "CO", "America/Lima": "PE", "America/Caracas": "VE",
	"America/Argentina/Buenos_Aires": "AR", "America/Montevideo": "UY", "America/Guatemala": "GT",
	"America/Costa_Rica": "CR", "America/Panama": "PA", "America/Puerto_Rico": "PR",
}
