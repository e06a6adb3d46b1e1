"""
The py-ipv8 side of `ipv8 fuzz --differential`: decodes datagrams with py-ipv8's own serializer, payload classes and
signature check, the way its Community handlers do (lazy_wrapper / lazy_wrapper_unsigned, DiscoveryCommunity's 246
fallback), and prints one JSON line per datagram.

Every datagram is read as py-ipv8's Community.on_packet would read it in a community whose prefix it carries
(0x00, version 2, a 20-byte id): DiscoveryCommunity's messages under its id, the discovery messages under any other.
Protocol on stdin/stdout: a line with a count N, then N lines of hex datagrams; the answer is N JSON lines: {"ok": true, "name", "msg_id", "signed", ["public_key"], "global_time", "payload": {...}} or
{"ok": false, "error": "ExceptionType: message"}. Run with PYTHONPATH=<py-ipv8 checkout>.
"""
import json
import sys
from binascii import hexlify, unhexlify

from ipv8.keyvault.crypto import default_eccrypto
from ipv8.lazy_community import PacketDecodingError
from ipv8.messaging.interfaces.udp.endpoint import UDPv4Address, UDPv6Address
from ipv8.messaging.payload import (IntroductionRequestPayload, IntroductionResponsePayload,
                                    NewIntroductionRequestPayload, NewIntroductionResponsePayload,
                                    NewPuncturePayload, NewPunctureRequestPayload, PuncturePayload,
                                    PunctureRequestPayload)
from ipv8.messaging.payload_headers import BinMemberAuthenticationPayload, GlobalTimeDistributionPayload
from ipv8.messaging.serialization import default_serializer
from ipv8.peerdiscovery.payload import (DiscoveryIntroductionRequestPayload, PingPayload, PongPayload,
                                        SimilarityRequestPayload, SimilarityResponsePayload)

DISCOVERY_COMMUNITY = unhexlify("7e313685c1912a141279f8248fc8db5899c5df5a")

# msg id -> (name, payload class, signed), as py-ipv8's Community.__init__ registers them.
DISCOVERY = {
    246: ("introduction-request", IntroductionRequestPayload, True),
    245: ("introduction-response", IntroductionResponsePayload, True),
    250: ("puncture-request", PunctureRequestPayload, False),
    249: ("puncture", PuncturePayload, True),
    234: ("new-introduction-request", NewIntroductionRequestPayload, True),
    233: ("new-introduction-response", NewIntroductionResponsePayload, True),
    232: ("new-puncture-request", NewPunctureRequestPayload, False),
    231: ("new-puncture", NewPuncturePayload, True),
}

# DiscoveryCommunity.__init__'s handlers (its 246 is on_old_introduction_request, tried below with the fallback).
DISCOVERY_COMMUNITY_KINDS = dict(DISCOVERY)
DISCOVERY_COMMUNITY_KINDS.update({
    1: ("similarity-request", SimilarityRequestPayload, True),
    2: ("similarity-response", SimilarityResponsePayload, True),
    3: ("ping", PingPayload, False),
    4: ("pong", PongPayload, False),
})


def verify_signature(auth, data):
    """py-ipv8's EZPackOverlay._verify_signature, which does not use its instance."""
    ec = default_eccrypto
    public_key = ec.key_from_public_bin(auth.public_key_bin)
    signature_length = ec.get_signature_length(public_key)
    remainder = data[2 + len(auth.public_key_bin):-signature_length]
    signature = data[-signature_length:]
    return ec.is_valid_signature(public_key, data[:-signature_length], signature), remainder


def unpack_signed(payload_class, data):
    """lazy_wrapper(GlobalTimeDistributionPayload, payload_class) / _ez_unpack_auth."""
    auth, _ = default_serializer.unpack_serializable(BinMemberAuthenticationPayload, data, offset=23)
    signature_valid, remainder = verify_signature(auth, data)
    dist, payload = default_serializer.unpack_serializable_list([GlobalTimeDistributionPayload, payload_class],
                                                               remainder, offset=23)
    if not signature_valid:
        raise PacketDecodingError(f"Incoming packet {payload_class.__name__} has an invalid signature")
    return auth, dist, payload


def unpack_unsigned(payload_class, data):
    """lazy_wrapper_unsigned(GlobalTimeDistributionPayload, payload_class)."""
    dist, payload = default_serializer.unpack_serializable_list([GlobalTimeDistributionPayload, payload_class],
                                                               data, offset=23)
    return None, dist, payload


def value(v):
    if isinstance(v, UDPv6Address):
        return {"host": v[0], "port": v[1], "family": "ipv6"}
    if isinstance(v, UDPv4Address):
        return {"host": v[0], "port": v[1], "family": "ipv4"}
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, (bytes, bytearray)):
        return hexlify(v).decode()
    if isinstance(v, (list, tuple)):
        return [value(x) for x in v]
    if isinstance(v, (int, str, float)) or v is None:
        return v
    return repr(v)


def fields(payload):
    return {k: value(v) for k, v in vars(payload).items() if not k.startswith("_")}


def decode(data):
    if len(data) < 23:
        return {"ok": False, "error": "short: no message id"}
    if data[:2] != b"\x00\x02":
        return {"ok": False, "error": "unknown prefix"}
    discovery_community = data[2:22] == DISCOVERY_COMMUNITY
    kinds = DISCOVERY_COMMUNITY_KINDS if discovery_community else DISCOVERY
    msg_id = data[22]
    if msg_id not in kinds:
        return {"ok": False, "error": f"unknown message {msg_id}"}
    name, payload_class, signed = kinds[msg_id]
    if discovery_community and msg_id == 246:
        try:
            auth, dist, payload = unpack_signed(DiscoveryIntroductionRequestPayload, data)
            name = "discovery-introduction-request"
        except (PacketDecodingError, default_serializer_errors()):
            auth, dist, payload = unpack_signed(IntroductionRequestPayload, data)
    elif signed:
        auth, dist, payload = unpack_signed(payload_class, data)
    else:
        auth, dist, payload = unpack_unsigned(payload_class, data)
    result = {"ok": True, "name": name, "msg_id": msg_id, "signed": signed}
    if auth is not None:
        result["public_key"] = hexlify(auth.public_key_bin).decode()
    result["global_time"] = dist.global_time
    result["payload"] = fields(payload)
    return result


def default_serializer_errors():
    from ipv8.messaging.serialization import PackError
    return PackError


def main():
    out = sys.stdout
    for header in sys.stdin:
        header = header.strip()
        if not header:
            continue
        count = header
        lines = [sys.stdin.readline().strip() for _ in range(int(count))]
        for line in lines:
            try:
                answer = decode(unhexlify(line))
            except Exception as e:  # every rejection py-ipv8's handlers would raise (and log)
                answer = {"ok": False, "error": f"{type(e).__name__}: {e}"[:300]}
            out.write(json.dumps(answer) + "\n")
        out.flush()


if __name__ == "__main__":
    main()
