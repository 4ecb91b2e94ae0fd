package studio

import "embed"

// assets are the page: index.html, app.js, app.css and the vendored
// libraries (assets/vendor/README.md says which, at which version, and how
// to refresh them).
//
//go:embed assets
var assets embed.FS
