package awsapi

import (
	"reflect"
	"testing"
)

const validateModel = `{
 "metadata": {"apiVersion": "2020-01-01", "endpointPrefix": "t", "protocol": "json", "targetPrefix": "T"},
 "operations": {"Op": {"name": "Op", "http": {"method": "POST", "requestUri": "/"}, "input": {"shape": "In"}}},
 "shapes": {
  "S": {"type": "string"},
  "In": {"type": "structure", "required": ["Name", "Nested"], "members": {
    "Name": {"shape": "S"}, "Nested": {"shape": "Nested"}, "Tags": {"shape": "Tags"}, "ByKey": {"shape": "ByKey"},
    "Opt": {"shape": "Opt"}, "Node": {"shape": "Node"}}},
  "Nested": {"type": "structure", "required": ["Key"], "members": {"Key": {"shape": "S"}, "Value": {"shape": "S"}}},
  "Tags": {"type": "list", "member": {"shape": "Nested"}},
  "ByKey": {"type": "map", "key": {"shape": "S"}, "value": {"shape": "Nested"}},
  "Opt": {"type": "structure", "members": {"X": {"shape": "S"}, "Self": {"shape": "Opt"}}},
  "Node": {"type": "structure", "members": {"Child": {"shape": "Node"}, "Leaf": {"shape": "Nested"}}}
 }
}`

type vNested struct {
	Key   *string `aws:"Key"`
	Value *string `aws:"Value"`
}

type vOpt struct {
	X    *string `aws:"X"`
	Self *vOpt   `aws:"Self"`
}

type vNode struct {
	Child *vNode   `aws:"Child"`
	Leaf  *vNested `aws:"Leaf"`
}

type vIn struct {
	Name   *string            `aws:"Name"`
	Nested *vNested           `aws:"Nested"`
	Tags   []vNested          `aws:"Tags"`
	ByKey  map[string]vNested `aws:"ByKey"`
	Opt    *vOpt              `aws:"Opt"`
	Node   *vNode             `aws:"Node"`
}

func loadValidateModel(t testing.TB) *Service {
	svc, err := Load("t", []byte(validateModel), map[string]OpTypes{"Op": {Input: reflect.TypeOf(vIn{})}})
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

// TestMissingRequired runs each case on a loaded model, which visits only the
// members that can miss, and on the same model with that knowledge cleared,
// as for shapes built by hand, which visits every member.
func TestMissingRequired(t *testing.T) {
	sh := loadValidateModel(t).Operations["Op"].Input
	bare := loadValidateModel(t)
	for _, s := range bare.Shapes {
		s.required = requiredInfo{}
	}
	s := func(v string) *string { return &v }
	tests := []struct {
		name string
		in   *vIn
		want []string
	}{
		{"all present", &vIn{Name: s("n"), Nested: &vNested{Key: s("k")}}, nil},
		{"top level missing", &vIn{}, []string{"name", "nested"}},
		{"nested missing", &vIn{Name: s("n"), Nested: &vNested{}}, []string{"nested.key"}},
		{"list element", &vIn{Name: s("n"), Nested: &vNested{Key: s("k")}, Tags: []vNested{{Key: s("a")}, {}}},
			[]string{"tags.2.key"}},
		{"map value", &vIn{Name: s("n"), Nested: &vNested{Key: s("k")}, ByKey: map[string]vNested{"x": {}}},
			[]string{"byKey.x.key"}},
		{"map values", &vIn{Name: s("n"), Nested: &vNested{Key: s("k")},
			ByKey: map[string]vNested{"ok": {Key: s("k")}, "y": {Value: s("v")}}}, []string{"byKey.y.key"}},
		{"nothing required inside", &vIn{Name: s("n"), Nested: &vNested{Key: s("k")}, Opt: &vOpt{Self: &vOpt{}}}, nil},
		{"recursive shape", &vIn{Name: s("n"), Nested: &vNested{Key: s("k")},
			Node: &vNode{Child: &vNode{Child: &vNode{}, Leaf: &vNested{}}}}, []string{"node.child.leaf.key"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := MissingRequired(sh, tc.in); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("MissingRequired = %v, want %v", got, tc.want)
			}
			if got := MissingRequired(bare.Operations["Op"].Input, tc.in); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("unprepared: MissingRequired = %v, want %v", got, tc.want)
			}
		})
	}
}

// TestPrepareRequired checks which shapes can lack a required member,
// through lists, maps and recursion.
func TestPrepareRequired(t *testing.T) {
	svc := loadValidateModel(t)
	for name, want := range map[string]bool{"S": false, "In": true, "Nested": true, "Tags": true,
		"ByKey": true, "Opt": false, "Node": true} {
		if got := svc.Shapes[name].required.canMiss; got != want {
			t.Errorf("%s: canMiss = %v, want %v", name, got, want)
		}
	}
	if got, want := len(svc.Shapes["In"].required.members), 5; got != want { // all but Opt
		t.Errorf("In: %d members to visit, want %d", got, want)
	}
}

func BenchmarkMissingRequired(b *testing.B) {
	sh := loadValidateModel(b).Operations["Op"].Input
	s := func(v string) *string { return &v }
	in := &vIn{Name: s("n"), Nested: &vNested{Key: s("k")}, Opt: &vOpt{X: s("x")},
		ByKey: map[string]vNested{"a": {Key: s("k")}, "b": {Key: s("k")}}}
	b.ReportAllocs()
	for b.Loop() {
		if MissingRequired(sh, in) != nil {
			b.Fatal("missing")
		}
	}
}
