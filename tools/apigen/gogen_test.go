package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"reflect"
	"strings"
	"testing"
)

// structFields parses src and returns, per struct type, its fields as
// "Name Type `tag`" strings.
func structFields(t *testing.T, src []byte) map[string][]string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "api.go", src, 0)
	if err != nil {
		t.Fatal(err)
	}
	out := make(map[string][]string)
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.TYPE {
			continue
		}
		for _, s := range g.Specs {
			ts := s.(*ast.TypeSpec)
			st, ok := ts.Type.(*ast.StructType)
			if !ok {
				continue
			}
			fields := []string{}
			for _, fl := range st.Fields.List {
				start, end := fl.Type.Pos(), fl.Type.End()
				typ := string(src[start-1 : end-1])
				fields = append(fields, fl.Names[0].Name+" "+typ+" "+fl.Tag.Value)
			}
			out[ts.Name.Name] = fields
		}
	}
	return out
}

func TestGenerateGo(t *testing.T) {
	sc := ServiceConfig{ID: "demo", Service: "demo", Version: "2020-01-01", Package: "demoapi", Operations: []string{"PutThing"}}
	model, err := trimModel(demoModel(t), sc.Operations)
	if err != nil {
		t.Fatal(err)
	}
	src, err := newGenerator(sc, model).apiFile()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(src), generatedHeader) {
		t.Error("missing generated-code header")
	}
	got := structFields(t, src)
	want := map[string][]string{
		"PutThingInput": {
			"Zeta *string `aws:\"Zeta\"`",
			"Alpha *Thing `aws:\"alpha\"`",
			"Documentation *string `aws:\"documentation\"`",
			"Doc any `aws:\"Doc\"`",
			"Tags map[string]string `aws:\"Tags\"`",
			"Items []Thing `aws:\"Items\"`",
			"Count *int64 `aws:\"Count\"`",
			"Small *int32 `aws:\"Small\"`",
			"Ratio *float64 `aws:\"Ratio\"`",
			"Flag *bool `aws:\"Flag\"`",
			"When *time.Time `aws:\"When\"`",
			"Raw []byte `aws:\"Raw\"`",
			"Clash *PutThingInputShape `aws:\"Clash\"`",
			"Reserved *HandlerShape `aws:\"Reserved\"`",
			"Matrix [][]string `aws:\"Matrix\"`",
			"Attrs map[string]Thing `aws:\"Attrs\"`",
		},
		"PutThingOutput": {
			"Body io.ReadCloser `aws:\"Body\"`",
			"Id *string `aws:\"Id\"`",
			"Id_ *string `aws:\"id\"`",
		},
		"Thing": {
			"Name *string `aws:\"Name\"`",
			"Next *Thing `aws:\"Next\"`",
			"Lower *ThingShape `aws:\"Lower\"`",
		},
		"ThingShape":         {"X *string `aws:\"X\"`"},
		"PutThingInputShape": {},
		"HandlerShape":       {"Y *string `aws:\"Y\"`"},
		"NotFound":           {"Message *string `aws:\"message\"`"},
	}
	if !reflect.DeepEqual(got, want) {
		for name, fields := range got {
			if !reflect.DeepEqual(fields, want[name]) {
				t.Errorf("%s:\n got %q\nwant %q", name, fields, want[name])
			}
		}
		for name := range want {
			if _, ok := got[name]; !ok {
				t.Errorf("type %s not generated", name)
			}
		}
	}
	for _, s := range []string{
		"type Handler interface {\n\tPutThing(ctx context.Context, in *PutThingInput) (*PutThingOutput, error)\n}",
		`awsapi.Load("demo", modelJSON,`,
		`"PutThing": {Input: reflect.TypeOf(PutThingInput{}), Output: reflect.TypeOf(PutThingOutput{})},`,
		`"PutThing": bind("PutThing",`,
	} {
		if !strings.Contains(string(src), s) {
			t.Errorf("api.go lacks %q", s)
		}
	}
}

func TestGenerateGoNoOperations(t *testing.T) {
	sc := ServiceConfig{ID: "demo", Service: "demo", Version: "2020-01-01", Package: "demoapi"}
	model, err := trimModel(demoModel(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(model.get("shapes").keys); n != 0 {
		t.Errorf("%d shapes kept with no implemented operation", n)
	}
	src, err := newGenerator(sc, model).apiFile()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"type Handler interface{}", "return map[string]awsapi.Handler{}"} {
		if !strings.Contains(string(src), s) {
			t.Errorf("api.go lacks %q", s)
		}
	}
	for _, s := range []string{`"context"`, `"reflect"`, "func bind"} {
		if strings.Contains(string(src), s) {
			t.Errorf("api.go has unused %s", s)
		}
	}
	doc, err := docFile(&Config{Fixture: true}, sc, model)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"// Package demoapi is generated", "(Demo Service)", "codec tests", "No operation is implemented"} {
		if !strings.Contains(string(doc), s) {
			t.Errorf("doc.go lacks %q:\n%s", s, doc)
		}
	}
}
