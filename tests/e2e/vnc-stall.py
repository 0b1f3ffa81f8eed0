# A relayed client and a second one whose handover the device model
# never answers (tests/e2e/vnc.sh, evil-dm late-vnc-stall). Prints the
# first client's worst echo time while the second hangs (99 if an echo
# did not come within 5 s), then how many seconds more the second took
# to be closed ("open" if not within 60 s).
import socket
import sys
import time

port = int(sys.argv[1])
a = socket.create_connection(("127.0.0.1", port), timeout=10)
if a.recv(12) != b"RFB 003.008\n":
    print("99 -")
    sys.exit()
b = socket.create_connection(("127.0.0.1", port), timeout=10)
time.sleep(1)  # its handover is under way, and hangs
worst = 0.0
a.settimeout(5)
for i in range(5):
    t = time.time()
    a.sendall(b"ping%d" % i)
    try:
        r = a.recv(64)
    except OSError:
        r = b""
    if r != b"ping%d" % i:
        worst = 99.0
        break
    worst = max(worst, time.time() - t)
    time.sleep(0.5)
t = time.time()
b.settimeout(60)
try:
    d = b.recv(12)
except OSError:
    d = b"?"
print("%.2f" % worst, "%.0f" % (time.time() - t) if d == b"" else "open")
