package sandbox

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"unsafe"
)

// hostSystemDirs are bound read-only (or recreated as the symlinks they are
// on merged-/usr hosts) from the host into the sandbox root.
func hostSystemDirs() []string {
	return []string{"usr", "bin", "sbin", "lib", "lib64", "lib32", "libx32"}
}

// device is a character device created in the sandbox's /dev.
type device struct {
	name         string
	major, minor uint32
}

func devices() []device {
	return []device{{"null", 1, 3}, {"zero", 1, 5}, {"full", 1, 7}, {"random", 1, 8}, {"urandom", 1, 9}}
}

// setupRoot builds the sandbox root on a tmpfs at cfg.Root, pivots into it
// and makes it read-only. It runs in the init's own mount namespace, so
// every mount disappears with the instance.
func setupRoot(cfg *initConfig) error {
	if err := syscall.Mount("", "/", "", syscall.MS_REC|syscall.MS_PRIVATE, ""); err != nil {
		return fmt.Errorf("sandbox init: making mounts private: %w", err)
	}
	r := cfg.Root
	if err := syscall.Mount("tmpfs", r, "tmpfs", syscall.MS_NOSUID, "mode=0755,size=4m,nr_inodes=4096"); err != nil {
		return fmt.Errorf("sandbox init: mounting root tmpfs: %w", err)
	}
	steps := []func(*initConfig) error{bindSystemDirs, buildDev, mountProc, mountCode, mountTmp, buildEtc}
	for _, step := range steps {
		if err := step(cfg); err != nil {
			return err
		}
	}
	if err := pivot(r); err != nil {
		return err
	}
	if err := syscall.Mount("", "/", "", syscall.MS_REMOUNT|syscall.MS_RDONLY|syscall.MS_NOSUID, ""); err != nil {
		return fmt.Errorf("sandbox init: making root read-only: %w", err)
	}
	if err := syscall.Sethostname([]byte(cfg.Hostname)); err != nil {
		return fmt.Errorf("sandbox init: sethostname: %w", err)
	}
	if cfg.NetNS {
		return loopbackUp()
	}
	return nil
}

func bindSystemDirs(cfg *initConfig) error {
	for _, d := range hostSystemDirs() {
		src := "/" + d
		st, err := os.Lstat(src)
		if err != nil {
			continue
		}
		dst := filepath.Join(cfg.Root, d)
		if st.Mode()&os.ModeSymlink != 0 {
			target, err := os.Readlink(src)
			if err != nil {
				return fmt.Errorf("sandbox init: %w", err)
			}
			if err := os.Symlink(target, dst); err != nil {
				return fmt.Errorf("sandbox init: %w", err)
			}
			continue
		}
		if st.IsDir() {
			if err := bindRO(src, dst); err != nil {
				return err
			}
		}
	}
	return nil
}

// buildEtc binds the prepared /etc skeleton (see etcSkeleton) read-only,
// binds the host's harmless /etc directories into it, and puts a hosts file
// naming this instance over the skeleton's. The hosts file is staged in the
// instance's /tmp and unlinked once bound, so it leaves no trace (the root
// tmpfs could not be made read-only while holding an unlinked file).
func buildEtc(cfg *initConfig) error {
	etc := filepath.Join(cfg.Root, "etc")
	if err := bindRO(cfg.EtcDir, etc); err != nil {
		return err
	}
	for _, d := range etcDirs() {
		if st, err := os.Stat(filepath.Join(etc, d)); err != nil || !st.IsDir() {
			continue
		}
		if err := bindRO("/etc/"+d, filepath.Join(etc, d)); err != nil {
			return err
		}
	}
	staged := filepath.Join(cfg.Root, "tmp", ".hosts")
	if err := os.WriteFile(staged, []byte(hostsFile(cfg.Hostname)), 0o644); err != nil {
		return fmt.Errorf("sandbox init: %w", err)
	}
	if err := bindRO(staged, filepath.Join(etc, "hosts")); err != nil {
		return err
	}
	if err := os.Remove(staged); err != nil {
		return fmt.Errorf("sandbox init: %w", err)
	}
	return nil
}

func buildDev(cfg *initConfig) error {
	dev := filepath.Join(cfg.Root, "dev")
	if err := os.Mkdir(dev, 0o755); err != nil {
		return fmt.Errorf("sandbox init: %w", err)
	}
	old := syscall.Umask(0)
	defer syscall.Umask(old)
	for _, d := range devices() {
		devno := int(d.major<<8 | d.minor)
		if err := syscall.Mknod(filepath.Join(dev, d.name), syscall.S_IFCHR|0o666, devno); err != nil {
			return fmt.Errorf("sandbox init: mknod /dev/%s: %w", d.name, err)
		}
	}
	links := map[string]string{"fd": "/proc/self/fd", "stdin": "/proc/self/fd/0",
		"stdout": "/proc/self/fd/1", "stderr": "/proc/self/fd/2"}
	for name, target := range links {
		if err := os.Symlink(target, filepath.Join(dev, name)); err != nil {
			return fmt.Errorf("sandbox init: %w", err)
		}
	}
	return nil
}

func mountProc(cfg *initConfig) error {
	dst := filepath.Join(cfg.Root, "proc")
	if err := os.Mkdir(dst, 0o555); err != nil {
		return fmt.Errorf("sandbox init: %w", err)
	}
	flags := uintptr(syscall.MS_NOSUID | syscall.MS_NODEV | syscall.MS_NOEXEC)
	if err := syscall.Mount("proc", dst, "proc", flags, ""); err != nil {
		return fmt.Errorf("sandbox init: mounting /proc: %w", err)
	}
	return nil
}

