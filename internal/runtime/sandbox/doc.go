// Package sandbox runs one function instance as an isolated process tree.
//
// In Isolated mode (root, cgroup v1 or v2 with the memory and pids
// controllers) an instance is a re-executed copy of the current binary acting
// as PID 1 of new mount, PID, IPC and UTS namespaces, placed in its own
// cgroup with a hard memory limit (swap disabled) and a pids limit. The init
// builds a root file system on a private tmpfs: read-only bind mounts of the
// host's /usr (and the /bin, /lib... entries, as directories or as the
// merged-/usr symlinks the host has), a minimal /etc (a skeleton prepared
// once per host under /run/nubo-sandbox, never the host's /etc), a fresh
// /proc, a handful of device nodes in /dev, the function code read-only at
// /var/task, layers read-only at /opt, the runtime directories (for example
// the Python prefix at /var/lang) read-only, and a private size-limited tmpfs
// at /tmp. It pivots into that root, detaches the old one, drops to an
// unprivileged user with no capabilities and no_new_privs, and starts the
// workload. The init stays as a minimal reaper; when the workload's main
// process exits, the init exits with the same status and the kernel tears
// down the PID namespace, killing every process the workload left behind.
// All mounts live only in the instance's mount namespace, so nothing has to
// be unmounted on the host.
//
// Programs that use this package must call MaybeRunInit first thing in main
// (and in TestMain), because the sandbox init is the same binary started
// with a marker in its environment.
//
// In Process mode (not root, or no usable cgroups) the workload is a plain
// child process in its own process group; sandbox paths in Args and Env
// (/var/task, /opt, /tmp and the RuntimeDirs keys) are rewritten to host
// paths. Supported reports which mode applies and why.
package sandbox
