// Package zygote starts Python function instances by forking a
// pre-initialised interpreter, the zygote, instead of starting a fresh one:
// a handler that imports boto3 at module level then finds it already
// imported, and a cold start costs tens of milliseconds instead of the
// hundreds an interpreter spends importing boto3.
//
// # Processes
//
// The zygote is a Python process (zygote.py, embedded) started once per
// runtime through sandbox.Start with Config.Privileged: it gets the sandbox's
// mount, PID, IPC and UTS namespaces, root file system (/usr, /etc skeleton,
// /dev, /proc, /var/lang, /var/runtime, an empty /var/task, a tiny /tmp) and
// cgroup, but stays root. Two extra read-only binds exist only in its mount
// namespace: the host's code root at /.nubo/code (code directories are its
// subdirectories) and zygote.py at /.nubo/zygote. It imports the bootstrap
// (under a private module name, so a function's own "bootstrap" module is
// not shadowed) and Config.Preload (boto3 and friends), checks that no
// thread was started, ignores SIGCHLD (the kernel reaps its children) and
// serves spawn requests on a SOCK_SEQPACKET socket. It never runs function
// code.
//
// A spawn goes:
//
//  1. Go creates the instance cgroup (sandbox.NewCgroup: memory and pids
//     limits) and a SOCK_STREAM control socket pair with SO_PASSCRED, and
//     sends the zygote a JSON request with SCM_RIGHTS [control, stdout,
//     stderr].
//  2. The zygote calls unshare(CLONE_NEWPID), forks, and setns()es back to
//     its own PID namespace: the child, the instance init, is PID 1 of a new
//     PID namespace nested in the zygote's.
//  3. The init moves its descriptors to 0-3, closes everything else and
//     writes "hello"; the kernel attaches its PID as Go sees it
//     (SCM_CREDENTIALS). Go opens a pidfd on it and writes it into the
//     instance cgroup, then sends "go".
//  4. Meanwhile the init unshares mount, IPC and UTS namespaces, mounts a
//     fresh /proc, binds /.nubo/code/<dir> read-only at /var/task, mounts a
//     size-limited /tmp, binds an /etc/hosts naming the instance, unmounts
//     /.nubo/code and /.nubo/zygote, and sets the host name. On "go" it
//     forks the workload (born inside the cgroup), reports "ok <pid>",
//     forwards SIGTERM/INT/HUP/USR1/USR2 and reaps until the workload exits,
//     then reports "exit <code> <signal>" and exits — as PID 1, taking every
//     leftover process of its namespace with it.
//  5. The workload resets signal dispositions, sets RLIMIT_NOFILE 1024 and
//     RLIMIT_CORE 0, no_new_privs, empties the capability bounding set,
//     drops to UID/GID with no supplementary groups (clearing every
//     capability), sets dumpable as an exec would, replaces os.environ with
//     the function's environment (tzset, PYTHONPATH and PYTHONUNBUFFERED
//     applied), reseeds random, and calls the bootstrap's main loop in the
//     same interpreter.
//
// If the function ships its own copy of any preloaded module (a bundled
// boto3, say) in /var/task, /opt/python or PYTHONPATH, the workload forgets
// every preloaded module first, so all of them are imported from the
// function's path as in a fresh interpreter (and the cold start is as slow).
//
// # Isolation
//
// An instance ends up exactly where a sandbox.Start instance is: its own
// mount, PID, IPC and UTS namespaces, the same root file system, read-only
// code at /var/task, a private size-limited /tmp, UID 993 with no
// capabilities and no_new_privs, and its cgroup's memory and pids limits.
// The code root is unmounted before the workload exists, so no instance can
// reach another function's code or the data directory; the init (root) is
// PID 1 and its /proc/1/root is not accessible to the workload. Kill sends
// SIGKILL through the pidfd to the init, which makes the kernel kill the
// whole PID namespace, and sweeps the cgroup. Mounts live only in the
// instance's mount namespace. The tests in this package run the sandbox's
// isolation probes (../sandbox/testdata/checks.py) against spawned
// instances.
//
// What instances share with the zygote, unlike fresh interpreters: the
// str/bytes hash secret (PYTHONHASHSEED cannot be changed after start-up)
// and the memory of the preloaded modules, copy-on-write. Shared pages are
// charged to the zygote's cgroup, so an instance's memory figures (and its
// limit) count only what it touched itself; Max Memory Used is lower than
// with sandbox.Start. Variables read only at interpreter or dynamic-linker
// start-up must match the zygote's (Compatible); Spawn rejects others with
// ErrIncompatible, and New/Start return ErrUnsupported where the sandbox
// cannot isolate (Process mode): use sandbox.Start then. Layers (/opt) and
// a network namespace are not supported by Spawn yet.
//
// # Lifetime
//
// Instances live in PID namespaces nested in the zygote's: if the zygote
// dies, its instances die with it. A dead zygote is restarted by the next
// Spawn (or Warm). Close stops the zygote (and so its instances).
//
// Programs using this package must call sandbox.MaybeRunInit first thing in
// main and TestMain, because the zygote's sandbox init is the same binary.
package zygote
