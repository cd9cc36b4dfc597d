package store_test

import (
	"testing"

	"github.com/nubo/nubo/internal/platform/store"
	"github.com/nubo/nubo/internal/platform/store/storetest"
)

func TestPebbleConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.DB {
		db, err := store.Open(t.TempDir(), store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		return db
	})
}

func TestMemoryConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.DB { return store.OpenMemory() })
}
