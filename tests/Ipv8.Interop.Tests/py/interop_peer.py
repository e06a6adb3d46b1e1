"""
A py-ipv8 peer for the .NET interoperability tests (tests/Ipv8.Interop.Tests).

It is written the way py-ipv8's users write peers: on 127.0.0.1 an ``IPv8`` instance built from a ``ConfigBuilder``
configuration (on ::1 the communities are built by hand on a ``UDPv6Endpoint``: see ``start_by_hand``), with one
``Community`` subclass per community id (with ``--discovery``, also py-ipv8's ``DiscoveryCommunity`` exactly as
``ipv8/configuration.py``'s ``default`` runs it: the deployment shape), user payloads declared as ``@dataclass`` + ``DataClassPayload[id]``
or as ``VariablePayload`` with ``format_list`` / ``names``, sent with ``ez_send`` and received with ``@lazy_wrapper``
/ ``@lazy_wrapper_unsigned``. The payloads are the six classes of shared/vectors/payloads.json.

Protocol (one JSON object per line):

- stdin, commands:
  ``{"cmd": "send", "id": N, "community": HEX, "to": [host, port], "signed": bool,
     "payloads": [{"class": NAME, "fields": {...}}, ...]}``   ez_send to the verified peer at that address
  ``{"cmd": "walk_to", "address": [host, port]}``             walk_to in every community
  ``{"cmd": "peers", "id": N}``                               prints a "peers" event
- stdout, events:
  ``{"event": "ready", "host", "port", "public_key", "communities"}``
  ``{"event": "message", "community", "classes", "signed", "peer", "source", "payloads"}``
  ``{"event": "peers", "id", "communities": {HEX: [{"public_key", "address", "pings", "services"}]}}`` for every
  overlay (the DiscoveryCommunity too): its verified peers (``get_peers()``), each with ``pings`` (the round trips in
  seconds that py-ipv8 recorded, ``list(peer.pings)``) and ``services`` (the community ids, hex, that py-ipv8's
  network records for it, ``network.get_services_for_peer(peer)``)
  ``{"event": "sent", "id"}`` after a send command, ``{"event": "error", "message"}`` on any failure.

Field values use payloads.json's forms: bytes as ``{"hex": ...}``, addresses as ``[host, port]``, nested payloads as
objects, lists as lists. The process exits when stdin closes, and in any case after ``--time-limit`` seconds.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
import threading
import traceback
from dataclasses import dataclass

from ipv8.community import Community
from ipv8.configuration import (
    Bootstrapper,
    BootstrapperDefinition,
    ConfigBuilder,
    Strategy,
    WalkerDefinition,
    get_default_configuration,
)
from ipv8.lazy_community import lazy_wrapper, lazy_wrapper_unsigned
from ipv8.messaging.lazy_payload import VariablePayload, vp_compile
from ipv8.messaging.payload_dataclass import DataClassPayload, convert_to_payload
from ipv8.keyvault.crypto import default_eccrypto
from ipv8.messaging.interfaces.udp.endpoint import UDPv6Endpoint
from ipv8.messaging.payload_headers import GlobalTimeDistributionPayload
from ipv8.peer import Peer
from ipv8.peerdiscovery.network import Network
from ipv8_service import IPv8

from loopback_node import guard_loopback, ready_event, start_watchdog, use_bound_address, walker_definitions


# --- The six message classes of payloads.json, as py-ipv8 users write them ------------------------------------------

@dataclass
class Chat(DataClassPayload[1]):
    """Message 1: ``seq`` q, ``text`` varlenHutf8 (native types of a dataclass payload)."""

    seq: int
    text: str


@dataclass
class Sample(DataClassPayload[2]):
    """Message 2: native dataclass types, including the ``arrayH-*`` lists."""

    flag: bool
    score: float
    blob: bytes
    values: list[int]
    flags: list[bool]
    weights: list[float]


@dataclass
class Entry(DataClassPayload):
    """A nested payload (no message id): ``key`` varlenH, ``count`` q."""

    key: bytes
    count: int


@vp_compile
class Catalog(VariablePayload):
    """Message 3: a VariablePayload with a nested payload list and a nested payload."""

    msg_id = 3
    format_list = ["varlenHutf8", [Entry], Entry]
    names = ["owner", "entries", "best"]


@vp_compile
class Legacy(VariablePayload):
    """Message 4: a VariablePayload of the older formats; ``bits`` takes eight names."""

    msg_id = 4
    format_list = ["I", "varlenI", "varlenHx20", "varlenH-list", "address", "ip_address", "ipv4", "bits", "Q", "raw"]
    names = ["number", "big_blob", "mids", "chunks", "where", "ip", "v4",
             "b0", "b1", "b2", "b3", "b4", "b5", "b6", "b7", "stamp", "tail"]


@vp_compile
class Beacon(VariablePayload):
    """Message 5, sent unsigned."""

    msg_id = 5
    format_list = ["q"]
    names = ["nonce"]


# This py-ipv8 turns a DataClassPayload into a VariablePayload lazily, when the class is first instantiated: until then
# its format_list is empty, and a process that receives such a message before it ever built one fails to unpack it
# ("__init__() missing 2 required positional arguments"). Convert them up front, as that first instantiation would.
convert_to_payload(Chat, msg_id=1)
convert_to_payload(Sample, msg_id=2)
convert_to_payload(Entry)

CLASSES = {
    "Chat": Chat,
    "Sample": Sample,
    "Entry": Entry,
    "Catalog": Catalog,
    "Legacy": Legacy,
    "Beacon": Beacon,
    "GlobalTimeDistributionPayload": GlobalTimeDistributionPayload,
}

# Field names and formats (payloads.json's payload_classes), used only to turn values into JSON and back.
FIELDS = {
    "Chat": [("seq", "q"), ("text", "varlenHutf8")],
    "Sample": [("flag", "?"), ("score", "d"), ("blob", "varlenH"), ("values", "arrayH-q"), ("flags", "arrayH-?"),
               ("weights", "arrayH-d")],
    "Entry": [("key", "varlenH"), ("count", "q")],
    "Catalog": [("owner", "varlenHutf8"), ("entries", "payload-list Entry"), ("best", "payload Entry")],
    "Legacy": [("number", "I"), ("big_blob", "varlenI"), ("mids", "varlenHx20"), ("chunks", "varlenH-list"),
               ("where", "address"), ("ip", "ip_address"), ("v4", "ipv4")]
              + [(f"b{i}", "bit") for i in range(8)]
              + [("stamp", "Q"), ("tail", "raw")],
    "Beacon": [("nonce", "q")],
    "GlobalTimeDistributionPayload": [("global_time", "Q")],
}

BYTES_FORMATS = {"varlenH", "varlenI", "varlenHx20", "raw"}
ADDRESS_FORMATS = {"address", "ip_address", "ipv4"}


def to_json(fmt: str, value: object) -> object:
    """A received field value in payloads.json's form."""
    if fmt in BYTES_FORMATS:
        return {"hex": bytes(value).hex()}
    if fmt == "varlenH-list":
        return [{"hex": bytes(item).hex()} for item in value]
    if fmt in ADDRESS_FORMATS:
        return [value[0], value[1]]
    if fmt.startswith("payload-list "):
        return [payload_to_json(fmt.split(" ")[1], item) for item in value]
    if fmt.startswith("payload "):
        return payload_to_json(fmt.split(" ")[1], value)
    if fmt in ("arrayH-q", "arrayH-?", "arrayH-d"):
        return list(value)
    return value


