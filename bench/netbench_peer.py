#!/usr/bin/env python3
"""The host end of bench/netbench.sh: one TCP connection from a guest.

netbench_peer.py sink ADDR PORT OUT      count bytes until the guest closes
netbench_peer.py echo ADDR PORT OUT N    N one-byte round trips

Listens on ADDR:PORT, touches OUT.ready once listening, serves one
connection, then writes one line to OUT:
  sink: "BYTES SECONDS" (first byte to end of stream, host clock)
  echo: "N MEDIAN_US MEAN_US" (host sends a byte, the guest's cat sends it
        back; each round trip timed on the host clock)
Gives up after 300 s so a guest that never connects cannot hang the bench.
"""
import socket
import statistics
import sys
import time


def main():
    mode, addr, port, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port))
    s.listen(1)
    s.settimeout(300)
    open(out + ".ready", "w").close()
    c, _ = s.accept()
    c.settimeout(300)
    if mode == "sink":
        n = 0
        b = c.recv(1 << 20)
        t0 = time.monotonic()
        while b:
            n += len(b)
            b = c.recv(1 << 20)
        line = "%d %.6f" % (n, time.monotonic() - t0)
    else:
        c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        count = int(sys.argv[5])
        # One untimed round trip first: the guest's cat has started.
        c.sendall(b"x")
        c.recv(1)
        rtts = []
        for _ in range(count):
            t0 = time.monotonic()
            c.sendall(b"x")
            if c.recv(1) != b"x":
                break
            rtts.append((time.monotonic() - t0) * 1e6)
        line = "%d %.0f %.0f" % (len(rtts), statistics.median(rtts),
                                 statistics.mean(rtts))
    c.close()
    with open(out, "w") as f:
        f.write(line + "\n")


if __name__ == "__main__":
    main()
