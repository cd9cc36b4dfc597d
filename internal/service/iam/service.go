package iam

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/nubo/nubo/internal/awsapi"
	"github.com/nubo/nubo/internal/awsapi/iamapi"
	"github.com/nubo/nubo/internal/platform/clock"
	"github.com/nubo/nubo/internal/platform/store"
	"github.com/nubo/nubo/internal/service"
)

// Service is Nubo's IAM: roles, users, groups, access keys, managed and inline
// policies of the one account Nubo emulates.
//
// Every write runs under mu, so a read-modify-write of several records (an
// entity, the attachment index, a policy) is atomic with respect to other
// writes; the records are committed in one durable batch.
type Service struct {
	account string
	clock   clock.Clock
	db      store.DB
	managed *catalogue

	mu       sync.RWMutex
	roles    *store.Table[roleRecord]
	users    *store.Table[userRecord]
	groups   *store.Table[groupRecord]
	policies *store.Table[policyRecord]
	keys     *store.Table[accessKeyRecord]
	attach   *store.Table[attachment]
	members  *store.Table[membership]
}

// New returns the IAM service of sys.Account, keeping its state in sys.Store
// under the "iam/" prefix.
func New(sys *service.System) (*Service, error) {
	if sys == nil || sys.Store == nil || sys.Clock == nil {
		return nil, errors.New("iam: system needs a store and a clock")
	}
	if sys.Account == "" {
		return nil, errors.New("iam: system has no account id")
	}
	cat, err := newCatalogue()
	if err != nil {
		return nil, fmt.Errorf("iam: managed policies: %w", err)
	}
	db := sys.Store
	return &Service{
		account:  sys.Account,
		clock:    sys.Clock,
		db:       db,
		managed:  cat,
		roles:    store.NewTable[roleRecord](db, "iam/role/"),
		users:    store.NewTable[userRecord](db, "iam/user/"),
		groups:   store.NewTable[groupRecord](db, "iam/group/"),
		policies: store.NewTable[policyRecord](db, "iam/policy/"),
		keys:     store.NewTable[accessKeyRecord](db, "iam/key/"),
		attach:   store.NewTable[attachment](db, "iam/attach/"),
		members:  store.NewTable[membership](db, "iam/member/"),
	}, nil
}

// API returns the IAM API model.
func (s *Service) API() *awsapi.Service { return iamapi.API() }

// Handlers returns the implemented IAM operations.
func (s *Service) Handlers() map[string]awsapi.Handler { return iamapi.Bind(s) }

// Account returns the account id the service serves.
func (s *Service) Account() string { return s.account }

// now returns the request's time on the Nubo clock, truncated to the second as
// IAM reports dates.
func (s *Service) now(ctx context.Context) time.Time {
	if r := awsapi.RequestFrom(ctx); r != nil && !r.Time.IsZero() {
		return r.Time.UTC().Truncate(time.Second)
	}
	return s.clock.Now().UTC().Truncate(time.Second)
}

// commit applies b durably, turning a store failure into an internal error.
func commit(b store.Batch) error {
	if err := b.Commit(true); err != nil {
		return fmt.Errorf("iam: commit: %w", err)
	}
	return nil
}
