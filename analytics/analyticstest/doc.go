// Package analyticstest generates realistic analytics event streams for
// tests and benchmarks: conversations of a support bot over days, with the
// mix a deployment sees (contained, escalated to teams with SLAs, some
// breached, abandoned, surveyed), interleaved as they would be in a real
// events file.
package analyticstest
