#!/usr/bin/python3
"""A constrained link between two TUN devices, in user space.

The kernel of the machine this harness was written on has no netem
(CONFIG_NET_SCH_NETEM is not set), so deskmate-bench-peers emulates the
constrained link itself: it creates two TUN devices, prints "ready", and
then forwards every IP packet from one to the other with, in each
direction, a one-way delay, a rate limit (packets are serialised at the
link's rate behind each other), random loss and a tail-drop queue, as
`tc qdisc add ... netem delay 50ms rate 5mbit loss 1%` would. SIGUSR1
cuts the link (every packet is dropped) until SIGUSR2. It stops on SIGTERM
or when its standard input closes.

usage: linkemu.py TUN_A TUN_B [DELAY_MS RATE_MBIT LOSS_PERCENT]
"""

import collections
import fcntl
import os
import random
import select
import signal
import struct
import sys
import time

TUNSETIFF = 0x400454CA
IFF_TUN = 0x0001
IFF_NO_PI = 0x1000
QUEUE_LIMIT = 1000  # packets waiting per direction, as netem's default limit


def open_tun(name):
    fd = os.open("/dev/net/tun", os.O_RDWR | os.O_NONBLOCK)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", name.encode(), IFF_TUN | IFF_NO_PI))
    return fd


def main():
    a_name, b_name = sys.argv[1], sys.argv[2]
    delay = float(sys.argv[3]) / 1000 if len(sys.argv) > 3 else 0.050
    rate = float(sys.argv[4]) * 1e6 if len(sys.argv) > 4 else 5e6
    loss = float(sys.argv[5]) / 100 if len(sys.argv) > 5 else 0.01
    fds = [open_tun(a_name), open_tun(b_name)]
    rng = random.Random(7)
    cut = [False]
    stop = [False]
    signal.signal(signal.SIGUSR1, lambda *_: cut.__setitem__(0, True))
    signal.signal(signal.SIGUSR2, lambda *_: cut.__setitem__(0, False))
    signal.signal(signal.SIGTERM, lambda *_: stop.__setitem__(0, True))
    # Per direction (0: a -> b, 1: b -> a): packets waiting (deliver_at, bytes), link free at.
    queues = [collections.deque(), collections.deque()]
    free_at = [0.0, 0.0]
    print("ready", flush=True)
    while not stop[0]:
        now = time.monotonic()
        waits = [q[0][0] - now for q in queues if q]
        timeout = max(0.0, min(waits)) if waits else 0.5
        try:
            readable, _, _ = select.select([fds[0], fds[1], sys.stdin], [], [], timeout)
        except InterruptedError:
            continue
        if sys.stdin in readable and not sys.stdin.buffer.read1(1):
            break
        now = time.monotonic()
        for d in (0, 1):
            if fds[d] not in readable:
                continue
            while True:
                try:
                    packet = os.read(fds[d], 65536)
                except BlockingIOError:
                    break
                if cut[0] or rng.random() < loss or len(queues[d]) >= QUEUE_LIMIT:
                    continue
                start = max(now, free_at[d])
                free_at[d] = start + len(packet) * 8 / rate
                queues[d].append((free_at[d] + delay, packet))
        now = time.monotonic()
        for d in (0, 1):
            q = queues[d]
            while q and q[0][0] <= now:
                _, packet = q.popleft()
                if cut[0]:
                    continue
                try:
                    os.write(fds[1 - d], packet)
                except OSError:
                    pass


if __name__ == "__main__":
    main()
