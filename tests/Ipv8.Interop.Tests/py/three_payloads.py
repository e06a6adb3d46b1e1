"""
The py-ipv8 side of ThreePayloadInteropTests: messages of three payloads, both ways.

It walks to a .NET node until that node is a verified peer, then sends it two messages of three payloads with
``ez_send``: a signed ``[GlobalTimeDistributionPayload, ReadingTag, Reading]`` (message 7) and an unsigned
``[GlobalTimeDistributionPayload, ReadingTag, UnsignedReading]`` (message 8, ``sig=False``). The .NET community answers
each with a message of its own; this side receives them with its own ``@lazy_wrapper`` /
``@lazy_wrapper_unsigned`` of the same three classes, prints each as a JSON event, and exits 0 once both arrived. It
sends again every two seconds until then (a lost datagram), and gives up after ``--time-limit`` seconds (exit 1). It
sends to loopback only.

stdout, one JSON object per line:
  ``{"event": "ready", "host", "port", "public_key"}``
  ``{"event": "sent", "global_time"}`` after each pair of messages
  ``{"event": "received", "signed", "peer", "source", "global_time", "label", "counter", "value", "unit"}``
"""
from __future__ import annotations

import argparse
import asyncio
import ipaddress
import json
import sys
from dataclasses import dataclass

from ipv8.community import Community, CommunitySettings
from ipv8.configuration import ConfigBuilder
from ipv8.lazy_community import lazy_wrapper, lazy_wrapper_unsigned
from ipv8.messaging.lazy_payload import VariablePayload, vp_compile
from ipv8.messaging.payload_dataclass import DataClassPayload
from ipv8.messaging.payload_headers import GlobalTimeDistributionPayload
from ipv8.peer import Peer
from ipv8_service import IPv8

from loopback_node import guard_loopback, start_watchdog, use_bound_address

COMMUNITY_ID = bytes.fromhex("3a7e3a7e3a7e3a7e3a7e3a7e3a7e3a7e3a7e3a7e")


@vp_compile
class ReadingTag(VariablePayload):
    """The middle payload: no message id."""

    format_list = ["varlenH", "I"]
    names = ["label", "counter"]


@dataclass
class Reading(DataClassPayload[7]):
    """The last payload of the signed message: its msg_id is the message's."""

    value: float  # d
    unit: str  # varlenHutf8


@vp_compile
class UnsignedReading(VariablePayload):
    """The last payload of the unsigned message."""

    msg_id = 8
    format_list = ["d"]
    names = ["value"]


def emit(event: dict) -> None:
    print(json.dumps(event), flush=True)


class ThreePayloadCommunity(Community):
    community_id = COMMUNITY_ID

    def __init__(self, settings: CommunitySettings) -> None:
        super().__init__(settings)
        self.add_message_handler(Reading, self.on_reading)
        self.add_message_handler(UnsignedReading, self.on_unsigned_reading)
        self.signed_answer = asyncio.Event()
        self.unsigned_answer = asyncio.Event()

    @lazy_wrapper(GlobalTimeDistributionPayload, ReadingTag, Reading)
    def on_reading(self, peer: Peer, time: GlobalTimeDistributionPayload, tag: ReadingTag, reading: Reading) -> None:
        emit({"event": "received", "signed": True, "peer": peer.public_key.key_to_bin().hex(),
              "source": [peer.address[0], peer.address[1]], "global_time": time.global_time, "label": tag.label.hex(),
              "counter": tag.counter, "value": reading.value, "unit": reading.unit})
        self.signed_answer.set()

    @lazy_wrapper_unsigned(GlobalTimeDistributionPayload, ReadingTag, UnsignedReading)
    def on_unsigned_reading(self, source: tuple, time: GlobalTimeDistributionPayload, tag: ReadingTag,
                            reading: UnsignedReading) -> None:
        emit({"event": "received", "signed": False, "source": [source[0], source[1]],
              "global_time": time.global_time, "label": tag.label.hex(), "counter": tag.counter,
              "value": reading.value})
        self.unsigned_answer.set()


async def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--walk-to", required=True, help="host:port of the .NET node (loopback)")
    parser.add_argument("--time-limit", type=float, default=60.0)
    args = parser.parse_args()
    host, port = args.walk_to.rsplit(":", 1)
    if not ipaddress.ip_address(host).is_loopback:
        parser.error(f"--walk-to must be a loopback address, not {host}")

    start_watchdog(args.time_limit + 10)

    # A DataClassPayload gets its format on first instantiation: build one before anything can arrive.
    Reading(0.0, "")

    builder = ConfigBuilder().clear_keys().clear_overlays()
    builder.add_ephemeral_key("me")
    builder.set_address("127.0.0.1")
    builder.set_port(args.port)
    builder.add_overlay("ThreePayloadCommunity", "me", [], [], {}, [])
    ipv8 = IPv8(builder.finalize(), extra_communities={"ThreePayloadCommunity": ThreePayloadCommunity})
    await ipv8.start()
    community = ipv8.get_overlay(ThreePayloadCommunity)
    bound_host, bound_port = use_bound_address([community])
    guard_loopback(community.endpoint,
                   lambda address: emit({"event": "error",
                                         "message": f"refused to send to {address}: not a loopback address"}))
    emit({"event": "ready", "host": bound_host, "port": bound_port,
          "public_key": community.my_peer.public_key.key_to_bin().hex()})

    async def converse() -> None:
        while not community.get_peers():
            community.walk_to((host, int(port)))
            await asyncio.sleep(0.5)
        peer = community.get_peers()[0]
        while not (community.signed_answer.is_set() and community.unsigned_answer.is_set()):
            global_time = community.claim_global_time()
            community.ez_send(peer, GlobalTimeDistributionPayload(global_time), ReadingTag(b"\x00\xffpy", 41),
                              Reading(2.5, "from py-ipv8"))
            community.ez_send(peer, GlobalTimeDistributionPayload(global_time), ReadingTag(b"", 4000000000),
                              UnsignedReading(-0.125), sig=False)
            emit({"event": "sent", "global_time": global_time})
            try:
                await asyncio.wait_for(asyncio.gather(community.signed_answer.wait(),
                                                      community.unsigned_answer.wait()), 2.0)
            except asyncio.TimeoutError:
                pass

    try:
        await asyncio.wait_for(converse(), args.time_limit)
        return 0
    except asyncio.TimeoutError:
        emit({"event": "error", "message": f"no answers from the .NET node within {args.time_limit} s"})
        return 1
    finally:
        await ipv8.stop()


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
