"""
What this repository's py-ipv8 nodes share: they run on 127.0.0.1 (or ::1) and must never send anywhere else.

Used by scripts/py_ipv8_target.py and tests/Ipv8.Interop.Tests/py/interop_peer.py (the test project copies this file
next to it), which import it as a sibling module, and by fuzz/py/py_target_node.py, which finds it in ../../scripts.
"""
from __future__ import annotations

import ipaddress
import os
import threading
from typing import Callable

from ipv8.configuration import Strategy, WalkerDefinition


def start_watchdog(seconds: float) -> None:
    """The hard limit: even if the event loop hangs, the process goes (exit code 3) after ``seconds``."""
    watchdog = threading.Timer(seconds, lambda: os._exit(3))
    watchdog.daemon = True
    watchdog.start()


def walker_definitions(overlay: dict) -> list[WalkerDefinition]:
    """The walkers of one overlay entry of a py-ipv8 configuration (``get_default_configuration()["overlays"]``)."""
    return [WalkerDefinition(Strategy(w["strategy"]), w["peers"], w["init"]) for w in overlay["walkers"]]


def use_bound_address(overlays: list) -> tuple[str, int]:
    """
    Sets every overlay's LAN address to the address the first one's endpoint is bound to, and returns it. py-ipv8
    guesses its LAN address from the machine's interfaces, skipping loopback: a node bound to 127.0.0.1 would
    advertise another interface's address (e.g. 192.0.2.2) as source_lan, and py-ipv8's tracker answers the source_lan
    it is told, not the packet's source. On loopback, the LAN address is the bound one. Call it before the first walk
    (before the next await after ``IPv8.start``, when the ticker task gets its first turn).
    """
    host, port = overlays[0].endpoint.get_address()[:2]
    for overlay in overlays:
        overlay.my_estimated_lan = (host, port)
    return host, port


def guard_loopback(endpoint: object, refused: Callable[[tuple], None]) -> None:
    """A safety net: ``endpoint`` sends only to loopback addresses; anything else is dropped and given to ``refused``."""
    send = endpoint.send

    def guarded(address: tuple, packet: bytes, *args: object, **kwargs: object) -> None:
        try:
            loopback = ipaddress.ip_address(address[0]).is_loopback
        except ValueError:
            loopback = False
        if not loopback:
            refused(address)
            return
        send(address, packet, *args, **kwargs)

    endpoint.send = guarded


def ready_event(host: str, port: int, public_key: object, overlays: list) -> dict:
    """The ``ready`` line both nodes print once they listen."""
    return {
        "event": "ready",
        "host": host,
        "port": port,
        "public_key": public_key.key_to_bin().hex(),
        "communities": [o.community_id.hex() for o in overlays],
    }
