package valkey

import (
	"context"
	"crypto/tls"
	"net"
	"sync"

	"github.com/valkey-io/valkey-go"
)

// closeOnAbort makes every connection the client dials close when abort
// is done (Close, or NewStore's context ending before it returned).
// valkey-go bounds what it does without a context by its dial timeout
// (5s): the handshake of a new connection, which a cancelled context does
// not end, and its own close, which waits for a silent server's answer.
// A closed connection ends both at once. It wraps the dialer the options
// have (the URL's for unix://, or one of WithClientOption's), else dials
// as valkey-go does.
func closeOnAbort(opt *valkey.ClientOption, abort context.Context) {
	dial := opt.DialCtxFn
	if dial == nil && opt.DialFn != nil {
		fn := opt.DialFn
		dial = func(_ context.Context, dst string, d *net.Dialer, c *tls.Config) (net.Conn, error) {
			return fn(dst, d, c)
		}
	}
	if dial == nil {
		dial = func(ctx context.Context, dst string, d *net.Dialer, c *tls.Config) (net.Conn, error) {
			if c != nil {
				td := tls.Dialer{NetDialer: d, Config: c}
				return td.DialContext(ctx, "tcp", dst)
			}
			return d.DialContext(ctx, "tcp", dst)
		}
	}
	opt.DialFn = nil
	opt.DialCtxFn = func(ctx context.Context, dst string, d *net.Dialer, c *tls.Config) (net.Conn, error) {
		conn, err := dial(ctx, dst, d, c)
		if err != nil {
			return nil, err
		}
		ac := &abortableConn{Conn: conn}
		ac.stop = context.AfterFunc(abort, func() { conn.Close() })
		return ac, nil
	}
}

// abortableConn is a connection closed on abort; closed before, it no
// longer waits for abort.
type abortableConn struct {
	net.Conn
	stop func() bool
	once sync.Once
}

func (c *abortableConn) Close() error {
	c.once.Do(func() { c.stop() })
	return c.Conn.Close()
}
