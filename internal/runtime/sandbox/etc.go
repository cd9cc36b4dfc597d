package sandbox

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// The sandbox's /etc is deliberately minimal. Exposing the host's /etc
// would leak /etc/shadow, SSH host keys and whatever configuration (and
// credentials) the host keeps there. What a Lambda-like runtime needs is:
// a passwd and group naming the sandbox user, localhost in hosts, name
// resolution through files then DNS, the host's resolver configuration,
// the dynamic linker cache, the TLS trust store, time zone and the
// protocol/service tables.

// etcDirs are host /etc directories bound read-only into the sandbox's
// /etc: TLS trust stores, the dynamic linker configuration and Debian's
// alternatives links.
func etcDirs() []string {
	return []string{"ssl", "pki", "ca-certificates", "alternatives", "ld.so.conf.d"}
}

// etcFiles are host /etc files copied into the skeleton. Nothing secret
// (shadow, gshadow, ssh keys, the host's passwd and group) is among them.
func etcFiles() []string {
	return []string{"ld.so.cache", "ld.so.conf", "localtime", "mime.types", "protocols",
		"services", "gai.conf", "host.conf", "os-release", "resolv.conf"}
}

// etcSkeleton returns a directory holding the sandbox's /etc for uid/gid,
// building it on first use. Its name includes a digest of the identity and
// of the size and modification time of the host files it copies, so a
// changed host file (resolv.conf, say) leads to a new skeleton, while the
// common case costs a dozen stat calls per Start instead of copying files.
func etcSkeleton(base string, uid, gid int) (string, error) {
	h := sha256.New()
	fmt.Fprintf(h, "v1 %d %d\n", uid, gid)
	for _, name := range etcFiles() {
		if st, err := os.Stat("/etc/" + name); err == nil {
			fmt.Fprintf(h, "%s %d %d\n", name, st.Size(), st.ModTime().UnixNano())
		}
	}
	for _, name := range etcDirs() {
		if st, err := os.Stat("/etc/" + name); err == nil && st.IsDir() {
			fmt.Fprintf(h, "dir %s\n", name)
		}
	}
	dir := filepath.Join(base, "etc-"+hex.EncodeToString(h.Sum(nil))[:16])
	if _, err := os.Stat(dir); err == nil {
		return dir, nil
	}
	tmp, err := os.MkdirTemp(base, ".etc-build-")
	if err != nil {
		return "", fmt.Errorf("sandbox: %w", err)
	}
	if err := fillEtc(tmp, uid, gid); err != nil {
		_ = os.RemoveAll(tmp)
		return "", err
	}
	if err := os.Rename(tmp, dir); err != nil {
		_ = os.RemoveAll(tmp)
		// Another Start built the same skeleton concurrently.
		if _, statErr := os.Stat(dir); statErr == nil {
			return dir, nil
		}
		return "", fmt.Errorf("sandbox: %w", err)
	}
	return dir, nil
}

// fillEtc writes the skeleton's files and the empty mount points of the
// directories bound at start.
func fillEtc(dir string, uid, gid int) error {
	if err := os.Chmod(dir, 0o755); err != nil {
		return fmt.Errorf("sandbox: %w", err)
	}
	files := map[string]string{
		"passwd": fmt.Sprintf("root:x:0:0:root:/root:/sbin/nologin\nsbx_user1051:x:%d:%d::/tmp:/sbin/nologin\n", uid, gid),
		"group":  fmt.Sprintf("root:x:0:\nsbx_user1051:x:%d:\n", gid),
		// Replaced per instance by a hosts file that also names the instance.
		"hosts": "127.0.0.1\tlocalhost\n::1\tlocalhost\n",
		"nsswitch.conf": "passwd: files\ngroup: files\nshadow: files\nhosts: files dns\n" +
			"networks: files\nprotocols: files\nservices: files\n",
	}
	for _, name := range etcFiles() {
		b, err := os.ReadFile("/etc/" + name)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return fmt.Errorf("sandbox: %w", err)
		}
		files[name] = string(b)
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			return fmt.Errorf("sandbox: %w", err)
		}
	}
	for _, name := range etcDirs() {
		if st, err := os.Stat("/etc/" + name); err == nil && st.IsDir() {
			if err := os.Mkdir(filepath.Join(dir, name), 0o755); err != nil {
				return fmt.Errorf("sandbox: %w", err)
			}
		}
	}
	return nil
}

// hostsFile is the per-instance /etc/hosts: localhost and the instance's
// host name, so that resolving gethostname() never goes to DNS.
func hostsFile(hostname string) string {
	return fmt.Sprintf("127.0.0.1\tlocalhost\n::1\tlocalhost\n127.0.0.1\t%s\n", hostname)
}
