#!/usr/bin/env python3
"""Write the seed corpora of fuzz_vu_msg, fuzz_virtq and fuzz_net: a
QEMU-like session setting up a blk queue and serving a read, rings
holding a direct and an indirect read request, and bulkhead-net's
transmit and receive chains. Run from the repository root;
the output is committed, this script says how it was made."""
import os
import struct

def msg(req, payload=b"", nfds=0, flags=1):
    return bytes([nfds]) + struct.pack("<III", req, flags, len(payload)) + payload

def memw(off, data):
    out = b""
    for i in range(0, len(data), 255):
        chunk = data[i:i + 255]
        out += bytes([0x80]) + struct.pack("<HB", (off + i) // 8, len(chunk)) + chunk
    return out

def desc(addr, length, flags, nxt):
    return struct.pack("<QIHH", addr, length, flags, nxt)

UVA = 0x7f0000000000
GPA = 0
Q = 16
DESC, AVAIL, USED, DATA = 0x1000, 0x2000, 0x3000, 0x10000

def read_request(buf=GPA + DATA + 512):
    hdr = struct.pack("<IIQ", 0, 0, 4)
    ring = desc(GPA + DATA, 16, 1, 1) + desc(buf, 512, 3, 2) + desc(GPA + DATA + 1024, 1, 2, 0)
    avail = struct.pack("<HHH", 0, 1, 0)
    return memw(DATA, hdr) + memw(DESC, ring) + memw(AVAIL, avail)

def session(span=False):
    # span: guest memory as two regions adjacent in guest physical space
    # (the second from another file offset), the read's buffer across
    # their boundary.
    mem = struct.pack("<II", 1, 0) + struct.pack("<QQQQ", GPA, 256 << 10, UVA, 0)
    if span:
        mem = (struct.pack("<II", 2, 0) + struct.pack("<QQQQ", GPA, 128 << 10, UVA, 0)
               + struct.pack("<QQQQ", GPA + (128 << 10), 64 << 10, UVA + (1 << 20), 192 << 10))
    s = msg(1)                                   # GET_FEATURES
    s += msg(2, struct.pack("<Q", (1 << 32) | (1 << 30) | (1 << 28) | (1 << 29)))
    s += msg(15)                                 # GET_PROTOCOL_FEATURES
    s += msg(16, struct.pack("<Q", (1 << 0) | (1 << 3) | (1 << 9)))
    s += msg(3)                                  # SET_OWNER
    s += msg(5, mem, nfds=2 if span else 1)
    s += msg(24, struct.pack("<III", 0, 60, 0) + bytes(60))
    s += msg(17)                                 # GET_QUEUE_NUM
    s += msg(8, struct.pack("<II", 0, Q))
    s += msg(10, struct.pack("<II", 0, 0))
    s += msg(9, struct.pack("<IIQQQQ", 0, 0, UVA + DESC, UVA + USED, UVA + AVAIL, 0))
    s += msg(13, struct.pack("<Q", 0), nfds=1)
    s += read_request(GPA + (128 << 10) - 256 if span else GPA + DATA + 512)
    s += msg(12, struct.pack("<Q", 0), nfds=1)
    s += msg(18, struct.pack("<II", 0, 1))
    s += msg(11, struct.pack("<II", 0, 0))       # GET_VRING_BASE
    return s

def rings(indirect, span=False):
    # Queue of 16: descriptors at 0, avail at 256, used at 296, the
    # request at 1024 and its table at 512 (guest address = offset +
    # 0x10000), all inside libFuzzer's 4096-byte inputs.
    mem = bytearray(3000)
    base = 0x10000
    mem[1024:1040] = struct.pack("<IIQ", 0, 0, 2)
    # span: the buffer crosses from the harness's first region into its
    # second (at 32 KiB).
    buf = base + 0x8000 - 512 if span else base + 1536
    chain = [desc(base + 1024, 16, 1, 1), desc(buf, 1024, 3, 2), desc(base + 2900, 1, 2, 0)]
    if indirect:
        mem[512:560] = b"".join(chain)
        mem[0:16] = desc(base + 512, 48, 4, 0)
    else:
        mem[0:48] = b"".join(chain)
    mem[256:262] = struct.pack("<HHH", 0, 1, 0)
    return bytes([4, 2 if indirect else 0, 0]) + bytes(mem)

def net_rings(rx, split, hdr=bytes(12), flen=60):
    # fuzz_net's layout: queue of 16, descriptors at 0, avail at 256,
    # the frame (transmit) or buffer (receive) at 1024; byte 1 bit 2
    # picks receive, bytes 3-4 are the waiting frames' length / 2.
    mem = bytearray(3000)
    base = 0x10000
    mem[1024:1036] = hdr
    mem[1036:1036 + flen] = bytes((i * 7) & 0xff for i in range(flen))
    w = 2 if rx else 0
    blen = 1600 if rx else 12 + flen
    if split:
        mem[0:32] = desc(base + 1024, 12, w | 1, 1) + desc(base + 1036, blen - 12, w, 0)
    else:
        mem[0:16] = desc(base + 1024, blen, w, 0)
    mem[256:262] = struct.pack("<HHH", 0, 1, 0)
    return bytes([4, 4 if rx else 0, 0, 0, 30]) + bytes(mem)

os.makedirs("tests/fuzz/corpus/vu_msg", exist_ok=True)
os.makedirs("tests/fuzz/corpus/net", exist_ok=True)
os.makedirs("tests/fuzz/corpus/virtq", exist_ok=True)
seeds = {
    "tests/fuzz/corpus/vu_msg/session": session(),
    "tests/fuzz/corpus/vu_msg/features": msg(1) + msg(15) + msg(17),
    "tests/fuzz/corpus/virtq/direct": rings(False),
    "tests/fuzz/corpus/virtq/indirect": rings(True),
    "tests/fuzz/corpus/vu_msg/session_span": session(True),
    "tests/fuzz/corpus/virtq/span": rings(False, True),
    "tests/fuzz/corpus/net/tx": net_rings(False, False),
    "tests/fuzz/corpus/net/tx_split": net_rings(False, True),
    "tests/fuzz/corpus/net/tx_gso": net_rings(False, False, struct.pack("<BBHHHHH", 1, 1, 54, 1448, 34, 16, 0)),
    "tests/fuzz/corpus/net/rx": net_rings(True, False),
    "tests/fuzz/corpus/net/rx_split": net_rings(True, True),
}
for path, data in seeds.items():
    with open(path, "wb") as f:
        f.write(data)
