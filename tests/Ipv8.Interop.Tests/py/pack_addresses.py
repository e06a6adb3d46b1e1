"""Packs (host, port) tuples with py-ipv8's `address` format.

Reads a JSON list of [host, port] from standard input and prints a JSON list with, for each, the packed bytes in hex,
or null when py-ipv8 refuses to pack it.
"""
import json
import sys

from ipv8.messaging.serialization import Address

packer = Address()
result = []
for host, port in json.load(sys.stdin):
    try:
        result.append(packer.pack((host, port)).hex())
    except Exception:  # noqa: BLE001 - any refusal is an answer here
        result.append(None)
json.dump(result, sys.stdout)
