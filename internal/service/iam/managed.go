package iam

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"sort"
	"time"
)

// managedPoliciesJSON is the read-only catalogue of AWS managed policies Nubo
// offers: their names, ids, paths, default version ids, dates and documents as
// AWS publishes them.
//
//go:embed managed_policies.json
var managedPoliciesJSON []byte

// awsPolicyARNPrefix starts the ARN of every AWS managed policy.
const awsPolicyARNPrefix = "arn:aws:iam::aws:policy"

type managedEntry struct {
	Name     string    `json:"name"`
	ID       string    `json:"id"`
	Path     string    `json:"path"`
	Version  string    `json:"version"`
	Created  time.Time `json:"created"`
	Updated  time.Time `json:"updated"`
	Document string    `json:"document"`
}

// catalogue holds the AWS managed policies as policy records keyed by ARN.
type catalogue struct {
	byARN  map[string]*policyRecord
	sorted []*policyRecord
}

func newCatalogue() (*catalogue, error) {
	var entries []managedEntry
	if err := json.Unmarshal(managedPoliciesJSON, &entries); err != nil {
		return nil, fmt.Errorf("decode catalogue: %w", err)
	}
	c := &catalogue{byARN: make(map[string]*policyRecord, len(entries))}
	for _, e := range entries {
		if _, err := parseIdentity(e.Document); err != nil {
			return nil, fmt.Errorf("policy %s: %w", e.Name, err)
		}
		p := &policyRecord{
			Name: e.Name, Path: e.Path, ID: e.ID, ARN: awsPolicyARNPrefix + e.Path + e.Name,
			Created: e.Created, Updated: e.Updated, DefaultVersion: e.Version,
			Versions: []policyVersion{{ID: e.Version, Document: e.Document, Created: e.Updated}},
		}
		c.byARN[p.ARN] = p
		c.sorted = append(c.sorted, p)
	}
	sort.Slice(c.sorted, func(i, j int) bool { return policySortKey(c.sorted[i]) < policySortKey(c.sorted[j]) })
	return c, nil
}

// get returns a copy of the AWS managed policy with arn.
func (c *catalogue) get(arn string) (policyRecord, bool) {
	p, ok := c.byARN[arn]
	if !ok {
		return policyRecord{}, false
	}
	return *p, true
}
