#!/usr/bin/env python3
"""startbench: VM start-up and memory, bulkhead against bare QEMU, in one run.

    python3 bench/startbench.py [-n SEQ] [-p PAR] [-r ROUNDS]

Run as root from the tree, after host-init, holding nothing else: it takes
/tmp/bulkhead-e2e.lock itself. Measures, the two sides interleaved:

  seq  one at a time, SEQ times: bare QEMU (-S) from exec to its QMP
       answering qmp_capabilities, then quit; bulkhead `create -p` (which
       returns once the VM is up and paused behind its QMP worker), then
       `destroy`. Reported: median ms of start, and of start + end.
  par  PAR at once: the wall time from the first start to the last one
       ready, as VMs per second.
  mem  PAR paused VMs held: MemAvailable before and after, per VM.

Both sides run the same QEMU binary, machine, memory, kernel and
initramfs (build/guest) under TCG, the accelerator bulkhead uses here.
Bare QEMU runs as root, unconfined, with a QMP socket of its own.
"""
import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import fcntl

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
QEMU = os.environ.get("QEMU", "/usr/bin/qemu-system-x86_64")
BULKHEAD = os.environ.get("BULKHEAD", os.path.join(ROOT, "build/bulkhead"))
GUEST = os.path.join(ROOT, os.environ.get("GUEST", "build/guest"))
MEM = 64


def mem_available_kib():
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemAvailable:"):
                return int(line.split()[1])
    raise RuntimeError("no MemAvailable")


def qmp_ready(path, deadline):
    """Connect to QEMU's QMP socket and negotiate; True once it answers."""
    while time.monotonic() < deadline:
        try:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(path)
            break
        except OSError:
            s.close()
            time.sleep(0.001)
    else:
        return None
    f = s.makefile("rwb", buffering=0)
    json.loads(f.readline())  # the greeting
    f.write(b'{"execute": "qmp_capabilities"}\n')
    while True:
        msg = json.loads(f.readline())
        if "return" in msg:
            return s


