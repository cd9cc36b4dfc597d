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
    "Name": {"shape": "S"}, "Nested": {"shape": "Nested"}, "Tags": {"shape": "Tags"}, "ByKey": {"shape": "ByKey"}}},
  "Nested": {"type": "structure", "required": ["Key"], "members": {"Key": {"shape": "S"}, "Value": {"shape": "S"}}},
  "Tags": {"type": "list", "member": {"shape": "Nested"}},
  "ByKey": {"type": "map", "key": {"shape": "S"}, "value": {"shape": "Nested"}}
 }
}`

type vNested struct {
	Key   *string `aws:"Key"`
	Value *string `aws:"Value"`
}

type vIn struct {
	Name   *string            `aws:"Name"`
	Nested *vNested           `aws:"Nested"`
	Tags   []vNested          `aws:"Tags"`
	ByKey  map[string]vNested `aws:"ByKey"`
}

func TestMissingRequired(t *testing.T) {
	svc, err := Load("t", []byte(validateModel), map[string]OpTypes{"Op": {Input: reflect.TypeOf(vIn{})}})
	if err != nil {
		t.Fatal(err)
	}
	sh := svc.Operations["Op"].Input
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
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := MissingRequired(sh, tc.in)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("MissingRequired = %v, want %v", got, tc.want)
			}
		})
	}
}
