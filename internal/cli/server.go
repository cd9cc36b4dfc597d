package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/nubo/nubo/internal/server"
)

// shutdownGrace is how long in-flight requests get to finish on SIGINT/SIGTERM.
const shutdownGrace = 30 * time.Second

func runServer(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("nubo server", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg server.Config
	fs.StringVar(&cfg.Listen, "listen", env("LISTEN", "127.0.0.1:4566"), "address to listen on (NUBO_LISTEN)")
	fs.StringVar(&cfg.DataDir, "data-dir", env("DATA_DIR", defaultDataDir()), "directory holding all state (NUBO_DATA_DIR)")
	fs.StringVar(&cfg.Region, "region", env("REGION", "us-east-1"), "default region (NUBO_REGION)")
	fs.StringVar(&cfg.Account, "account", env("ACCOUNT", "000000000000"), "account id (NUBO_ACCOUNT)")
	fs.StringVar(&cfg.RootAccessKeyID, "root-access-key-id", env("ROOT_ACCESS_KEY_ID", server.DevAccessKeyID),
		"root access key id (NUBO_ROOT_ACCESS_KEY_ID); the dev pair test/test only works on loopback")
	fs.StringVar(&cfg.RootSecretAccessKey, "root-secret-access-key", env("ROOT_SECRET_ACCESS_KEY", server.DevSecretAccessKey),
		"root secret access key (NUBO_ROOT_SECRET_ACCESS_KEY)")
	hostnames := fs.String("hostnames", env("HOSTNAMES", ""), "extra host names for virtual-host S3 addressing, comma-separated (NUBO_HOSTNAMES)")
	logLevel := fs.String("log-level", env("LOG_LEVEL", "info"), "log level: debug (one line per request), info, warn, error (NUBO_LOG_LEVEL)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		fmt.Fprintf(stderr, "nubo server: bad --log-level %q\n", *logLevel)
		return 2
	}
	if *hostnames != "" {
		cfg.Hostnames = strings.Split(*hostnames, ",")
	}
	cfg.Log = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	cfg.Version = version()
	return serve(cfg, stdout, stderr)
}

func serve(cfg server.Config, stdout, stderr io.Writer) int {
	server.SetProcs()
	srv, err := server.New(cfg)
	if err != nil {
		fmt.Fprintf(stderr, "nubo server: %v\n", err)
		return 1
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := srv.Start(ctx); err != nil {
		fmt.Fprintf(stderr, "nubo server: %v\n", err)
		srv.Shutdown(context.Background())
		return 1
	}
	fmt.Fprintf(stdout, "Nubo %s ready on %s (data dir %s)\n", cfg.Version, srv.URL(), cfg.DataDir)
	<-ctx.Done()
	stop()
	fmt.Fprintln(stdout, "Nubo shutting down: finishing in-flight requests")
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		fmt.Fprintf(stderr, "nubo server: shutdown: %v\n", err)
		return 1
	}
	return 0
}
