package report

// pageHTML is the report page: CSS, the KPI cards and tables, the charts'
// canvases, Chart.js inlined and the script that draws the charts from
// the data. html/template escapes everything that comes from events.
const pageHTML = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="baton report (Chart.js {{.Version}})">
<title>{{.Title}}</title>
<style>
:root { --ink: #1d2433; --muted: #5b6578; --line: #e3e7ef; --card: #f7f9fc; --accent: #2f6fed; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: #fff; }
header { padding: 24px 32px 8px; }
h1 { margin: 0 0 4px; font-size: 22px; }
h2 { font-size: 16px; margin: 0 0 12px; }
.scope { color: var(--muted); font-size: 13px; }
main { padding: 8px 32px 32px; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(170px, 1fr)); gap: 12px; margin: 12px 0 24px; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 12px 14px; }
.card .label { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
.card .value { font-size: 24px; font-weight: 600; margin: 2px 0; }
.card .note { color: var(--muted); font-size: 12px; }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(460px, 1fr)); gap: 20px; }
section { border: 1px solid var(--line); border-radius: 10px; padding: 16px; }
.chart { position: relative; height: 280px; }
.chart.tall { height: 360px; }
table { border-collapse: collapse; width: 100%; margin-top: 12px; font-size: 13px; }
th, td { text-align: right; padding: 4px 8px; border-bottom: 1px solid var(--line); }
th:first-child, td:first-child { text-align: left; }
th { color: var(--muted); font-weight: 500; }
footer { color: var(--muted); font-size: 12px; padding: 0 32px 24px; }
</style>
</head>
<body>
<header>
<h1>{{.Title}}</h1>
<div class="scope">{{.Scope}}</div>
</header>
<main>
<div class="cards">
{{range .Cards}}<div class="card"><div class="label">{{.Label}}</div><div class="value">{{.Value}}</div><div class="note">{{.Note}}</div></div>
{{end}}</div>
<div class="grid">
<section><h2>Conversations by hour of day</h2><div class="chart"><canvas id="hours" role="img" aria-label="Conversations by hour of day"></canvas></div></section>
<section><h2>Conversations by weekday</h2><div class="chart"><canvas id="weekdays" role="img" aria-label="Conversations by weekday"></canvas></div></section>
<section><h2>Containment and escalation over time</h2><div class="chart"><canvas id="overtime" role="img" aria-label="Containment and escalation over time"></canvas></div></section>
<section><h2>Escalation reasons</h2><div class="chart"><canvas id="reasons" role="img" aria-label="Escalation reasons"></canvas></div></section>
<section><h2>State funnel and drop-off</h2><div class="chart tall"><canvas id="funnel" role="img" aria-label="State funnel"></canvas></div>
<table><thead><tr><th>state</th><th>entered</th><th>left</th><th>handed off</th><th>ended</th><th>dropped</th><th>drop-off</th></tr></thead><tbody>
{{range .Funnel}}<tr><td>{{.Name}}</td><td>{{.Entered}}</td><td>{{.Left}}</td><td>{{.HandedOff}}</td><td>{{.Ended}}</td><td>{{.Dropped}}</td><td>{{pct .DropRate}}</td></tr>
{{end}}</tbody></table></section>
<section><h2>First response against the SLA</h2><div class="chart"><canvas id="frt" role="img" aria-label="First response time by team and priority"></canvas></div>
<table><thead><tr><th>team · priority</th><th>answered</th><th>p50</th><th>p90</th><th>within SLA</th><th>breached</th></tr></thead><tbody>
{{range .Teams}}<tr><td>{{.Team}} · {{.Priority}}</td><td>{{.Count}}</td><td>{{durN .Count .P50}}</td><td>{{durN .Count .P90}}</td><td>{{optPct .WithinSLA}}</td><td>{{.Breached}}</td></tr>
{{end}}</tbody></table></section>
<section><h2>CSAT and NPS over time</h2><div class="chart"><canvas id="surveys" role="img" aria-label="CSAT and NPS over time"></canvas></div></section>
</div>
</main>
<footer>Generated {{.Generated}} by baton report · charts by Chart.js {{.Version}} (MIT), embedded · definitions in docs/analytics.md</footer>
<script>{{.ChartJS}}</script>
<script>
(function () {
  "use strict";
  const D = {{.Data}};
  const arr = (x) => x || [];
  const blue = "#2f6fed", red = "#e5484d", green = "#30a46c", amber = "#f5a623", grey = "#8b95a7", violet = "#8e4ec6";
  Chart.defaults.animation = false;
  Chart.defaults.maintainAspectRatio = false;
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  const charts = [];
  const make = (id, config) => charts.push(new Chart(document.getElementById(id), config));
  const hours = Array.from({length: 24}, (_, h) => String(h).padStart(2, "0"));
  make("hours", {type: "bar", data: {labels: hours, datasets: [{label: "conversations started", data: arr(D.hours), backgroundColor: blue}]},
    options: {plugins: {legend: {display: false}}, scales: {y: {beginAtZero: true, ticks: {precision: 0}}}}});
  make("weekdays", {type: "bar", data: {labels: ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"], datasets: [{label: "conversations started", data: arr(D.weekdays), backgroundColor: violet}]},
    options: {plugins: {legend: {display: false}}, scales: {y: {beginAtZero: true, ticks: {precision: 0}}}}});
  make("overtime", {type: "line", data: {labels: arr(D.buckets), datasets: [
      {label: "containment %", data: arr(D.contained), borderColor: green, backgroundColor: green, tension: 0.2, spanGaps: true},
      {label: "escalation %", data: arr(D.escalated), borderColor: red, backgroundColor: red, tension: 0.2, spanGaps: true}]},
    options: {scales: {y: {min: 0, max: 100}}}});
  make("reasons", {type: "bar", data: {labels: arr(D.reasons), datasets: [{label: "handoffs", data: arr(D.reason_counts), backgroundColor: amber}]},
    options: {indexAxis: "y", plugins: {legend: {display: false}}, scales: {x: {beginAtZero: true, ticks: {precision: 0}}}}});
  make("funnel", {type: "bar", data: {labels: arr(D.states), datasets: [
      {label: "moved on", data: arr(D.left), backgroundColor: blue, stack: "entries"},
      {label: "ended there", data: arr(D.ended), backgroundColor: green, stack: "entries"},
      {label: "dropped (abandoned, expired)", data: arr(D.dropped), backgroundColor: red, stack: "entries"},
      // A handoff there is not one more way out: the conversation then ends there or moves on.
      {label: "handed off there", data: arr(D.handed_off), backgroundColor: amber, stack: "handoffs"}]},
    options: {indexAxis: "y", scales: {x: {stacked: true, beginAtZero: true, ticks: {precision: 0}}, y: {stacked: true}}}});
  make("frt", {data: {labels: arr(D.teams), datasets: [
      {type: "bar", label: "p50 (minutes)", data: arr(D.frt_p50), backgroundColor: blue, yAxisID: "min"},
      {type: "bar", label: "p90 (minutes)", data: arr(D.frt_p90), backgroundColor: grey, yAxisID: "min"},
      {type: "line", label: "within SLA %", data: arr(D.within_sla), borderColor: green, backgroundColor: green, yAxisID: "pct", showLine: false, pointRadius: 6}]},
    options: {scales: {min: {beginAtZero: true, position: "left", title: {display: true, text: "minutes"}},
      pct: {min: 0, max: 100, position: "right", grid: {drawOnChartArea: false}, title: {display: true, text: "% within SLA"}}}}});
  make("surveys", {type: "line", data: {labels: arr(D.buckets), datasets: [
      {label: "CSAT % (4 and 5)", data: arr(D.csat), borderColor: green, backgroundColor: green, spanGaps: true, yAxisID: "csat"},
      {label: "NPS", data: arr(D.nps), borderColor: violet, backgroundColor: violet, spanGaps: true, yAxisID: "nps"}]},
    options: {scales: {csat: {min: 0, max: 100, position: "left", title: {display: true, text: "CSAT %"}},
      nps: {min: -100, max: 100, position: "right", grid: {drawOnChartArea: false}, title: {display: true, text: "NPS"}}}}});
  window.batonCharts = charts.length;
})();
</script>
</body>
</html>
`
