package store_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/nubo/nubo/internal/platform/store"
)

type user struct {
	Name string
	Tags map[string]string `json:",omitempty"`
	N    int
}

func TestTable(t *testing.T) {
	db := store.OpenMemory()
	defer db.Close()
	users := store.NewTable[user](db, "iam/users/")
	other := store.NewTable[user](db, "iam/usersx/")
	if err := other.Save("zz", user{Name: "outside"}, false); err != nil {
		t.Fatal(err)
	}
	if _, err := users.Get("alice"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Get missing = %v, want ErrNotFound", err)
	}
	if err := users.Save("alice", user{Name: "alice", Tags: map[string]string{"a": "b"}}, true); err != nil {
		t.Fatal(err)
	}
	b := db.NewBatch()
	for i := range 5 {
		if err := users.Put(b, fmt.Sprintf("p/u%d", i), user{Name: "u", N: i}); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Commit(true); err != nil {
		t.Fatal(err)
	}
	got, err := users.Get("alice")
	if err != nil || got.Name != "alice" || got.Tags["a"] != "b" {
		t.Fatalf("Get = %+v, %v", got, err)
	}
	if raw, _ := db.Get([]byte("iam/users/alice")); !strings.Contains(string(raw), `"Name":"alice"`) {
		t.Fatalf("stored form is not JSON under the prefix: %q", raw)
	}
	tests := []struct {
		name, prefix, after string
		limit               int
		want                string
	}{
		{"all", "", "", 0, "alice,p/u0,p/u1,p/u2,p/u3,p/u4"},
		{"prefix", "p/", "", 0, "p/u0,p/u1,p/u2,p/u3,p/u4"},
		{"limit", "p/", "", 2, "p/u0,p/u1"},
		{"after", "p/", "p/u1", 2, "p/u2,p/u3"},
		{"after before prefix", "p/", "a", 0, "p/u0,p/u1,p/u2,p/u3,p/u4"},
		{"after last", "p/", "p/u4", 0, ""},
		{"no match", "q", "", 0, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var keys []string
			err := users.List(tc.prefix, tc.after, tc.limit, func(k string, v user) bool {
				keys = append(keys, k)
				return true
			})
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(keys, ","); got != tc.want {
				t.Fatalf("List = %q, want %q", got, tc.want)
			}
		})
	}
	n := 0
	if err := users.List("p/", "", 0, func(string, user) bool { n++; return n < 3 }); err != nil || n != 3 {
		t.Fatalf("List stop: n=%d err=%v", n, err)
	}
	b = db.NewBatch()
	users.Delete(b, "alice")
	if err := b.Commit(false); err != nil {
		t.Fatal(err)
	}
	if ok, err := users.Exists("alice"); ok || err != nil {
		t.Fatalf("Exists after Delete = %v, %v", ok, err)
	}
}

func TestTableDecodeError(t *testing.T) {
	db := store.OpenMemory()
	defer db.Close()
	b := db.NewBatch()
	b.Set([]byte("t/bad"), []byte("{not json"))
	if err := b.Commit(false); err != nil {
		t.Fatal(err)
	}
	tab := store.NewTable[user](db, "t/")
	if _, err := tab.Get("bad"); err == nil {
		t.Fatal("Get of corrupt record succeeded")
	}
	if err := tab.List("", "", 0, func(string, user) bool { return true }); err == nil {
		t.Fatal("List over corrupt record succeeded")
	}
}