def from_json(fmt: str, value: object) -> object:
    """A field value to send, from payloads.json's form."""
    if fmt in BYTES_FORMATS:
        return bytes.fromhex(value["hex"])
    if fmt == "varlenH-list":
        return [bytes.fromhex(item["hex"]) for item in value]
    if fmt in ADDRESS_FORMATS:
        return (value[0], int(value[1]))
    if fmt.startswith("payload-list "):
        return [payload_from_json(fmt.split(" ")[1], item) for item in value]
    if fmt.startswith("payload "):
        return payload_from_json(fmt.split(" ")[1], value)
    if fmt in ("d",):
        return float(value)
    if fmt == "arrayH-d":
        return [float(item) for item in value]
    if fmt in ("?",):
        return bool(value)
    if fmt == "arrayH-?":
        return [bool(item) for item in value]
    return value


def payload_to_json(name: str, payload: object) -> dict:
    return {field: to_json(fmt, getattr(payload, field)) for field, fmt in FIELDS[name]}


def payload_from_json(name: str, fields: dict) -> object:
    missing = [field for field, _ in FIELDS[name] if field not in fields]
    if missing:
        msg = f"{name}: missing fields {missing}"
        raise ValueError(msg)
    return CLASSES[name](**{field: from_json(fmt, fields[field]) for field, fmt in FIELDS[name]})


