package sts

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/nubo/nubo/internal/auth"
	"github.com/nubo/nubo/internal/awsapi"
	"github.com/nubo/nubo/internal/awsapi/stsapi"
	"github.com/nubo/nubo/internal/platform/clock"
	"github.com/nubo/nubo/internal/platform/store"
	"github.com/nubo/nubo/internal/service"
	"github.com/nubo/nubo/internal/service/iam"
)

// Service is Nubo's STS: it reports callers' identities, issues temporary
// credentials (AssumeRole, GetSessionToken, and role credentials for Lambda
// functions) and is the credential store the edge authenticates every request
// with.
type Service struct {
	account  string
	clock    clock.Clock
	db       store.DB
	iam      *iam.Service
	root     auth.Credential
	sessions *store.Table[session]
	expiry   *store.Table[expiryEntry]

	sweepMu sync.Mutex // serialises sweeps of expired sessions
}

// New returns the STS service of sys.Account. root is the account's root
// credential (the dev pair test/test by default); iam resolves roles and IAM
// user keys. Sessions are kept in sys.Store under the "sts/" prefix.
func New(sys *service.System, iamSvc *iam.Service, root auth.Credential) (*Service, error) {
	if sys == nil || sys.Store == nil || sys.Clock == nil || iamSvc == nil {
		return nil, errors.New("sts: system needs a store, a clock and IAM")
	}
	if root.AccessKeyID == "" || root.SecretAccessKey == "" {
		return nil, errors.New("sts: root credential has no key pair")
	}
	if root.Caller.ARN == "" {
		root.Caller = awsapi.Caller{Account: sys.Account, ARN: "arn:aws:iam::" + sys.Account + ":root",
			UserID: sys.Account, Root: true}
	}
	root.Caller.AccessKeyID = root.AccessKeyID
	return &Service{
		account:  sys.Account,
		clock:    sys.Clock,
		db:       sys.Store,
		iam:      iamSvc,
		root:     root,
		sessions: store.NewTable[session](sys.Store, "sts/session/"),
		expiry:   store.NewTable[expiryEntry](sys.Store, "sts/expiry/"),
	}, nil
}

// API returns the STS API model.
func (s *Service) API() *awsapi.Service { return stsapi.API() }

// Handlers returns the implemented STS operations.
func (s *Service) Handlers() map[string]awsapi.Handler { return stsapi.Bind(s) }

// Start removes sessions that expired long ago.
func (s *Service) Start(ctx context.Context) error { return s.Sweep(ctx) }

// now returns the request's time on the Nubo clock, or the clock's time.
func (s *Service) now(ctx context.Context) time.Time {
	if r := awsapi.RequestFrom(ctx); r != nil && !r.Time.IsZero() {
		return r.Time.UTC()
	}
	return s.clock.Now().UTC()
}

// Errors STS answers.
func accessDenied(format string, args ...any) *awsapi.Error {
	return awsapi.Errorf("AccessDenied", http.StatusForbidden, format, args...)
}

func validationError(format string, args ...any) *awsapi.Error {
	return awsapi.Errorf("ValidationError", http.StatusBadRequest, format, args...)
}

func ptr[T any](v T) *T { return &v }

// wrapStore wraps a store failure.
func wrapStore(err error) error { return fmt.Errorf("sts: store: %w", err) }
