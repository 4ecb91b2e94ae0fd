package replay

import (
	"html/template"
	"io"
	"strings"
)

// maxHTMLDiffs bounds the conversations an HTML report details (the
// others are listed by id): a page stays openable.
const maxHTMLDiffs = 5000

// WriteHTML writes the report as one self-contained page (inline styles,
// no script, nothing fetched): the summary, the counts, the thresholds, and
// each changed conversation step by step, before and now side by side.
func WriteHTML(w io.Writer, r *Report) error {
	type kindRow struct {
		Title string
		Count int
		Share float64
	}
	type stepRow struct {
		N        int
		Input    string
		Old, New string
		Changed  bool
	}
	type diffView struct {
		*Diff
		Titles []string
		Steps  []stepRow
	}
	data := struct {
		*Report
		Kinds   []kindRow
		Details []diffView
		More    []*Diff
		Skips   []skipGroup
	}{Report: r, Skips: groupSkipped(r.Skipped)}
	for _, k := range ChangeKinds {
		if n := r.Counts[k]; n > 0 {
			data.Kinds = append(data.Kinds, kindRow{kindTitle(k), n, share(n, r.Replayed)})
		}
	}
	for i, d := range r.Diffs {
		if i == maxHTMLDiffs {
			data.More = r.Diffs[i:]
			break
		}
		v := diffView{Diff: d}
		changed := map[int]bool{}
		for _, c := range d.Changes {
			v.Titles = append(v.Titles, kindTitle(c.Kind))
			changed[c.Step] = true
		}
		for k, in := range d.Inputs {
			row := stepRow{N: k + 1, Input: in.String(), Changed: changed[k+1]}
			if k < len(d.Old.Steps) {
				row.Old = stepText(&d.Old.Steps[k])
			}
			if k < len(d.New.Steps) {
				row.New = stepText(&d.New.Steps[k])
			}
			v.Steps = append(v.Steps, row)
		}
		data.Details = append(data.Details, v)
	}
	return reportPage.Execute(w, data)
}

var reportPage = template.Must(template.New("replay").Funcs(template.FuncMap{
	"count": Count,
	"join":  strings.Join,
	"title": kindTitle,
	"pct":   share,
}).Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>baton replay: {{.Flow}}</title>
<style>
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1d2329; margin: 0; background: #f4f6f8; }
main { max-width: 1200px; margin: 0 auto; padding: 20px; }
h1 { font-size: 20px; margin: 0 0 4px; }
.meta { color: #6a737d; }
.summary { font-size: 18px; background: #fff; border-left: 5px solid #e8590c; padding: 12px 16px; margin: 16px 0; border-radius: 6px; }
.summary.clean { border-color: #2e8540; }
table { border-collapse: collapse; background: #fff; }
th, td { text-align: left; padding: 5px 10px; border-bottom: 1px solid #eef0f2; vertical-align: top; }
th { color: #6a737d; font-weight: 500; }
td.barcell { width: 240px; }
.bar { display: inline-block; height: 8px; background: #e8590c; border-radius: 4px; vertical-align: middle; min-width: 2px; }
.crossed { color: #c62828; font-weight: 600; }
.ok { color: #2e8540; }
details.conv { background: #fff; border: 1px solid #dde2e7; border-radius: 8px; margin: 8px 0; padding: 6px 12px; }
details.conv summary { cursor: pointer; }
details.conv summary code { font-weight: 600; }
.changes { margin: 6px 0; padding-left: 18px; }
.changes .old { color: #a31515; }
.changes .new { color: #1a7f37; }
.steps td.old { background: #fff5f5; }
.steps td.new { background: #f3fbf4; }
.steps tr.changed td:first-child { border-left: 3px solid #e8590c; }
.steps tr:not(.changed) td { color: #6a737d; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12.5px; }
</style>
</head>
<body>
<main>
<h1>baton replay</h1>
<div class="meta">{{count .Replayed}} conversations of {{join .Sources ", "}} replayed on <code>{{.Flow}}</code>, compared with {{if eq .Against "baseline"}}<code>{{.Baseline}}</code>{{else}}what was recorded{{end}}, in {{.TookMS}} ms.</div>
<p class="summary{{if eq .Changed 0}} clean{{end}}">{{.Summary}}</p>
{{if .Kinds}}
<h2>Conversations that…</h2>
<table>
<tr><th></th><th>count</th><th>share</th><th></th></tr>
{{range .Kinds}}<tr><td>{{.Title}}</td><td>{{count .Count}}</td><td>{{printf "%.2f" .Share}}%</td><td class="barcell"><span class="bar" style="width: {{printf "%.1f" .Share}}%"></span></td></tr>
{{end}}<tr><th>change in any of these ways</th><th>{{count .Changed}}</th><th>{{printf "%.2f" (pct .Changed .Replayed)}}%</th><th></th></tr>
</table>
{{end}}
{{if .Thresholds}}
<h2>Thresholds</h2>
<table>
{{range .Thresholds}}<tr><td><code>--{{.Name}} {{.Limit}}</code></td><td>{{count .Count}} ({{printf "%.2f" .Share}}%)</td><td class="{{if .Crossed}}crossed{{else}}ok{{end}}">{{if .Crossed}}crossed{{else}}ok{{end}}</td></tr>
{{end}}</table>
{{end}}
{{if .Skips}}
<h2>Not replayed</h2>
<ul>{{range .Skips}}<li>{{count .N}}: {{.Reason}} (e.g. <code>{{.Example}}</code>)</li>{{end}}</ul>
{{end}}
{{if .Details}}
<h2>Changed conversations</h2>
{{range $i, $d := .Details}}{{with $d}}
<details class="conv"{{if lt $i 10}} open{{end}}><summary><code>{{.Conversation}}</code> <span class="meta">{{.Source}}</span>: {{join .Titles "; "}}</summary>
<ul class="changes">{{range .Changes}}<li>{{title .Kind}}{{if .Step}} at step {{.Step}}{{end}}: <span class="old">{{.Old}}</span> → <span class="new">{{.New}}</span></li>{{end}}</ul>
<table class="steps">
<tr><th>step</th><th>input</th><th>before</th><th>now</th></tr>
{{range .Steps}}<tr class="{{if .Changed}}changed{{end}}"><td>{{.N}}</td><td><code>{{.Input}}</code></td><td class="old">{{.Old}}</td><td class="new">{{.New}}</td></tr>
{{end}}</table>
</details>{{end}}
{{end}}
{{end}}
{{if .More}}<p>{{count (len .More)}} more changed conversations: {{range .More}}<code>{{.Conversation}}</code> {{end}}(the JSON report details them all).</p>{{end}}
</main>
</body>
</html>
`))
