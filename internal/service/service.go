// Package service defines how AWS service implementations plug into Nubo: each
// service lives in its own subpackage (internal/service/<id>), is built from a
// System holding the platform primitives, exposes its API model and operation
// handlers, and is started, reset and stopped by the server in order.
//
// A service owns its state; other services reach it only through its exported Go
// API or the bus, never its locks or store keys.
package service

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/nubo/nubo/internal/awsapi"
	"github.com/nubo/nubo/internal/platform/blobs"
	"github.com/nubo/nubo/internal/platform/bus"
	"github.com/nubo/nubo/internal/platform/clock"
	"github.com/nubo/nubo/internal/platform/metrics"
	"github.com/nubo/nubo/internal/platform/store"
)

// System is the set of platform primitives a service is provisioned with.
type System struct {
	Region  string
	Account string
	// Endpoint is the URL clients and functions use to reach Nubo
	// ("http://127.0.0.1:4566").
	Endpoint string
	// DataDir is the server's data directory; a service may keep files under
	// DataDir/<service id>.
	DataDir string
	Clock   *clock.Virtual
	Store   store.DB
	Blobs   *blobs.Store
	Bus     *bus.Bus
	Metrics metrics.Sink
	Log     *slog.Logger
}

// Service is one AWS service implementation.
type Service interface {
	// API returns the service's model; its implemented operations are exactly
	// the keys of Handlers.
	API() *awsapi.Service
	// Handlers returns the operation handlers by operation name.
	Handlers() map[string]awsapi.Handler
}

// Starter is implemented by services with background work (pollers, timers).
// Start is called once after every service is constructed; it must not block.
type Starter interface {
	Start(ctx context.Context) error
}

// Stopper is implemented by services that hold resources; Stop is called in
// reverse start order on shutdown and must wait for the service's goroutines.
type Stopper interface {
	Stop(ctx context.Context) error
}

// Resetter is implemented by services with in-memory state derived from the
// store; Reset is called after the store is emptied by POST /_nubo/reset.
type Resetter interface {
	Reset(ctx context.Context) error
}

// RawRoute is an HTTP endpoint a service serves outside the AWS wire protocols,
// such as the download URL of a Lambda code package. Patterns follow
// http.ServeMux syntax and must start with "/_nubo/<service id>/". The server
// does not authenticate raw routes: the handler must (e.g. with an expiring
// signed token in the URL).
type RawRoute struct {
	Pattern string
	Handler http.Handler
}

// RawRouter is implemented by services that serve raw routes.
type RawRouter interface {
	RawRoutes() []RawRoute
}
