package main

import "testing"

func TestExportName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Role", "Role"},
		{"accessKeyMetadataListType", "AccessKeyMetadataListType"},
		{"__internal", "Internal"},
		{"_", "X"},
		{"", "X"},
		{"9lives", "X9lives"},
		{"a.b-c", "A_b_c"},
		{"ÿber", "Ÿber"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			if got := exportName(tc.in); got != tc.want {
				t.Errorf("exportName(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestFieldName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"RoleName", "RoleName"},
		{"message", "Message"},
		{"nextToken", "NextToken"},
		{"_links", "X_links"},
		{"ContentMD5", "ContentMD5"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			if got := fieldName(tc.in); got != tc.want {
				t.Errorf("fieldName(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestNameSetUnique(t *testing.T) {
	s := nameSet{"Handler": true}
	steps := []struct{ base, want string }{
		{"Role", "Role"},
		{"Role", "RoleShape"},
		{"Role", "RoleShape2"},
		{"Handler", "HandlerShape"},
		{"RoleShape3", "RoleShape3"},
		{"Role", "RoleShape4"},
	}
	for _, st := range steps {
		if got := s.unique(st.base, "Shape"); got != st.want {
			t.Errorf("unique(%q) = %q, want %q", st.base, got, st.want)
		}
	}
}
