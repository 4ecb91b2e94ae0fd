package handoff

import (
	"context"
	"log/slog"
	"runtime"
	"sync/atomic"
	"time"
)

// logSite is one call site of logAt: the program counter slog records
// for it (the source a handler with AddSource prints), found once.
type logSite struct{ pc atomic.Uintptr }

// logAt logs as l.LogAttrs does, with the program counter of logAt's
// caller taken from site: slog.Logger walks the stack for it on every
// line, a cost the delivery's line paid for every ticket although most
// handlers never print it.
func logAt(ctx context.Context, l *slog.Logger, site *logSite, level slog.Level, msg string, attrs ...slog.Attr) {
	if ctx == nil {
		ctx = context.Background()
	}
	if !l.Enabled(ctx, level) {
		return
	}
	pc := site.pc.Load()
	if pc == 0 {
		var pcs [1]uintptr
		runtime.Callers(2, pcs[:]) // runtime.Callers, logAt: the caller's
		pc = pcs[0]
		site.pc.Store(pc)
	}
	r := slog.NewRecord(time.Now(), level, msg, pc)
	r.AddAttrs(attrs...)
	_ = l.Handler().Handle(ctx, r) // as slog.Logger does: a failed write is dropped
}
