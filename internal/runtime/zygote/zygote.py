# Nubo's Python zygote: a root process inside a sandbox whose mount namespace
# already looks like a function's root. It imports the runtime bootstrap and
# the preload modules once, then forks one function instance per request.
# It never runs function code itself. See doc.go for the design.
#
# argv: zygote.py <bootstrap path> <preload,modules,...>
# fd 3: SOCK_SEQPACKET command socket to the platform.
#   platform -> zygote: JSON spawn request + SCM_RIGHTS [ctl, stdout, stderr]
#   zygote -> platform: "ready <python version>" once, then per request
#                       "ok" (forked) or "err <message>"
# ctl (SOCK_STREAM, per instance), instance init (PID 1 of the instance):
#   init -> platform: "hello\n" (the kernel attaches the sender's PID)
#   platform -> init: "go\n" once the init is in the instance cgroup (the init
#                     sets up its namespaces meanwhile, then forks the workload)
#   init -> platform: "ok <pid>\n" | "err <message>\n", later "exit <code> <signal>\n"

import array
import ctypes
import errno
import importlib.util
import json
import os
import resource
import signal
import socket
import sys
import threading
import time

CMD_FD = 3
CLONE_NEWNS = 0x00020000
CLONE_NEWUTS = 0x04000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWPID = 0x20000000
MS_RDONLY = 1
MS_NOSUID = 2
MS_NODEV = 4
MS_NOEXEC = 8
MS_REMOUNT = 32
MS_BIND = 4096
MNT_DETACH = 2
PR_SET_DUMPABLE = 4
PR_CAPBSET_DROP = 24
PR_SET_NO_NEW_PRIVS = 38
NOFILE = 1024
CODE_ROOT = "/.nubo/code"
ZYGOTE_DIR = "/.nubo/zygote"
FORWARDED = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGUSR1, signal.SIGUSR2)

libc = ctypes.CDLL(None, use_errno=True)
for _name in ("unshare", "setns", "mount", "umount2", "prctl"):
    getattr(libc, _name).restype = ctypes.c_int


def check(ret, what):
    if ret != 0:
        e = ctypes.get_errno()
        raise OSError(e, "%s: %s" % (what, os.strerror(e)))


def mount(src, dst, fstype, flags, data=None):
    check(libc.mount(src.encode(), dst.encode(), fstype.encode() if fstype else None,
                     ctypes.c_ulong(flags), data.encode() if data else None), "mount %s" % dst)


def umount(path):
    check(libc.umount2(path.encode(), MNT_DETACH), "umount %s" % path)


def prctl(option, arg):
    check(libc.prctl(option, ctypes.c_ulong(arg), ctypes.c_ulong(0), ctypes.c_ulong(0),
                     ctypes.c_ulong(0)), "prctl(%d)" % option)


def bind_ro(src, dst):
    mount(src, dst, None, MS_BIND)
    mount("", dst, None, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)


# --- the zygote --------------------------------------------------------------


