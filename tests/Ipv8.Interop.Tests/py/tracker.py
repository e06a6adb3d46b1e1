"""
Runs py-ipv8's own tracker, ``scripts/tracker_plugin.py --listen_port P``, unchanged, for the .NET interoperability
tests, with the tests' safety around it:

- it exits when stdin closes (the test process went away) and in any case after ``--time-limit`` seconds;
- it sends only to 127.0.0.0/8 and ::1: a datagram to any other address is dropped and reported on stderr. The tracker
  binds 0.0.0.0 and answers the LAN address that a requester claims, so this matters if a node ever claims another.

usage: tracker.py --py-ipv8 DIR --listen_port P [--time-limit S]
The tracker prints "Started tracker" once it listens.
"""
from __future__ import annotations

import argparse
import ipaddress
import os
import runpy
import sys
import threading


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--py-ipv8", required=True, help="the py-ipv8 checkout (holds scripts/tracker_plugin.py)")
    parser.add_argument("--listen_port", type=int, required=True)
    parser.add_argument("--time-limit", type=float, default=120.0, help="hard limit in seconds")
    args = parser.parse_args()

    def watch_stdin() -> None:
        for _ in sys.stdin:
            pass
        os._exit(0)

    threading.Thread(target=watch_stdin, daemon=True).start()
    limit = threading.Timer(args.time_limit, lambda: os._exit(3))
    limit.daemon = True
    limit.start()

    from ipv8.messaging.interfaces.udp.endpoint import UDPEndpoint

    send = UDPEndpoint.send

    def loopback_only(self: UDPEndpoint, socket_address: tuple, packet: bytes) -> None:
        try:
            loopback = ipaddress.ip_address(socket_address[0]).is_loopback
        except ValueError:
            loopback = False
        if not loopback:
            sys.stderr.write(f"tracker.py: refused to send to {socket_address}: not a loopback address\n")
            sys.stderr.flush()
            return
        send(self, socket_address, packet)

    UDPEndpoint.send = loopback_only

    scripts = os.path.join(args.py_ipv8, "scripts")
    script = os.path.join(scripts, "tracker_plugin.py")
    sys.path.insert(0, scripts)
    sys.argv = [script, "--listen_port", str(args.listen_port)]
    runpy.run_path(script, run_name="__main__")


if __name__ == "__main__":
    main()
