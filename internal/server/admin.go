package server

import (
	"encoding/json"
	"math"
	"net/http"
	"runtime"
	"strconv"
	"time"

	"github.com/nubo/nubo/internal/auth"
	"github.com/nubo/nubo/internal/service"
)

// adminHandler serves the admin API under /_nubo/. On a loopback listener it
// answers unsigned requests; elsewhere a request must be signed with the root
// credentials.
func (s *Server) adminHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /_nubo/health", s.handleHealth)
	mux.HandleFunc("POST /_nubo/reset", s.handleReset)
	mux.HandleFunc("POST /_nubo/clock/advance", s.handleAdvance)
	mux.HandleFunc("GET /_nubo/clock", s.handleClock)
	verifier := &auth.Verifier{Credentials: auth.NewStaticCredentials(auth.Credential{
		AccessKeyID: s.cfg.RootAccessKeyID, SecretAccessKey: s.cfg.RootSecretAccessKey})}
	raw := http.NewServeMux()
	hasRaw := false
	for _, svc := range s.services {
		if rr, ok := svc.(service.RawRouter); ok {
			for _, route := range rr.RawRoutes() {
				raw.Handle(route.Pattern, route.Handler)
				hasRaw = true
			}
		}
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Raw service routes authenticate themselves (signed URLs).
		if hasRaw {
			if _, pattern := raw.Handler(r); pattern != "" {
				raw.ServeHTTP(w, r) // routes again so the handler sees its path values
				return
			}
		}
		if !s.adminAllowed(r, verifier) {
			writeJSON(w, http.StatusForbidden, map[string]string{
				"error": "the admin API needs requests signed with the root credentials on a non-loopback listener"})
			return
		}
		mux.ServeHTTP(w, r)
	})
}

func (s *Server) adminAllowed(r *http.Request, v *auth.Verifier) bool {
	if isLoopback(s.cfg.Listen) {
		return true
	}
	res, err := v.Verify(r, auth.VerifyOptions{})
	return err == nil && res.Method != auth.Anonymous
}

func (s *Server) handleHealth(w http.ResponseWriter, _ *http.Request) {
	now := s.sys.Clock.Now()
	writeJSON(w, http.StatusOK, map[string]any{
		"status":   "running",
		"version":  s.cfg.Version,
		"uptime":   time.Since(s.started).Round(time.Millisecond).String(),
		"started":  s.started.UTC().Format(time.RFC3339),
		"region":   s.cfg.Region,
		"account":  s.cfg.Account,
		"endpoint": s.URL(),
		"go":       runtime.Version(),
		"clock": map[string]any{
			"now": now.UTC().Format(time.RFC3339Nano), "offset_seconds": s.sys.Clock.Offset().Seconds(),
		},
		"services": s.serviceStates(),
		"runtime":  s.runtimeState(),
	})
}

func (s *Server) handleReset(w http.ResponseWriter, r *http.Request) {
	if err := s.Reset(r.Context()); err != nil {
		s.cfg.Log.Error("reset", "err", err)
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "reset failed"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "reset"})
}

func (s *Server) handleAdvance(w http.ResponseWriter, r *http.Request) {
	secs, err := strconv.ParseFloat(r.URL.Query().Get("seconds"), 64)
	if err != nil || secs < 0 || math.IsNaN(secs) || math.IsInf(secs, 0) || secs > 100*365*24*3600 {
		writeJSON(w, http.StatusBadRequest, map[string]string{
			"error": "seconds must be a non-negative number of seconds (at most 100 years)"})
		return
	}
	if err := s.Advance(time.Duration(secs * float64(time.Second))); err != nil {
		s.cfg.Log.Error("clock advance", "err", err)
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "clock advance failed"})
		return
	}
	s.handleClock(w, r)
}

func (s *Server) handleClock(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{
		"now":            s.sys.Clock.Now().UTC().Format(time.RFC3339Nano),
		"offset_seconds": s.sys.Clock.Offset().Seconds(),
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}

// runtimeState describes the function runtime for /_nubo/health: sandbox mode,
// the Python interpreter and boto3 functions get, and current instances.
func (s *Server) runtimeState() map[string]any {
	if s.pool == nil {
		return map[string]any{"state": "not started"}
	}
	info, stats := s.pool.Mode(), s.pool.Stats()
	return map[string]any{
		"sandbox": info.Sandbox, "sandbox_reason": info.SandboxReason,
		"python": info.Python, "python_prefix": info.PythonPrefix, "python_error": info.PythonError,
		"boto3":                 info.Boto3,
		"instances":             stats.Instances,
		"idle_instances":        stats.IdleInstances,
		"concurrent_executions": stats.ConcurrentExecutions,
	}
}
