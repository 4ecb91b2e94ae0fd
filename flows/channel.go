package flows

import "context"

// Channel sends replies to a customer on a messaging service.
type Channel interface {
	Send(ctx context.Context, to Contact, r Reply) error
}
