package server

import (
	"context"

	"github.com/nubo/nubo/internal/service/lambda"
)

// The adapters below connect services through their exported Go APIs, so that
// no service imports another's internals (ARCHITECTURE.md).

// functionTarget lets SNS subscriptions invoke functions asynchronously.
type functionTarget struct{ lambda *lambda.Service }

func (t functionTarget) InvokeLambdaAsync(ctx context.Context, functionARN string, payload []byte) error {
	return t.lambda.InvokeAsync(ctx, functionARN, payload)
}
