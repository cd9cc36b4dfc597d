package main

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"github.com/nubo/nubo/internal/awsapi"
)

const demoDir = "testdata/botocore"

func demoModel(t *testing.T) *node {
	t.Helper()
	n, err := readModel(demoDir, "demo", "2020-01-01")
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestTrimModel(t *testing.T) {
	trimmed, err := trimModel(demoModel(t), []string{"PutThing"})
	if err != nil {
		t.Fatal(err)
	}
	shapes := trimmed.get("shapes")
	wantShapes := []string{"PutThingRequest", "PutThingResult", "Thing", "thing", "PutThingInput", "_Handler",
		"ThingList", "Matrix", "StringList", "TagMap", "AttrMap", "Doc", "Stream", "Bytes", "String", "Long",
		"Int", "Double", "Bool", "Time", "NotFound"}
	if !slices.Equal(shapes.keys, wantShapes) {
		t.Errorf("shapes %v, want %v", shapes.keys, wantShapes)
	}
	if got := trimmed.keys; !slices.Equal(got, []string{"version", "metadata", "operations", "shapes"}) {
		t.Errorf("top-level keys %v", got)
	}
	ops := trimmed.get("operations")
	if !slices.Equal(ops.keys, []string{"PutThing", "GetThing", "Ping"}) {
		t.Errorf("operations %v", ops.keys)
	}
	tests := []struct {
		name string
		op   string
		keys []string
	}{
		{"implemented keeps its traits", "PutThing", []string{"name", "http", "input", "output", "errors"}},
		{"unimplemented drops references to dropped shapes", "GetThing", []string{"name", "http", "output", "errors", "requestcompression"}},
		{"no input or output", "Ping", []string{"name", "http"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := ops.get(tc.op).keys; !slices.Equal(got, tc.keys) {
				t.Errorf("%s keys %v, want %v", tc.op, got, tc.keys)
			}
		})
	}
	if errs := ops.get("GetThing").get("errors"); len(errs.vals) != 1 || errs.vals[0].getStr("shape") != "NotFound" {
		t.Errorf("GetThing errors not filtered to kept shapes")
	}
	members := shapes.get("PutThingRequest").get("members")
	if members.keys[0] != "Zeta" || members.keys[1] != "alpha" || members.keys[2] != "documentation" {
		t.Errorf("member order or the member named documentation lost: %v", members.keys)
	}
	out, err := trimmed.marshalIndent()
	if err != nil {
		t.Fatal(err)
	}
	for _, gone := range []string{"<p>", "last letter first", "a string", `"readonly"`, `"deprecated"`, "elem", "missing"} {
		if bytes.Contains(out, []byte(gone)) {
			t.Errorf("trimmed model still contains %s", gone)
		}
	}
	if _, err := awsapi.Load("demo", out, nil); err != nil {
		t.Fatalf("awsapi.Load of the trimmed model: %v", err)
	}
}

func TestTrimModelErrors(t *testing.T) {
	tests := []struct {
		name  string
		model string
		ops   []string
		want  string
	}{
		{"unknown operation", `{"metadata":{},"operations":{},"shapes":{}}`, []string{"Nope"}, "no operation Nope"},
		{"missing shape", `{"metadata":{},"operations":{"A":{"input":{"shape":"X"}}},"shapes":{}}`, []string{"A"}, "missing shape X"},
		{"missing nested shape", `{"metadata":{},"operations":{"A":{"input":{"shape":"X"}}},"shapes":{"X":{"type":"list","member":{"shape":"Y"}}}}`, []string{"A"}, "X: missing shape Y"},
		{"not a model", `{"metadata":{}}`, nil, "not a botocore service model"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n, err := parseJSON([]byte(tc.model))
			if err != nil {
				t.Fatal(err)
			}
			_, err = trimModel(n, tc.ops)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
}