def load_bootstrap(path):
    """Imports the runtime bootstrap under a private name, so that a
    function's own module called "bootstrap" is not shadowed."""
    spec = importlib.util.spec_from_file_location("_nubo_bootstrap", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["_nubo_bootstrap"] = module
    spec.loader.exec_module(module)
    return module


def recv_request(sock):
    fds = array.array("i")
    msg, anc, flags, _ = sock.recvmsg(1 << 20, socket.CMSG_SPACE(16 * fds.itemsize))
    for level, kind, data in anc:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds.frombytes(data[:len(data) - (len(data) % fds.itemsize)])
    return msg, list(fds), flags


def serve(sock, boot, baseline):
    own_pidns = os.open("/proc/self/ns/pid", os.O_RDONLY | os.O_CLOEXEC)
    while True:
        msg, fds, flags = recv_request(sock)
        if not msg and not fds:
            return  # the platform closed the socket
        try:
            if len(fds) != 3 or flags & socket.MSG_CTRUNC:
                raise ValueError("want 3 file descriptors, got %d" % len(fds))
            req = json.loads(msg.decode("utf-8"))
            spawn(sock, own_pidns, req, fds, boot, baseline)
            sock.send(b"ok")
        except Exception as e:
            sock.send(("err %s: %s" % (type(e).__name__, e)).encode("utf-8", "replace")[:4000])
        finally:
            for fd in fds:
                os.close(fd)


def spawn(sock, own_pidns, req, fds, boot, baseline):
    """Forks the instance init as PID 1 of a new PID namespace."""
    sys.stdout.flush()
    sys.stderr.flush()
    check(libc.unshare(CLONE_NEWPID), "unshare(CLONE_NEWPID)")
    try:
        pid = os.fork()
    finally:
        if os.getpid() != 1:
            check(libc.setns(own_pidns, CLONE_NEWPID), "setns(own pid namespace)")
    if pid == 0:
        code = 125
        try:
            sock.detach()  # fd 3 is about to become the instance's ctl socket
            code = instance_init(req, fds, boot, baseline)
        finally:
            os._exit(code)


# --- the instance init (PID 1 of the instance) ---------------------------------


def instance_init(req, fds, boot, baseline):
    """Moves into the instance's namespaces, builds its mounts, starts the
    workload and reaps until it exits. Runs as root."""
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    ctl, out, err = fds
    os.dup2(ctl, 3)
    os.dup2(out, 1)
    os.dup2(err, 2)
    null = os.open("/dev/null", os.O_RDWR)
    os.dup2(null, 0)
    os.closerange(4, 1 << 16)
    ctl = socket.socket(fileno=3)
    try:
        ctl.sendall(b"hello\n")
        # The namespaces and mounts are built while the platform moves this
        # process into the instance cgroup; only the workload's fork has to
        # wait for that.
        setup_instance(req)
        if read_line(ctl) != "go":
            return 125
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                ctl.close()
                code = workload(req, boot, baseline)
            finally:
                os._exit(code)
    except Exception as e:
        ctl.sendall(("err instance init: %s: %s\n" % (type(e).__name__, e)).replace("\n", " ").encode() + b"\n")
        return 125
    for sig in FORWARDED:
        signal.signal(sig, lambda s, _f: os.kill(pid, s))
    ctl.sendall(b"ok %d\n" % pid)
    code, sig = reap(pid)
    ctl.sendall(b"exit %d %d\n" % (code, sig))
    return 128 + sig if sig else code


def read_line(sock):
    buf = b""
    while not buf.endswith(b"\n"):
        chunk = sock.recv(64)
        if not chunk:
            return ""
        buf += chunk
    return buf.decode().strip()


def setup_instance(req):
    check(libc.unshare(CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWUTS), "unshare")
    umount("/proc")
    mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    sha = req["codeSHA"]
    if not sha or "/" in sha or sha.startswith("."):
        raise ValueError("bad code dir %r" % sha)
    umount("/var/task")
    bind_ro(os.path.join(CODE_ROOT, sha), "/var/task")
    umount("/tmp")
    mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777,size=%dm" % int(req["tmpSizeMB"]))
    staged = "/tmp/.hosts"
    with open(staged, "w") as f:
        f.write("127.0.0.1\tlocalhost\n::1\tlocalhost\n127.0.0.1\t%s\n" % req["id"])
    umount("/etc/hosts")
    bind_ro(staged, "/etc/hosts")
    os.unlink(staged)
    umount(CODE_ROOT)
    umount(ZYGOTE_DIR)
    socket.sethostname(req["id"])


def reap(pid):
    while True:
        try:
            wpid, status = os.waitpid(-1, 0)
        except ChildProcessError:
            return 125, 0
        if wpid != pid:
            continue
        if os.WIFSIGNALED(status):
            return -1, os.WTERMSIG(status)
        return os.WEXITSTATUS(status), 0


# --- the workload ----------------------------------------------------------------


def drop_privileges(uid, gid):
    resource.setrlimit(resource.RLIMIT_NOFILE, (NOFILE, NOFILE))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    prctl(PR_SET_NO_NEW_PRIVS, 1)
    for cap in range(64):
        if libc.prctl(PR_CAPBSET_DROP, ctypes.c_ulong(cap), ctypes.c_ulong(0),
                      ctypes.c_ulong(0), ctypes.c_ulong(0)) != 0:
            if ctypes.get_errno() == errno.EINVAL:
                break
            check(-1, "prctl(PR_CAPBSET_DROP, %d)" % cap)
    os.setgroups([])
    os.setresgid(gid, gid, gid)
    os.setresuid(uid, uid, uid)
    # Changing credentials cleared the dumpable flag; an exec would have set
    # it again, so set it as the sandbox's workload has it.
    prctl(PR_SET_DUMPABLE, 1)


def reset_signals():
    for sig in FORWARDED + (signal.SIGCHLD,):
        signal.signal(sig, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGPIPE, signal.SIG_IGN)
    if hasattr(signal, "SIGXFSZ"):
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)


