#!/usr/bin/env python3
"""A FUSE file system that stops answering: fuse-silent.py MOUNTPOINT.

Speaks the kernel's protocol on /dev/fuse directly (no libfuse): mounts
MOUNTPOINT (root only), serves a root directory holding one regular file
"f" (4096 bytes) with no attribute or entry caching, so every stat or
lookup reaches it, prints "ready" once mounted, and on SIGUSR1 stops
reading /dev/fuse for good: from then on each request to the mount waits
for an answer that never comes, as with a hostile daemon. Killing it
ends the connection (waiting requests fail with ENOTCONN).
"""
import ctypes
import errno
import os
import signal
import struct
import sys
import time

LOOKUP, FORGET, GETATTR, OPEN, READ, RELEASE, FLUSH, INIT = 1, 2, 3, 14, 15, 18, 25, 26
OPENDIR, RELEASEDIR, ACCESS, INTERRUPT, BATCH_FORGET = 27, 29, 34, 36, 42
NO_REPLY = (FORGET, INTERRUPT, BATCH_FORGET)
ROOT, FILE = 1, 2


def attr(node):
    mode, size, nlink = (0o40755, 0, 2) if node == ROOT else (0o100644, 4096, 1)
    # ino size blocks atime mtime ctime (ns x3) mode nlink uid gid rdev
    # blksize flags
    return struct.pack("<6Q10I", node, size, size // 512, 0, 0, 0, 0, 0, 0,
                       mode, nlink, 0, 0, 0, 4096, 0)


def answer(op, node, body):
    """(error, payload) for one request; no caching anywhere."""
    if op == INIT:
        return 0, struct.pack("<4I2H2I2H2I6I", 7, 31, 0, 0, 16, 12, 65536, 1,
                              0, 0, 0, 0, *[0] * 6)
    if op == GETATTR:
        return 0, struct.pack("<QII", 0, 0, 0) + attr(node)
    if op == LOOKUP:
        if node == ROOT and body.rstrip(b"\0") == b"f":
            return 0, struct.pack("<4Q2I", FILE, 0, 0, 0, 0, 0) + attr(FILE)
        return -errno.ENOENT, b""
    if op in (OPEN, OPENDIR):
        return 0, struct.pack("<QII", 0, 0, 0)
    if op == READ:
        return 0, b""
    if op in (RELEASE, RELEASEDIR, FLUSH, ACCESS):
        return 0, b""
    return -errno.ENOSYS, b""


class Silence(Exception):
    pass


def on_usr1(*_):
    raise Silence()


def main():
    mnt = sys.argv[1].encode()
    fd = os.open("/dev/fuse", os.O_RDWR)
    libc = ctypes.CDLL(None, use_errno=True)
    opts = b"fd=%d,rootmode=40000,user_id=0,group_id=0" % fd
    if libc.mount(b"bh-silent", mnt, b"fuse", 2 | 4, opts) != 0:
        sys.exit("mount: " + os.strerror(ctypes.get_errno()))
    signal.signal(signal.SIGUSR1, on_usr1)
    print("ready", flush=True)
    try:
        while True:
            req = os.read(fd, 1 << 18)
            n, op, unique, node = struct.unpack_from("<IIQQ", req)
            if op in NO_REPLY:
                continue
            err, payload = answer(op, node, req[40:n])
            os.write(fd, struct.pack("<IiQ", 16 + len(payload), err, unique)
                     + payload)
    except Silence:
        pass
    signal.signal(signal.SIGUSR1, signal.SIG_IGN)
    while True:  # hold the connection open, answer nothing
        time.sleep(3600)


main()
