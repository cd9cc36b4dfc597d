"""Probes run inside a sandbox; prints one JSON object of observations.

argv[1] is a JSON list of host paths that must not be readable.
"""
import errno
import json
import os
import resource
import socket
import sys


def try_read(path):
    try:
        if os.path.isdir(path):
            os.listdir(path)
        else:
            with open(path, "rb") as f:
                f.read(1)
        return "ok"
    except OSError as e:
        return errno.errorcode.get(e.errno, str(e.errno))


def try_write(path, size=1):
    try:
        with open(path, "wb") as f:
            f.write(b"x" * size)
        return "ok"
    except OSError as e:
        return errno.errorcode.get(e.errno, str(e.errno))


def status_field(name):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(name + ":"):
                return line.split(":", 1)[1].strip()
    return ""


out = {
    "uid": os.getuid(), "euid": os.geteuid(), "gid": os.getgid(),
    "groups": os.getgroups(), "pid": os.getpid(),
    "hostname": socket.gethostname(),
    "cwd": os.getcwd(),
    "task": open("/var/task/hello.txt").read().strip(),
    "write_task": try_write("/var/task/new.txt"),
    "write_etc": try_write("/etc/new.txt"),
    "write_usr": try_write("/usr/new.txt"),
    "write_tmp": try_write("/tmp/mine.txt"),
    "tmp_listing": sorted(os.listdir("/tmp")),
    "shadow": try_read("/etc/shadow"),
    "root_home": try_read("/root"),
    "proc1_root": try_read("/proc/1/root/"),
    "proc_pids": sorted(int(p) for p in os.listdir("/proc") if p.isdigit()),
    "cap_eff": status_field("CapEff"), "cap_bnd": status_field("CapBnd"),
    "no_new_privs": status_field("NoNewPrivs"),
    "nofile": list(resource.getrlimit(resource.RLIMIT_NOFILE)),
    "forbidden": {p: try_read(p) for p in json.loads(sys.argv[1])},
    "passwd_name": __import__("pwd").getpwuid(os.getuid()).pw_name,
    "localhost": socket.gethostbyname("localhost"),
}
if len(sys.argv) > 2:
    out["tmp_big"] = try_write("/tmp/big.bin", int(sys.argv[2]))
print(json.dumps(out))
