// Command s3 measures Nubo's S3 through the edge against its baselines, all
// measured in the same run on the same machine:
//
//   - 1 MiB PUT and GET throughput (distinct bodies, so deduplication saves
//     nothing; GETs read blobs dropped from the page cache) against the
//     disk's sequential write bandwidth (1 MiB writes then fsync) and read
//     bandwidth (after posix_fadvise DONTNEED; read in slices alternating
//     with slices of the cold GETs, because the disk's speed changes from
//     one second to the next), and against the same number of 1 MiB files
//     written (fsync'd, renamed into 256 subdirectories) and read back cold
//     by as many goroutines right after each run, with no HTTP, hashing or
//     metadata: what the file system gives the blob store's layout; GETs
//     run twice, with net/http's client and with raw clients that discard
//     the bodies with splice(2), because a client that copies each body
//     into its memory spends the cores the server is measured on, where a
//     remote client would spend its own;
//
//   - 64 MiB multipart uploads with aws-sdk-go-v2's upload manager against
//     the same disk bandwidth;
//
//     the disk baseline is measured right before each run it is compared
//     with, and writes the same volume (-mib, 1 GiB by default): a virtual
//     disk takes a short burst into its host's cache far faster than it
//     sustains writes (here 256 MiB wrote at about 400 MiB/s and 2 GiB at
//     about 270), and its sustained rate drifts from minute to minute
//     (233 to 535 MiB/s for 1 GiB within half an hour), so a baseline
//     shorter than the run, or taken minutes apart, measures the host;
//
//   - 4 KiB durable PUTs and GETs with 16 concurrent clients against
//     moto_server (started on a free port by this program);
//
//   - ListObjectsV2 of 1,000 keys from a bucket holding 100,000 keys.
//
// Every measurement runs -runs times; best and median are printed.
//
//	go run ./bench/s3 [-runs 3] [-mib 1024] [-d 3s] [-c 16] [-keys 100000] [-largec 1,4,16] [-only large,multipart,small,list] [-cpuprofile f]
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"

	"github.com/nubo/nubo/bench/internal/moto"
	"github.com/nubo/nubo/internal/auth"
	"github.com/nubo/nubo/internal/server"
)

// benchCred is Nubo's dev root credential; moto accepts any.
var benchCred = auth.Credential{AccessKeyID: "test", SecretAccessKey: "test"}

// settings are the command-line flags.
type settings struct {
	runs, conc, keys int
	largeConc        []int
	mib              int
	dur              string
	moto             string
}

func main() {
	var st settings
	flag.IntVar(&st.runs, "runs", 3, "repetitions of each measurement")
	flag.IntVar(&st.conc, "c", 16, "concurrent clients for the 4 KiB runs")
	flag.IntVar(&st.keys, "keys", 100000, "keys in the listing bucket")
	flag.IntVar(&st.mib, "mib", 1024, "MiB written by the disk baseline, by each 1 MiB PUT run (as that many objects) and by each run of 64 MiB multipart uploads")
	flag.StringVar(&st.dur, "d", "3s", "duration of each 4 KiB run")
	flag.StringVar(&st.moto, "moto", "moto_server", "moto_server command ('' skips moto)")
	largeConc := flag.String("largec", "1,4,16", "comma-separated client counts for the 1 MiB runs")
	only := flag.String("only", "", "comma-separated measurements to run (large, multipart, small, list); all when empty")
	prof := flag.String("cpuprofile", "", "write a CPU profile of the whole run (server and clients) to this file")
	flag.Parse()
	for _, f := range strings.Split(*largeConc, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		check(err)
		st.largeConc = append(st.largeConc, n)
	}

	dir, err := os.MkdirTemp("", "nubo-bench-s3")
	check(err)
	defer os.RemoveAll(dir)
	server.SetProcs() // as nubo server does
	srv, err := server.New(server.Config{Listen: "127.0.0.1:0", DataDir: filepath.Join(dir, "nubo")})
	check(err)
	check(srv.Start(context.Background()))
	defer srv.Shutdown(context.Background())

	if *prof != "" {
		f, err := os.Create(*prof)
		check(err)
		check(pprof.StartCPUProfile(f))
		defer pprof.StopCPUProfile()
	}
	fmt.Printf("cores=%d GOMAXPROCS=%d runs=%d data dir %s\n", runtime.NumCPU(), runtime.GOMAXPROCS(0), st.runs, dir)
	nubo := newTarget("nubo", srv.URL(), filepath.Join(dir, "nubo"))
	want := func(name string) bool { return *only == "" || slices.Contains(strings.Split(*only, ","), name) }
	d := disk{dir: dir, mib: st.mib}
	if want("large") {
		benchLarge(st, nubo, d)
	}
	if want("multipart") {
		benchMultipart(st, nubo, d)
	}
	if want("small") {
		// The peer starts only now, so that its start-up (seconds of
		// Python imports) and idle work do not share the cores with the
		// measurements before.
		var peer *moto.Server
		if st.moto != "" {
			peer, err = moto.Start(st.moto, dir)
			check(err)
			defer peer.Stop()
		}
		benchSmall(st, nubo, peer)
	}
	if want("list") {
		benchList(st, nubo)
	}
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