class Bare:
    def __init__(self, tmp, i):
        self.sock = os.path.join(tmp, f"bare{i}.qmp")
        self.proc = None
        self.qmp = None

    def start(self):
        self.proc = subprocess.Popen(
            [QEMU, "-nodefaults", "-no-user-config", "-S",
             "-machine", "pc,accel=tcg,usb=off,vmport=off,hpet=off",
             "-m", str(MEM), "-smp", "1", "-display", "none",
             "-qmp", f"unix:{self.sock},server=on,wait=off",
             "-kernel", f"{GUEST}/vmlinuz",
             "-initrd", f"{GUEST}/initramfs.cpio.gz"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        STARTED.append(self.proc)

    def wait_ready(self):
        self.qmp = qmp_ready(self.sock, time.monotonic() + 60)
        if not self.qmp:
            raise RuntimeError("bare QEMU: no QMP")

    def stop(self):
        try:
            self.qmp.sendall(b'{"execute": "quit"}\n')
        except OSError:
            pass
        self.proc.wait(timeout=30)
        self.qmp.close()
        try:
            os.unlink(self.sock)
        except FileNotFoundError:
            pass


class Vm:
    def __init__(self, tmp, prefix, i):
        self.name = f"{prefix}-{i}"
        self.cfg = os.path.join(tmp, f"vm{i}.cfg")
        with open(self.cfg, "w") as f:
            f.write(f'name = "{self.name}"\nmemory = {MEM}\n'
                    f'kernel = "{GUEST}/vmlinuz"\n'
                    f'ramdisk = "{GUEST}/initramfs.cpio.gz"\n'
                    'cmdline = "console=ttyS0 quiet"\naccel = "tcg"\n')
        self.proc = None

    def start(self):
        self.proc = subprocess.Popen([BULKHEAD, "create", "-p", self.cfg],
                                     stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)

    def wait_ready(self):
        if self.proc.wait(timeout=120) != 0:
            raise RuntimeError(f"create {self.name} failed")

    def stop(self):
        subprocess.run([BULKHEAD, "destroy", self.name], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def one_at_a_time(make):
    t0 = time.monotonic()
    v = make()
    v.start()
    v.wait_ready()
    t1 = time.monotonic()
    v.stop()
    return (t1 - t0) * 1000, (time.monotonic() - t0) * 1000


def in_parallel(makes):
    vms = [m() for m in makes]
    t0 = time.monotonic()
    for v in vms:
        v.start()
    for v in vms:
        v.wait_ready()
    wall = time.monotonic() - t0
    return vms, wall


def settle():
    time.sleep(1.0)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=10, help="one-at-a-time starts per side")
    ap.add_argument("-p", type=int, default=8, help="VMs at once")
    ap.add_argument("-r", type=int, default=3, help="rounds of the parallel and memory runs")
    a = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("startbench: run as root")
    lock = open("/tmp/bulkhead-e2e.lock", "w")
    fcntl.flock(lock, fcntl.LOCK_EX)
    tmp = tempfile.mkdtemp(prefix="bh-startbench-")
    prefix = f"bhbench-st-{os.getpid()}"
    try:
        run(a, tmp, prefix)
    finally:
        cleanup(tmp, prefix)


STARTED = []  # every bare QEMU process, to kill if the bench fails


def cleanup(tmp, prefix):
    for p in STARTED:
        if p.poll() is None:
            p.kill()
            p.wait()
    out = subprocess.run([BULKHEAD, "list"], capture_output=True, text=True).stdout
    for line in out.splitlines():
        if line.startswith(prefix + "-"):
            subprocess.run([BULKHEAD, "destroy", line.split()[0]],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    subprocess.run(["rm", "-rf", tmp])


def run(a, tmp, prefix):
    seq = {"bare": [], "bulkhead": []}
    par = {"bare": [], "bulkhead": []}
    mem = {"bare": [], "bulkhead": []}
    makes = {"bare": lambda i: (lambda: Bare(tmp, i)),
             "bulkhead": lambda i: (lambda: Vm(tmp, prefix, i))}
    for i in range(a.n):
        for side in ("bare", "bulkhead"):
            seq[side].append(one_at_a_time(makes[side](i)))
    for _ in range(a.r):
        for side in ("bare", "bulkhead"):
            settle()
            before = mem_available_kib()
            vms, wall = in_parallel([makes[side](i) for i in range(a.p)])
            settle()
            after = mem_available_kib()
            par[side].append(a.p / wall)
            mem[side].append((before - after) / a.p / 1024)
            for v in vms:
                v.stop()
    ok = subprocess.run([BULKHEAD, "list"], capture_output=True, text=True)
    left = [l for l in ok.stdout.splitlines() if l.startswith(prefix)]
    med = statistics.median
    b_start, b_both = med(x[0] for x in seq["bare"]), med(x[1] for x in seq["bare"])
    v_start, v_both = med(x[0] for x in seq["bulkhead"]), med(x[1] for x in seq["bulkhead"])
    print(f"startbench: {a.n} one-at-a-time starts per side, {a.p} at once x {a.r} rounds, "
          f"{MEM} MiB TCG guests, QEMU {QEMU}")
    print("| measure | bare QEMU | bulkhead | ratio |")
    print("|---|---:|---:|---:|")
    print(f"| start, one at a time (ms, median) | {b_start:.0f} | {v_start:.0f} | {v_start / b_start:.2f}x |")
    print(f"| start + end, one at a time (ms, median) | {b_both:.0f} | {v_both:.0f} | {v_both / b_both:.2f}x |")
    bp, vp = med(par["bare"]), med(par["bulkhead"])
    print(f"| {a.p} at once (VMs/s, median) | {bp:.1f} | {vp:.1f} | {vp / bp:.2f}x |")
    bm, vm = med(mem["bare"]), med(mem["bulkhead"])
    print(f"| host memory per paused VM (MiB, median) | {bm:.1f} | {vm:.1f} | +{vm - bm:.1f} MiB |")
    print("samples:")
    for side in ("bare", "bulkhead"):
        print(f"  {side:8} start ms    " + " ".join(f"{x[0]:.0f}" for x in seq[side]))
        print(f"  {side:8} VMs/s       " + " ".join(f"{x:.1f}" for x in par[side]))
        print(f"  {side:8} MiB per VM  " + " ".join(f"{x:.1f}" for x in mem[side]))
    if left:
        print("startbench: VMs left behind: " + ", ".join(left))
        sys.exit(1)


if __name__ == "__main__":
    main()