# --- Output ----------------------------------------------------------------------------------------------------------

_print_lock = threading.Lock()


def emit(event: dict) -> None:
    with _print_lock:
        sys.stdout.write(json.dumps(event) + "\n")
        sys.stdout.flush()


class ErrorEvents(logging.Handler):
    """Turns py-ipv8's logged errors (a packet that failed to decode or verify) into "error" events."""

    def emit(self, record: logging.LogRecord) -> None:
        emit({"event": "error", "message": record.getMessage()})


# --- The community ---------------------------------------------------------------------------------------------------

class InteropCommunity(Community):
    """
    One community id. ``chat_mode`` says how message 1 travels, since one message id has one handler:
    ``signed`` (``@lazy_wrapper(Chat)``), ``global-time`` (``@lazy_wrapper(GlobalTimeDistributionPayload, Chat)``) or
    ``unsigned`` (``@lazy_wrapper_unsigned(Chat)``).
    """

    community_id = b"\x00" * 20
    chat_mode = "signed"

    def __init__(self, settings) -> None:  # noqa: ANN001
        super().__init__(settings)
        if self.chat_mode == "signed":
            self.add_message_handler(Chat, self.on_chat)
        elif self.chat_mode == "global-time":
            self.add_message_handler(Chat, self.on_chat_with_time)
        else:
            self.add_message_handler(Chat, self.on_chat_unsigned)
        self.add_message_handler(Sample, self.on_sample)
        self.add_message_handler(Catalog, self.on_catalog)
        self.add_message_handler(Legacy, self.on_legacy)
        self.add_message_handler(Beacon, self.on_beacon)

    def report(self, peer: Peer | None, source: object, *payloads: object) -> None:
        names = [type(p).__name__ for p in payloads]
        emit({
            "event": "message",
            "community": self.community_id.hex(),
            "classes": names,
            "signed": peer is not None,
            "peer": peer.public_key.key_to_bin().hex() if peer is not None else None,
            "source": [source[0], source[1]],
            "payloads": [payload_to_json(name, p) for name, p in zip(names, payloads)],
        })

    @lazy_wrapper(Chat)
    def on_chat(self, peer: Peer, payload: Chat) -> None:
        self.report(peer, peer.address, payload)

    @lazy_wrapper(GlobalTimeDistributionPayload, Chat)
    def on_chat_with_time(self, peer: Peer, time: GlobalTimeDistributionPayload, payload: Chat) -> None:
        self.report(peer, peer.address, time, payload)

    @lazy_wrapper_unsigned(Chat)
    def on_chat_unsigned(self, source_address: tuple, payload: Chat) -> None:
        self.report(None, source_address, payload)

    @lazy_wrapper(Sample)
    def on_sample(self, peer: Peer, payload: Sample) -> None:
        self.report(peer, peer.address, payload)

    @lazy_wrapper(Catalog)
    def on_catalog(self, peer: Peer, payload: Catalog) -> None:
        self.report(peer, peer.address, payload)

    @lazy_wrapper(Legacy)
    def on_legacy(self, peer: Peer, payload: Legacy) -> None:
        self.report(peer, peer.address, payload)

    @lazy_wrapper_unsigned(Beacon)
    def on_beacon(self, source_address: tuple, payload: Beacon) -> None:
        self.report(None, source_address, payload)


# --- Commands --------------------------------------------------------------------------------------------------------

def find_overlay(overlays: list[Community], community_hex: str) -> Community:
    for overlay in overlays:
        if overlay.community_id.hex() == community_hex.lower():
            return overlay
    msg = f"no community {community_hex}"
    raise KeyError(msg)


