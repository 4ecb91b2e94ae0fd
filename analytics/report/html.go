package report

import (
	"io"

	"github.com/batonbot/baton/analytics/kpi"
)

// HTMLOptions describe the page.
type HTMLOptions struct {
	Title   string
	Sources []string
	Filters kpi.Options
}

// HTML writes the self-contained report page.
func HTML(w io.Writer, r *kpi.Result, o HTMLOptions) error {
	return nil
}
