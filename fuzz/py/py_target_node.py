"""
A py-ipv8 node to fuzz with `ipv8 fuzz` (fuzz/README.md, "Network campaigns"): an ``IPv8`` instance on 127.0.0.1 built
from a ``ConfigBuilder`` configuration, with one plain ``Community`` of the given id (RandomWalk, no bootstrap
servers) and py-ipv8's ``DiscoveryCommunity`` with the default configuration's walkers (RandomWalk, RandomChurn,
PeriodicSimilarity), no bootstrap servers: it never contacts the public trackers.

Every log record of level WARNING or above is counted by (logger, first line of the message, exception type) and the
first few of each are kept in full; ``Community.on_packet`` logs every exception a handler raises ("Exception occurred
while handling packet!"). A safety net drops (and counts) any send to an address that is not loopback.

    PYTHONPATH=../shared/py-ipv8 /usr/bin/python3 fuzz/py/py_target_node.py --port 39601 \
        --community 5ab4bb0b7c1b27c1ec3bfb1e2bb4fdc2edda5a3f --duration 700 --summary py-node.json

At the end (after --duration seconds, or on SIGTERM/SIGINT) it writes a JSON summary: the counts, the samples, the
sends refused, and its peers.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import logging
import signal
import sys
import time
from collections import Counter
from pathlib import Path

from ipv8.community import Community
from ipv8.configuration import ConfigBuilder, Strategy, WalkerDefinition, get_default_configuration
from ipv8_service import IPv8

# scripts/loopback_node.py: what this repository's py-ipv8 nodes share (the loopback-only send guard among it).
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
from loopback_node import guard_loopback, use_bound_address, walker_definitions  # noqa: E402


class Counting(logging.Handler):
    """Counts WARNING+ records by kind; keeps the first three of each kind in full."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.counts: Counter[str] = Counter()
        self.samples: dict[str, list[str]] = {}

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        first = message.splitlines()[0][:120] if message else ""
        exc = record.exc_info[1] if record.exc_info and record.exc_info[1] else None
        if exc is not None:
            # the exception's type and where it was raised: the stable part of the kind
            tb = exc.__traceback__
            while tb is not None and tb.tb_next is not None:
                tb = tb.tb_next
            where = f"{tb.tb_frame.f_code.co_filename.split('py-ipv8/')[-1]}:{tb.tb_lineno}" if tb else "?"
            kind = f"{record.name}: {first} [{type(exc).__name__} at {where}]"
        else:
            # numbers and addresses vary: keep the text up to the first digit
            cut = next((i for i, c in enumerate(first) if c.isdigit()), len(first))
            kind = f"{record.name}: {first[:cut]}"
        self.counts[kind] += 1
        samples = self.samples.setdefault(kind, [])
        if len(samples) < 3:
            text = message
            if exc is not None:
                text += f"\n{type(exc).__name__}: {exc}"
            samples.append(text[:2000])


def make_community(community_id: bytes) -> type[Community]:
    class FuzzTargetCommunity(Community):
        """A community of the fuzzed id with nothing but py-ipv8's discovery messages."""

    FuzzTargetCommunity.community_id = community_id
    return FuzzTargetCommunity


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--community", required=True)
    parser.add_argument("--duration", type=float, default=600)
    parser.add_argument("--summary", required=True)
    args = parser.parse_args()

    counting = Counting()
    logging.getLogger().addHandler(counting)
    logging.getLogger().setLevel(logging.WARNING)

    community = make_community(bytes.fromhex(args.community))
    builder = ConfigBuilder().clear_keys().clear_overlays()
    builder.set_address("127.0.0.1")
    builder.set_port(args.port)
    builder.set_log_level("WARNING")
    builder.add_ephemeral_key("my peer")
    discovery = [o for o in get_default_configuration()["overlays"] if o["class"] == "DiscoveryCommunity"][0]
    builder.add_overlay("DiscoveryCommunity", "my peer",
                        walker_definitions(discovery),
                        [], discovery["initialize"], discovery["on_start"])
    builder.add_overlay("FuzzTargetCommunity", "my peer",
                        [WalkerDefinition(Strategy.RandomWalk, 20, {"timeout": 3.0})], [], {}, [])
    ipv8 = IPv8(builder.finalize(), extra_communities={"FuzzTargetCommunity": community})
    await ipv8.start()

    endpoint = ipv8.overlays[0].endpoint
    host, port = use_bound_address(ipv8.overlays)

    # Count what goes out, under the guard: only the loopback sends it lets through reach the counter.
    refused: Counter[str] = Counter()
    sent = Counter()
    send = endpoint.send

    def counted(address: tuple, packet: bytes, *rest: object, **kw: object) -> None:
        sent["datagrams"] += 1
        send(address, packet, *rest, **kw)

    endpoint.send = counted
    guard_loopback(endpoint, lambda address: refused.update([str(address[0])]))
    print(json.dumps({"event": "ready", "host": host, "port": port}), flush=True)

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    start = time.time()
    try:
        await asyncio.wait_for(stop.wait(), timeout=args.duration)
    except asyncio.TimeoutError:
        pass

    summary = {
        "seconds": round(time.time() - start, 1),
        "sent": sent["datagrams"],
        "refused_non_loopback_sends": dict(refused),
        "log_counts": dict(counting.counts.most_common()),
        "log_samples": counting.samples,
        "peers": {type(o).__name__: len(o.get_peers()) for o in ipv8.overlays},
    }
    with open(args.summary, "w") as f:
        json.dump(summary, f, indent=2)
    await ipv8.stop()


if __name__ == "__main__":
    asyncio.run(main())
