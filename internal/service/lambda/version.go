package lambda

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/nubo/nubo/internal/awsapi/lambdaapi"
	"github.com/nubo/nubo/internal/platform/store"
)

// configDigest identifies the code and configuration of c, ignoring the
// fields that change without changing what runs.
func configDigest(c config) string {
	c.Version, c.RevisionID, c.LastModified = "", "", time.Time{}
	c.ReadyAt, c.UpdateReadyAt, c.Updated = time.Time{}, time.Time{}, false
	b, _ := json.Marshal(c)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// publishInto adds a new version snapshot of fn's $LATEST to b and returns it;
// when nothing changed since the last published version it returns that one.
func (s *Service) publishInto(b store.Batch, fn *functionRecord, description string) config {
	digest := configDigest(fn.Latest)
	if fn.LastVersion > 0 && fn.PublishedFrom == digest {
		if c, err := s.versions.Get(versionKey(fn.Latest.Name, strconv.Itoa(fn.LastVersion))); err == nil {
			return c
		}
	}
	fn.LastVersion++
	fn.PublishedFrom = digest
	v := fn.Latest
	v.Version = strconv.Itoa(fn.LastVersion)
	v.RevisionID = newRevisionID()
	if description != "" {
		v.Description = description
	}
	v.UpdateReadyAt = time.Time{}
	_ = s.versions.Put(b, versionKey(v.Name, v.Version), v)
	return v
}

// PublishVersion publishes $LATEST as a new immutable version.
func (s *Service) PublishVersion(ctx context.Context, in *lambdaapi.PublishVersionInput) (*lambdaapi.PublishVersionOutput, error) {
	ref, err := s.parseFunctionRef("functionName", deref(in.FunctionName), false)
	if err != nil {
		return nil, err
	}
	var v validation
	v.maxLen("description", in.Description, 256)
	if err := v.err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	fn, err := s.loadFunction(ref.Name)
	if err != nil {
		return nil, err
	}
	if cs := deref(in.CodeSha256); cs != "" && cs != fn.Latest.CodeSha256 {
		return nil, invalidParam("CodeSHA256 (%s) is different from current CodeSHA256 in $LATEST (%s). Please try again with the CodeSHA256 in $LATEST.", cs, fn.Latest.CodeSha256)
	}
	if err := checkRevision(in.RevisionId, fn.Latest.RevisionID); err != nil {
		return nil, err
	}
	b := s.db.NewBatch()
	ver := s.publishInto(b, &fn, deref(in.Description))
	if err := s.fns.Put(b, ref.Name, fn); err != nil {
		return nil, err
	}
	if err := b.Commit(true); err != nil {
		return nil, fmt.Errorf("lambda: publish version: %w", err)
	}
	out := lambdaapi.PublishVersionOutput(*toAPI(&ver, view{ARN: s.qualifiedARN(ref.Name, ver.Version), Now: s.now(ctx)}))
	return &out, nil
}

// ListVersionsByFunction lists $LATEST and the published versions.
func (s *Service) ListVersionsByFunction(ctx context.Context, in *lambdaapi.ListVersionsByFunctionInput) (*lambdaapi.ListVersionsByFunctionOutput, error) {
	ref, err := s.parseFunctionRef("functionName", deref(in.FunctionName), false)
	if err != nil {
		return nil, err
	}
	after, limit, err := pageBounds(in.Marker, in.MaxItems, 50)
	if err != nil {
		return nil, err
	}
	fn, err := s.loadFunction(ref.Name)
	if err != nil {
		return nil, err
	}
	items := []config{fn.Latest}
	if err := s.versions.List(ref.Name+"/", "", 0, func(_ string, c config) bool { items = append(items, c); return true }); err != nil {
		return nil, fmt.Errorf("lambda: list versions: %w", err)
	}
	now := s.now(ctx)
	out := &lambdaapi.ListVersionsByFunctionOutput{Versions: []lambdaapi.FunctionConfiguration{}}
	for i := range items {
		key := fmt.Sprintf("%010d", i)
		if key <= after {
			continue
		}
		if len(out.Versions) == limit {
			out.NextMarker = encodeMarker(fmt.Sprintf("%010d", i-1))
			break
		}
		out.Versions = append(out.Versions, *toAPI(&items[i], view{ARN: s.qualifiedARN(ref.Name, items[i].Version), Now: now}))
	}
	return out, nil
}
