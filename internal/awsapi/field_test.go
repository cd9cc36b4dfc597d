package awsapi

import (
	"reflect"
	"sync"
	"testing"
)

type fieldA struct {
	Name *string `aws:"Name"`
}

type fieldB struct {
	Other int    `aws:"Other"`
	Name  string `aws:"Name"`
}

type fieldC struct {
	Other int
}

// TestFieldAcrossTypes checks that the per-member field cache answers for the
// Go type asked about, also when goroutines alternate between types bound to
// the same member.
func TestFieldAcrossTypes(t *testing.T) {
	m := &Member{Name: "Name", Shape: &Shape{Type: TypeString}}
	name := "a"
	tests := []struct {
		name string
		v    reflect.Value
		want any
		ok   bool
	}{
		{"pointer field first", reflect.ValueOf(fieldA{Name: &name}), &name, true},
		{"second field", reflect.ValueOf(fieldB{Other: 1, Name: "b"}), "b", true},
		{"no such field", reflect.ValueOf(fieldC{Other: 2}), nil, false},
	}
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				for _, tt := range tests {
					f, ok := Field(tt.v, m)
					if ok != tt.ok || ok && f.Interface() != tt.want {
						t.Errorf("%s: Field = %v, %v; want %v, %v", tt.name, f, ok, tt.want, tt.ok)
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, ok := Field(tt.v, m); ok != tt.ok {
				t.Errorf("Field ok = %v, want %v", ok, tt.ok)
			}
		})
	}
}