def handle(overlays: list[Community], line: str) -> None:
    command = json.loads(line)
    name = command.get("cmd")
    if name == "send":
        overlay = find_overlay(overlays, command["community"])
        address = (command["to"][0], int(command["to"][1]))
        peer = overlay.network.get_verified_by_address(address)
        if peer is None:
            msg = f"no verified peer at {address} in {command['community']}"
            raise KeyError(msg)
        payloads = [payload_from_json(p["class"], p["fields"]) for p in command["payloads"]]
        overlay.ez_send(peer, *payloads, sig=bool(command["signed"]))
        emit({"event": "sent", "id": command.get("id")})
    elif name == "walk_to":
        address = (command["address"][0], int(command["address"][1]))
        for overlay in overlays:
            if ":" in address[0] and not overlay.network.is_new_style(address):
                # py-ipv8's walk_to sends an old-style request (246) to an address it has not seen speak the new
                # style, and 246 cannot carry an IPv6 address (inet_aton fails). Over IPv6 only 234 works.
                overlay.endpoint.send(address, overlay.create_introduction_request(address, new_style=True))
            else:
                overlay.walk_to(address)
    elif name == "peers":
        emit({
            "event": "peers",
            "id": command.get("id"),
            "communities": {
                overlay.community_id.hex(): [
                    {
                        "public_key": p.public_key.key_to_bin().hex(),
                        "address": [p.address[0], p.address[1]],
                        "pings": list(p.pings),
                        "services": sorted(s.hex() for s in overlay.network.get_services_for_peer(p)),
                    }
                    for p in overlay.get_peers()
                ]
                for overlay in overlays
            },
        })
    else:
        msg = f"unknown command {name!r}"
        raise ValueError(msg)


def read_stdin(loop: asyncio.AbstractEventLoop, lines: asyncio.Queue) -> None:
    """Runs in a thread: forwards stdin lines to the loop, then None when stdin closes."""
    for line in sys.stdin:
        loop.call_soon_threadsafe(lines.put_nowait, line)
    loop.call_soon_threadsafe(lines.put_nowait, None)


# py-ipv8's default configuration runs its DiscoveryCommunity with these walkers (ipv8/configuration.py, ``default``).
DEFAULT_DISCOVERY_WALKERS = [
    {"strategy": "RandomWalk", "peers": 20, "init": {"timeout": 3.0}},
    {"strategy": "RandomChurn", "peers": -1,
     "init": {"sample_size": 8, "ping_interval": 10.0, "inactive_time": 27.5, "drop_time": 57.5}},
    {"strategy": "PeriodicSimilarity", "peers": -1, "init": {}},
]


def default_discovery_overlay() -> dict:
    """The DiscoveryCommunity entry of py-ipv8's default configuration, checked to be the deployment shape we expect."""
    entries = [o for o in get_default_configuration()["overlays"] if o["class"] == "DiscoveryCommunity"]
    if len(entries) != 1 or entries[0]["walkers"] != DEFAULT_DISCOVERY_WALKERS:
        msg = f"py-ipv8's default DiscoveryCommunity configuration changed: {entries}"
        raise RuntimeError(msg)
    return entries[0]


async def start_ipv8(args: argparse.Namespace, classes: dict[str, type[InteropCommunity]],
                     tracker: tuple[str, int] | None) -> tuple[list[Community], Peer, object]:
    """
    The usual way: an ``IPv8`` from a ``ConfigBuilder`` configuration (used on 127.0.0.1). With ``--discovery`` it is
    py-ipv8's deployment shape: the ``DiscoveryCommunity`` of the default configuration (its walkers RandomWalk,
    RandomChurn and PeriodicSimilarity with their default settings, and the default walker interval, 0.5 s) first,
    then the user communities, all under one key, bootstrapping from the tracker instead of the public ones.
    """
    builder = ConfigBuilder().clear_keys().clear_overlays()
    builder.set_address(args.host)
    builder.set_port(args.port)
    builder.set_log_level("WARNING")
    builder.add_ephemeral_key("my peer")
    walkers = []
    bootstrappers = []
    if tracker is not None:
        walkers = [WalkerDefinition(Strategy.RandomWalk, 20, {"timeout": 3.0})]
        bootstrappers = [BootstrapperDefinition(Bootstrapper.DispersyBootstrapper,
                                                {"ip_addresses": [tracker], "dns_addresses": []})]
    if args.discovery:
        discovery = default_discovery_overlay()
        builder.add_overlay(discovery["class"], "my peer", walker_definitions(discovery),
                            bootstrappers, discovery["initialize"], discovery["on_start"])
    for name in classes:
        builder.add_overlay(name, "my peer", walkers, bootstrappers, {}, [])
    configuration = builder.finalize()
    if configuration["walker_interval"] != 0.5:  # noqa: PLR2004
        msg = f"py-ipv8's default walker interval changed: {configuration['walker_interval']}"
        raise RuntimeError(msg)
    ipv8 = IPv8(configuration, extra_communities=classes)
    await ipv8.start()
    return ipv8.overlays, ipv8.keys["my peer"], ipv8.stop


