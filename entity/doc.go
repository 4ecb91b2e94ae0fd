// Package entity finds system entities in a customer's message, shaped like
// Dialogflow's @sys entities, in Italian, English and Spanish: numbers (in
// digits or words: "quattro", "twelve", "veintidós"), dates (relative:
// "domani", "next Friday", "el sábado"; absolute: "12 marzo", "03/12",
// "2026-03-12"; ranges: "dal 3 al 5 marzo", "this weekend"), times ("alle 8
// di sera", "half past seven", "a las 9 de la noche", "20:30"), durations,
// money, emails, phones and order ids.
//
// Dates resolve against the turn's clock in the flow's time zone
// (flows.EntityInput.Now), so the same conversation always reads the same
// values. No library covered numbers, dates and times in these three
// languages, so the parser is written here, rule by rule, and tested with
// tables in each language.
package entity
