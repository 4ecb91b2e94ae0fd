// Package report renders KPIs (analytics/kpi) for people and machines: a
// terminal table (Text), one JSON object (JSON), and a self-contained HTML
// page with charts (HTML) drawn by Chart.js, which is embedded in the
// binary (assets/chart.umd.min.js, vendored from npm at a pinned version),
// so the page needs no network.
package report
