#!/usr/bin/env python3
"""Kernel drops at one process's UDP sockets, for `ipv8 swarm` runs (docs/benchmarks.md, issue 13).

Usage: socket_drops.py PID [INTERVAL_SECONDS]

Samples the "drops" column of /proc/net/udp and /proc/net/udp6 for the sockets the process holds, every INTERVAL
seconds (default 0.5) until the process exits, and prints the highest count seen per socket, summed: the datagrams the
kernel dropped at that process's own sockets (a full receive buffer). The machine-wide RcvbufErrors counter also counts
other processes' sockets. Linux only; reads /proc, sends nothing.
"""
import os
import sys
import time


def socket_inodes(pid):
    """The inodes of the process's sockets, or None once the process is gone."""
    inodes = set()
    try:
        for fd in os.listdir(f"/proc/{pid}/fd"):
            try:
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            if target.startswith("socket:["):
                inodes.add(target[8:-1])
    except OSError:
        return None
    return inodes


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit("usage: socket_drops.py PID [INTERVAL_SECONDS]")
    pid = sys.argv[1]
    interval = float(sys.argv[2]) if len(sys.argv) == 3 else 0.5
    most = {}  # (inode, port) -> highest drops seen
    while True:
        inodes = socket_inodes(pid)
        if inodes is None:
            break
        for table in ("/proc/net/udp", "/proc/net/udp6"):
            try:
                with open(table) as rows:
                    next(rows)
                    for row in rows:
                        fields = row.split()
                        if fields[9] in inodes:
                            port = int(fields[1].rsplit(":", 1)[1], 16)
                            key = (fields[9], port)
                            most[key] = max(most.get(key, 0), int(fields[12]))
            except OSError:
                pass
        time.sleep(interval)
    worst = sorted(((drops, port) for (_, port), drops in most.items() if drops), reverse=True)[:5]
    if not most:
        print(f"socket_drops.py: process {pid} had no UDP socket while it was watched (the wrong PID, e.g. a shell's "
              f"or a subshell's, or it ended first): nothing was measured", file=sys.stderr)
        sys.exit(1)
    print(f"kernel drops at the process's UDP sockets: total {sum(most.values())}, "
          f"sockets with drops {sum(1 for d in most.values() if d)} of {len(most)}, worst (drops, port): {worst}")


if __name__ == "__main__":
    main()
