// Package servertest starts in-process Nubo servers on a free loopback port for
// end-to-end tests, with a fresh data directory per test.
package servertest

import (
	"context"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/nubo/nubo/internal/server"
)

// Server is a running test server.
type Server struct {
	*server.Server
	// DataDir is the server's data directory (removed after the test).
	DataDir string
	cfg     server.Config
}

// Start starts a server with cfg (DataDir and Listen default to a temporary
// directory and 127.0.0.1:0) and stops it when the test ends. Set NUBO_TEST_LOG=1
// to see the server log.
func Start(t testing.TB, cfg server.Config) *Server {
	t.Helper()
	if cfg.DataDir == "" {
		cfg.DataDir = t.TempDir()
	}
	if cfg.Listen == "" {
		cfg.Listen = "127.0.0.1:0"
	}
	if cfg.Log == nil && os.Getenv("NUBO_TEST_LOG") != "" {
		cfg.Log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	s := &Server{DataDir: cfg.DataDir, cfg: cfg}
	s.start(t)
	t.Cleanup(func() { s.Stop(t) })
	return s
}

func (s *Server) start(t testing.TB) {
	t.Helper()
	srv, err := server.New(s.cfg)
	if err != nil {
		t.Fatalf("servertest: new server: %v", err)
	}
	if err := srv.Start(context.Background()); err != nil {
		t.Fatalf("servertest: start: %v", err)
	}
	s.Server = srv
}

// Stop shuts the server down gracefully (idempotent).
func (s *Server) Stop(t testing.TB) {
	t.Helper()
	if s.Server == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := s.Server.Shutdown(ctx); err != nil {
		t.Errorf("servertest: shutdown: %v", err)
	}
	s.Server = nil
}

// Restart stops the server and starts a new one on the same data directory and
// the same address.
func (s *Server) Restart(t testing.TB) {
	t.Helper()
	addr := s.URL()[len("http://"):]
	s.Stop(t)
	s.cfg.Listen = addr
	s.start(t)
}
