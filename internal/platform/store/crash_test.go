package store_test

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nubo/nubo/internal/platform/store"
)

const crashDirEnv = "NUBO_STORE_CRASH_DIR"

// TestHelperProcess is the child of TestCrashDurability: four goroutines
// commit durable writes forever, printing each key after its Commit returned,
// until the parent kills the process.
func TestHelperProcess(t *testing.T) {
	dir := os.Getenv(crashDirEnv)
	if dir == "" {
		t.Skip("helper process for TestCrashDurability")
	}
	db, err := store.Open(dir, store.Options{})
	if err != nil {
		fmt.Println("ERR", err)
		os.Exit(2)
	}
	// Four writers so durable commits are group-committed, as in the server.
	var mu sync.Mutex
	for w := range 4 {
		go func() {
			for i := 0; ; i++ {
				b := db.NewBatch()
				key := fmt.Sprintf("crash/%d/%08d", w, i)
				b.Set([]byte(key), []byte(strings.Repeat("v", i%300)))
				b.Set([]byte(key+"/pair"), []byte("p"))
				if err := b.Commit(true); err != nil {
					fmt.Println("ERR", err)
					os.Exit(2)
				}
				mu.Lock()
				fmt.Println(key) // unbuffered: printed means acknowledged
				mu.Unlock()
			}
		}()
	}
	select {} // until SIGKILL
}

func TestCrashDurability(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns a child process")
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$")
	cmd.Env = append(os.Environ(), crashDirEnv+"="+dir)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var acked []string
	sc := bufio.NewScanner(stdout)
	deadline := time.Now().Add(30 * time.Second)
	for len(acked) < 1000 && sc.Scan() && time.Now().Before(deadline) {
		line := sc.Text()
		if strings.HasPrefix(line, "ERR") {
			t.Fatalf("child: %s", line)
		}
		acked = append(acked, line)
	}
	// Kill mid-stream, while the child is still committing.
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	for sc.Scan() { // acknowledgements printed before the kill landed count too
		if line := sc.Text(); strings.HasPrefix(line, "crash/") {
			acked = append(acked, line)
		}
	}
	_ = cmd.Wait()
	if len(acked) < 50 {
		t.Fatalf("child acknowledged only %d writes", len(acked))
	}
	db, err := store.Open(dir, store.Options{})
	if err != nil {
		t.Fatalf("reopen after SIGKILL: %v", err)
	}
	defer db.Close()
	for _, key := range acked {
		if _, err := db.Get([]byte(key)); err != nil {
			t.Fatalf("acknowledged write %s lost after SIGKILL: %v", key, err)
		}
		if _, err := db.Get([]byte(key + "/pair")); err != nil {
			t.Fatalf("batch half-applied: %s/pair lost: %v", key, err)
		}
	}
	t.Logf("%d acknowledged durable writes survived SIGKILL", len(acked))
}