// mountCode mounts /var/task, /opt and the runtime directories read-only.
func mountCode(cfg *initConfig) error {
	if err := bindRO(cfg.CodeDir, filepath.Join(cfg.Root, "var/task")); err != nil {
		return err
	}
	if err := mountLayers(cfg); err != nil {
		return err
	}
	dsts := make([]string, 0, len(cfg.RuntimeDirs))
	for dst := range cfg.RuntimeDirs {
		dsts = append(dsts, dst)
	}
	sort.Strings(dsts) // parents before children
	for _, dst := range dsts {
		if err := bindRO(cfg.RuntimeDirs[dst], filepath.Join(cfg.Root, dst)); err != nil {
			return err
		}
	}
	return nil
}

// mountLayers puts the layers at /opt: an empty directory for none, a bind
// for one, a read-only overlay (last layer on top) for several.
func mountLayers(cfg *initConfig) error {
	dst := filepath.Join(cfg.Root, "opt")
	switch len(cfg.LayerDirs) {
	case 0:
		return mkdirAll(dst)
	case 1:
		return bindRO(cfg.LayerDirs[0], dst)
	}
	lower := make([]string, 0, len(cfg.LayerDirs))
	for i := len(cfg.LayerDirs) - 1; i >= 0; i-- {
		d := cfg.LayerDirs[i]
		if strings.ContainsAny(d, ":,\\") {
			return fmt.Errorf("sandbox init: layer path %q contains ':', ',' or '\\'", d)
		}
		lower = append(lower, d)
	}
	if err := mkdirAll(dst); err != nil {
		return err
	}
	flags := uintptr(syscall.MS_RDONLY | syscall.MS_NOSUID | syscall.MS_NODEV)
	if err := syscall.Mount("overlay", dst, "overlay", flags, "lowerdir="+strings.Join(lower, ":")); err != nil {
		return fmt.Errorf("sandbox init: overlay of layers at /opt: %w", err)
	}
	return nil
}

func mountTmp(cfg *initConfig) error {
	dst := filepath.Join(cfg.Root, "tmp")
	if err := mkdirAll(dst); err != nil {
		return err
	}
	flags := uintptr(syscall.MS_NOSUID | syscall.MS_NODEV)
	opts := fmt.Sprintf("mode=1777,size=%dm", cfg.TmpSizeMB)
	if err := syscall.Mount("tmpfs", dst, "tmpfs", flags, opts); err != nil {
		return fmt.Errorf("sandbox init: mounting /tmp: %w", err)
	}
	return nil
}

// bindRO bind-mounts the host directory (or file) src at dst, read-only,
// nosuid and nodev. A bind mount ignores MS_RDONLY, hence the second
// remount call. A missing directory dst is created; a file dst must exist.
func bindRO(src, dst string) error {
	if _, err := os.Stat(dst); err != nil {
		if err := mkdirAll(dst); err != nil {
			return err
		}
	}
	if err := syscall.Mount(src, dst, "", syscall.MS_BIND, ""); err != nil {
		return fmt.Errorf("sandbox init: binding %s: %w", src, err)
	}
	flags := uintptr(syscall.MS_BIND | syscall.MS_REMOUNT | syscall.MS_RDONLY | syscall.MS_NOSUID | syscall.MS_NODEV)
	if err := syscall.Mount("", dst, "", flags, ""); err != nil {
		return fmt.Errorf("sandbox init: making %s read-only: %w", dst, err)
	}
	return nil
}

func mkdirAll(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("sandbox init: %w", err)
	}
	return nil
}

// pivot makes root the new root file system and detaches the old one, so
// nothing of the host outside the bound directories stays reachable.
func pivot(root string) error {
	if err := syscall.Chdir(root); err != nil {
		return fmt.Errorf("sandbox init: %w", err)
	}
	if err := syscall.PivotRoot(".", "."); err != nil {
		return fmt.Errorf("sandbox init: pivot_root: %w", err)
	}
	if err := syscall.Unmount(".", syscall.MNT_DETACH); err != nil {
		return fmt.Errorf("sandbox init: detaching old root: %w", err)
	}
	if err := syscall.Chdir("/"); err != nil {
		return fmt.Errorf("sandbox init: %w", err)
	}
	return nil
}

// loopbackUp brings up lo in a new network namespace.
func loopbackUp() error {
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_DGRAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("sandbox init: socket: %w", err)
	}
	defer syscall.Close(fd)
	var ifr struct {
		name  [syscall.IFNAMSIZ]byte
		flags uint16
		_     [22]byte
	}
	copy(ifr.name[:], "lo")
	if _, _, errno := syscall.Syscall(syscall.SYS_IOCTL, uintptr(fd), syscall.SIOCGIFFLAGS, uintptr(unsafe.Pointer(&ifr))); errno != 0 {
		return fmt.Errorf("sandbox init: SIOCGIFFLAGS lo: %w", errno)
	}
	ifr.flags |= syscall.IFF_UP | syscall.IFF_RUNNING
	if _, _, errno := syscall.Syscall(syscall.SYS_IOCTL, uintptr(fd), syscall.SIOCSIFFLAGS, uintptr(unsafe.Pointer(&ifr))); errno != 0 {
		return fmt.Errorf("sandbox init: SIOCSIFFLAGS lo: %w", errno)
	}
	return nil
}