async def start_by_hand(args: argparse.Namespace,
                        classes: dict[str, type[InteropCommunity]]) -> tuple[list[InteropCommunity], Peer, object]:
    """
    Communities built by hand on a ``UDPv6Endpoint`` (used on ::1). The ``IPv8`` way cannot work over IPv6 in this
    py-ipv8: with a ``DispatcherEndpoint``, ``Community.my_preferred_address()`` calls ``guess_address("UDPIPv6")``,
    which builds ``UDPv6Address(*getsockname())`` from the 4-tuple of an IPv6 socket and raises a TypeError, so no
    introduction request or response can be made. A bare endpoint has no ``interfaces`` and skips that guess.
    """
    logging.basicConfig(level=logging.WARNING)
    endpoint = UDPv6Endpoint(args.port, args.host)
    await endpoint.open()
    my_peer = Peer(default_eccrypto.generate_key("curve25519"))
    network = Network()
    overlays = [cls(cls.settings_class(my_peer=my_peer, endpoint=endpoint, network=network))
                for cls in classes.values()]

    async def stop() -> None:
        for overlay in overlays:
            await overlay.unload()
        endpoint.close()

    return overlays, my_peer, stop


async def main() -> int:
    parser = argparse.ArgumentParser(description="A py-ipv8 peer driven by JSON lines (see the module docstring).")
    parser.add_argument("--host", default="127.0.0.1", help="127.0.0.1 (IPv8 configuration) or ::1 (by hand)")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--community", action="append", required=True,
                        help="HEX or HEX:MODE, MODE one of signed (default), global-time, unsigned; repeatable")
    parser.add_argument("--tracker", help="127.0.0.1:PORT of a tracker: adds RandomWalk and a DispersyBootstrapper")
    parser.add_argument("--discovery", action="store_true",
                        help="also run py-ipv8's DiscoveryCommunity as its default configuration does (needs --tracker)")
    parser.add_argument("--time-limit", type=float, default=120.0, help="hard limit in seconds")
    args = parser.parse_args()

    if args.host not in ("127.0.0.1", "::1"):
        parser.error("--host must be 127.0.0.1 or ::1")
    if args.discovery and not args.tracker:
        parser.error("--discovery needs --tracker")
    tracker = None
    if args.tracker:
        host, port = args.tracker.rsplit(":", 1)
        if host != "127.0.0.1" or args.host != "127.0.0.1":
            parser.error("--tracker must be on 127.0.0.1, with --host 127.0.0.1")
        tracker = (host, int(port))

    start_watchdog(args.time_limit)

    classes = {}
    for index, spec in enumerate(args.community):
        community_hex, _, mode = spec.partition(":")
        mode = mode or "signed"
        if mode not in ("signed", "global-time", "unsigned"):
            parser.error(f"unknown chat mode {mode}")
        name = f"InteropCommunity{index}"
        classes[name] = type(name, (InteropCommunity,), {"community_id": bytes.fromhex(community_hex),
                                                          "chat_mode": mode})

    if args.host == "::1":
        overlays, my_peer, stop = await start_by_hand(args, classes)
    else:
        overlays, my_peer, stop = await start_ipv8(args, classes, tracker)
    logging.getLogger().addHandler(ErrorEvents(logging.ERROR))

    host, port = use_bound_address(overlays)
    guard_loopback(overlays[0].endpoint,
                   lambda address: emit({"event": "error",
                                         "message": f"refused to send to {address}: not a loopback address"}))
    emit(ready_event(host, port, my_peer.public_key, overlays))

    loop = asyncio.get_running_loop()
    lines: asyncio.Queue = asyncio.Queue()
    threading.Thread(target=read_stdin, args=(loop, lines), daemon=True).start()
    while (line := await lines.get()) is not None:
        if not line.strip():
            continue
        try:
            handle(overlays, line)
        except Exception as exc:  # noqa: BLE001
            emit({"event": "error", "message": f"{type(exc).__name__}: {exc}\n{traceback.format_exc()}"})

    await stop()
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