def shadowed_names(env):
    """Top-level module names the function provides itself, in the order
    the bootstrap's sys.path searches: /var/task, /opt and PYTHONPATH."""
    ver = "python%d.%d" % sys.version_info[:2]
    dirs = [env.get("LAMBDA_TASK_ROOT", "/var/task"), "/opt/python/lib/%s/site-packages" % ver, "/opt/python"]
    dirs += [p for p in env.get("PYTHONPATH", "").split(":") if p]
    names = set()
    for d in dirs:
        try:
            entries = os.listdir(d)
        except OSError:
            continue
        for e in entries:
            names.add(e.split(".", 1)[0])
    return names


def evict_shadowed(env, baseline):
    """A fresh interpreter would import the function's own copy of a module
    the zygote preloaded (a bundled boto3, say). If the function ships any
    of them, forget every preloaded module so all are imported afresh."""
    preloaded = [m for m in sys.modules if m not in baseline]
    tops = set(m.split(".", 1)[0] for m in preloaded)
    if not tops & shadowed_names(env):
        return False
    for m in preloaded:
        del sys.modules[m]
    importlib.invalidate_caches()
    return True


def workload(req, boot, baseline):
    """Becomes the function's runtime: unprivileged, its environment, then
    the bootstrap's main loop in this interpreter."""
    reset_signals()
    drop_privileges(int(req["uid"]), int(req["gid"]))
    env = dict(e.split("=", 1) for e in req["env"] if "=" in e)
    os.environ.clear()
    os.environ.update(env)
    time.tzset()
    os.chdir("/var/task")
    extra = [p for p in env.get("PYTHONPATH", "").split(":") if p]
    sys.path[:] = extra + [p for p in sys.path if p not in extra and p != ZYGOTE_DIR]
    sys.argv[:] = [boot.__file__]
    if env.get("PYTHONUNBUFFERED"):
        for stream in (sys.stdout, sys.stderr):
            stream.reconfigure(write_through=True)
    evict_shadowed(env, baseline)
    if "random" in sys.modules:
        sys.modules["random"].seed()
    code = 0
    try:
        boot.main()
    except SystemExit as e:
        code = exit_code(e.code)
    except BaseException:
        import traceback

        traceback.print_exc()
        code = 1
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            pass
    return code


def exit_code(value):
    if value is None:
        return 0
    if isinstance(value, int):
        return value & 0xFF
    sys.stderr.write("%s\n" % (value,))
    return 1


def main():
    sock = socket.socket(fileno=CMD_FD)
    try:
        boot = load_bootstrap(sys.argv[1])
        baseline = set(sys.modules)
        for name in [m for m in sys.argv[2].split(",") if m]:
            importlib.import_module(name)
        if threading.active_count() != 1:
            raise RuntimeError("preloading started threads: %s" % threading.enumerate())
    except BaseException as e:
        sock.send(("err preload: %s: %s" % (type(e).__name__, e)).encode("utf-8", "replace")[:4000])
        return 1
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # instances are reaped by the kernel
    sock.send(b"ready %d.%d.%d" % sys.version_info[:3])
    serve(sock, boot, baseline)
    return 0


if __name__ == "__main__":
    sys.exit(main())
