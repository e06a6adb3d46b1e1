"""The py-ipv8 side of docs/same-message.md: greets a .NET node and prints its answer.

Run:  PYTHONPATH=path/to/py-ipv8 python3 greeting.py --port 0 --walk-to 127.0.0.1:8091
"""
import argparse
import asyncio
from dataclasses import dataclass

from ipv8.community import Community, CommunitySettings
from ipv8.configuration import ConfigBuilder, Strategy, WalkerDefinition
from ipv8.lazy_community import lazy_wrapper
from ipv8.messaging.payload_dataclass import DataClassPayload
from ipv8.peer import Peer
from ipv8_service import IPv8


@dataclass
class Greeting(DataClassPayload[1]):  # message id 1; ez_send signs it
    text: str  # varlenHutf8
    count: int  # q


class GreetingCommunity(Community):
    community_id = bytes.fromhex("9ee7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7")

    def __init__(self, settings: CommunitySettings) -> None:
        super().__init__(settings)
        self.add_message_handler(Greeting, self.on_greeting)
        self.answered = asyncio.Event()

    @lazy_wrapper(Greeting)
    def on_greeting(self, peer: Peer, payload: Greeting) -> None:
        print(f"received {payload.text!r} count={payload.count}", flush=True)
        self.answered.set()


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--walk-to", required=True, help="host:port of the .NET node")
    parser.add_argument("--time-limit", type=float, default=60.0)
    args = parser.parse_args()
    host, port = args.walk_to.rsplit(":", 1)

    builder = ConfigBuilder().clear_keys().clear_overlays()
    builder.add_ephemeral_key("me")
    builder.set_address("127.0.0.1")
    builder.set_port(args.port)
    builder.add_overlay("GreetingCommunity", "me", [WalkerDefinition(Strategy.RandomWalk, 20, {"timeout": 3.0})],
                        [], {}, [])
    ipv8 = IPv8(builder.finalize(), extra_communities={"GreetingCommunity": GreetingCommunity})
    await ipv8.start()
    community = ipv8.get_overlay(GreetingCommunity)

    async def greet() -> None:
        # walk_to the .NET node until it is a verified peer, then greet it once.
        while not community.get_peers():
            community.walk_to((host, int(port)))
            await asyncio.sleep(0.5)
        community.ez_send(community.get_peers()[0], Greeting("hello from py-ipv8", 1))
        await community.answered.wait()

    try:
        await asyncio.wait_for(greet(), args.time_limit)
    finally:
        await ipv8.stop()


if __name__ == "__main__":
    asyncio.run(main())
