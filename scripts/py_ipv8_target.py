"""
A py-ipv8 node to aim ``ipv8 bench`` at (docs/benchmarking-a-node.md).

It is py-ipv8's default deployment shape on 127.0.0.1, as ``ipv8 node`` runs ours: an ``IPv8`` from a
``ConfigBuilder`` configuration, py-ipv8's ``DiscoveryCommunity`` as the default configuration has it (RandomWalk,
RandomChurn, PeriodicSimilarity; ``--no-discovery`` leaves it out) and one plain ``Community`` with the given id, both
under one key, ``max_peers`` 30 (py-ipv8's default), no bootstrap servers and no walkers of its own. It answers what
any py-ipv8 node answers: introduction requests (246, 234), puncture requests (250, 232), DiscoveryCommunity pings.

    PYTHONPATH=/path/to/py-ipv8 /usr/bin/python3 scripts/py_ipv8_target.py --port 8091 --community HEX [--time-limit S]

Prints one JSON line ``{"event": "ready", "host", "port", "public_key", "communities"}`` on stdout once it listens,
then runs until SIGTERM / SIGINT or ``--time-limit`` seconds (default 600). It sends only to 127.0.0.0/8. When the
asked ``--port`` is taken it exits with code 1 and says so on stderr (py-ipv8 itself would bind the next free port).
"""
from __future__ import annotations

import argparse
import asyncio
import json
import signal
import sys

from ipv8.community import Community
from ipv8.configuration import ConfigBuilder, get_default_configuration
from ipv8_service import IPv8

from loopback_node import guard_loopback, ready_event, start_watchdog, use_bound_address, walker_definitions


async def main() -> int:
    parser = argparse.ArgumentParser(description="A py-ipv8 node on 127.0.0.1 for ipv8 bench.")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--community", required=True, help="the community id, 40 hex digits")
    parser.add_argument("--max-peers", type=int, default=30, help="py-ipv8's max_peers (default 30)")
    parser.add_argument("--no-discovery", action="store_true", help="leave out py-ipv8's DiscoveryCommunity")
    parser.add_argument("--time-limit", type=float, default=600.0, help="hard limit in seconds")
    args = parser.parse_args()

    start_watchdog(args.time_limit)

    community_class = type("BenchTargetCommunity", (Community,), {"community_id": bytes.fromhex(args.community)})
    builder = ConfigBuilder().clear_keys().clear_overlays()
    builder.set_address("127.0.0.1")
    builder.set_port(args.port)
    builder.set_log_level("ERROR")
    builder.add_ephemeral_key("my peer")
    if not args.no_discovery:
        discovery = next(o for o in get_default_configuration()["overlays"] if o["class"] == "DiscoveryCommunity")
        builder.add_overlay("DiscoveryCommunity", "my peer", walker_definitions(discovery),
                            [], discovery["initialize"], discovery["on_start"])
    builder.add_overlay("BenchTargetCommunity", "my peer", [], [], {"max_peers": args.max_peers}, [])
    ipv8 = IPv8(builder.finalize(), extra_communities={"BenchTargetCommunity": community_class})
    await ipv8.start()

    overlays = ipv8.overlays
    host, port = use_bound_address(overlays)
    if args.port and port != args.port:
        # py-ipv8's endpoint takes the next free port when the asked one is taken: a bench aimed at the asked port
        # would load whatever holds it.
        print(f"error: port {args.port} on 127.0.0.1 is taken (py-ipv8 bound {port} instead); "
              f"stop what holds it or choose another --port", file=sys.stderr)
        await ipv8.stop()
        return 1
    guard_loopback(overlays[0].endpoint,
                   lambda address: print(f"refused to send to {address}: not a loopback address", file=sys.stderr))
    print(json.dumps(ready_event(host, port, ipv8.keys["my peer"].public_key, overlays)), flush=True)

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await ipv8.stop()
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
