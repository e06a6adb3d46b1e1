using System.Buffers.Binary;
using Ipv8.Wire;
using Ipv8.Wire.Crypto;

namespace Ipv8.Cli.Fuzzing;

/// <summary>
/// Mutates a valid message, knowing its layout: <c>prefix(22) | id | [key length H | key] | body | [signature]</c>.
/// Most body mutations are signed again with the sender's key, so that they get past the signature check and reach the
/// payload readers and handlers; the others test the frame (truncation, key lengths, wrong keys, bit flips anywhere).
/// </summary>
internal sealed class Mutator
{
    private const int KeyLengthOffset = Packet.HeaderLength;
    private const int BodyOffset = Packet.HeaderLength + 2 + LibNaClPublicKey.BinLength;
    private const int SignatureLength = 64;

    private static readonly byte[] s_messageIds = [.. MessageFactory.Kinds.Select(k => k.MessageId).Distinct(), 0, 230, 235, 247, 248, 251, 255];

    private readonly Random _random;
    private readonly IReadOnlyList<LibNaClPrivateKey> _keys;

    public Mutator(Random random, IReadOnlyList<LibNaClPrivateKey> keys)
    {
        _random = random;
        _keys = keys;
    }

    /// <summary>The mutations, by name (the reproducer and the report name them).</summary>
    public static IReadOnlyList<string> Names { get; } =
    [
        "valid", "body-bit-flips-resigned", "bit-flips", "truncated", "trailing-bytes-resigned", "body-cut-resigned",
        "key-length", "wrong-key", "message-id-resigned", "replay", "body-field-edge-resigned", "signedness-swapped",
        "prefix", "signature-bit-flip",
    ];

    /// <summary>
    /// One mutation of <paramref name="valid"/> (a message that <paramref name="key"/> signed, if signed), or a datagram
    /// of <paramref name="history"/> for a replay. Returns the datagram and the mutation's description.
    /// </summary>
    public (byte[] Datagram, string Description) Mutate(byte[] valid, bool signed, LibNaClPrivateKey key, IReadOnlyList<byte[]> history)
    {
        var choice = _random.Next(Names.Count);
        var name = Names[choice];
        var signedLayout = signed && valid.Length >= BodyOffset + SignatureLength;
        switch (name)
        {
            case "valid":
                return (valid, name);
            case "body-bit-flips-resigned":
            {
                var body = Body(valid, signedLayout);
                if (body.Length == 0)
                {
                    return (valid, "valid");
                }

                var flips = 1 + _random.Next(4);
                for (var i = 0; i < flips; i++)
                {
                    body[_random.Next(body.Length)] ^= (byte)(1 << _random.Next(8));
                }

                return (Rebuild(valid, body, signedLayout, key), $"{name} ({flips})");
            }

            case "bit-flips":
            {
                var copy = (byte[])valid.Clone();
                var flips = 1 + _random.Next(8);
                for (var i = 0; i < flips; i++)
                {
                    copy[_random.Next(copy.Length)] ^= (byte)(1 << _random.Next(8));
                }

                return (copy, $"{name} ({flips})");
            }

            case "truncated":
            {
                var length = _random.Next(4) == 0 ? _random.Next(Packet.HeaderLength + 1) : _random.Next(valid.Length);
                return (valid[..length], $"{name} to {length} of {valid.Length} bytes");
            }

            case "trailing-bytes-resigned":
            {
                var body = Body(valid, signedLayout);
                var extra = new byte[1 + _random.Next(_random.Next(4) == 0 ? 1200 : 32)];
                _random.NextBytes(extra);
                return (Rebuild(valid, [.. body, .. extra], signedLayout, key), $"{name} (+{extra.Length})");
            }

            case "body-cut-resigned":
            {
                var body = Body(valid, signedLayout);
                var cut = body.Length == 0 ? 0 : 1 + _random.Next(Math.Min(body.Length, 24));
                return (Rebuild(valid, body[..(body.Length - cut)], signedLayout, key), $"{name} (-{cut})");
            }

            case "key-length":
            {
                if (!signedLayout)
                {
                    goto case "signedness-swapped";
                }

                var copy = (byte[])valid.Clone();
                ushort length = _random.Next(6) switch
                {
                    0 => 0,
                    1 => 1,
                    2 => LibNaClPublicKey.BinLength - 1,
                    3 => LibNaClPublicKey.BinLength + 1,
                    4 => ushort.MaxValue,
                    _ => (ushort)(valid.Length - KeyLengthOffset - 2),
                };
                BinaryPrimitives.WriteUInt16BigEndian(copy.AsSpan(KeyLengthOffset), length);
                return (copy, $"{name} {length}");
            }

            case "wrong-key":
            {
                if (!signedLayout)
                {
                    goto case "signedness-swapped";
                }

                var copy = (byte[])valid.Clone();
                var keyBytes = copy.AsSpan(KeyLengthOffset + 2, LibNaClPublicKey.BinLength);
                switch (_random.Next(3))
                {
                    case 0:
                        // Another of our keys: a well-formed key whose signature does not match.
                        var other = _keys.First(k => !ReferenceEquals(k, key));
                        other.PublicKey.Bin.CopyTo(keyBytes);
                        return (copy, $"{name} (another key)");
                    case 1:
                        // The LibNaCLPK: prefix with random key material (not a point, or not the signer).
                        _random.NextBytes(keyBytes[10..]);
                        return (copy, $"{name} (random key material)");
                    default:
                        // Not a LibNaCL key: an M2Crypto (EC) key is expected to parse, and fails.
                        _random.NextBytes(keyBytes);
                        return (copy, $"{name} (random bytes)");
                }
            }

            case "message-id-resigned":
            {
                var copy = (byte[])valid.Clone();
                var id = s_messageIds[_random.Next(s_messageIds.Length)];
                copy[Packet.PrefixLength] = id;
                return (signedLayout ? Resign(copy, key) : copy, $"{name} {valid[Packet.PrefixLength]}->{id}");
            }

            case "replay":
                return history.Count == 0 ? (valid, "valid") : (history[_random.Next(history.Count)], name);
            case "body-field-edge-resigned":
            {
                var body = Body(valid, signedLayout);
                if (body.Length == 0)
                {
                    return (valid, "valid");
                }

                var width = Math.Min(body.Length, 1 << _random.Next(4));
                var at = _random.Next(body.Length - width + 1);
                var fill = _random.Next(4) switch
                {
                    0 => (byte)0x00,
                    1 => (byte)0xFF,
                    2 => (byte)0x7F,
                    _ => (byte)0x80,
                };
                body.AsSpan(at, width).Fill(fill == 0x7F || fill == 0x80 ? (byte)(fill == 0x7F ? 0xFF : 0x00) : fill);
                body[at] = fill;
                return (Rebuild(valid, body, signedLayout, key), $"{name} {width} bytes at {at} = {fill:x2}..");
            }

            case "signedness-swapped":
            {
                if (signedLayout)
                {
                    // The key and signature taken away: a signed message that looks unsigned.
                    return ([.. valid.AsSpan(0, Packet.HeaderLength), .. valid.AsSpan(BodyOffset, valid.Length - BodyOffset - SignatureLength)], $"{name} (unsigned)");
                }

                // A key and a signature added to an unsigned message.
                var signedCopy = new byte[valid.Length + 2 + LibNaClPublicKey.BinLength + SignatureLength];
                valid.AsSpan(0, Packet.HeaderLength).CopyTo(signedCopy);
                BinaryPrimitives.WriteUInt16BigEndian(signedCopy.AsSpan(KeyLengthOffset), LibNaClPublicKey.BinLength);
                key.PublicKey.Bin.CopyTo(signedCopy.AsSpan(KeyLengthOffset + 2));
                valid.AsSpan(Packet.HeaderLength).CopyTo(signedCopy.AsSpan(BodyOffset));
                return (Sign(signedCopy, key), $"{name} (signed)");
            }

            case "prefix":
            {
                var copy = (byte[])valid.Clone();
                if (_random.Next(2) == 0)
                {
                    copy[_random.Next(2)] = (byte)_random.Next(4);
                }
                else
                {
                    copy[2 + _random.Next(20)] ^= (byte)(1 << _random.Next(8));
                }

                return (copy, name);
            }

            default:
            {
                if (!signedLayout)
                {
                    goto case "bit-flips";
                }

                var copy = (byte[])valid.Clone();
                copy[copy.Length - 1 - _random.Next(SignatureLength)] ^= (byte)(1 << _random.Next(8));
                return (copy, name);
            }
        }
    }

    /// <summary>A copy of the payload bytes: after the key (signed) or the header (unsigned), before the signature.</summary>
    private static byte[] Body(byte[] valid, bool signedLayout) =>
        signedLayout ? valid[BodyOffset..^SignatureLength] : valid[Packet.HeaderLength..];

    /// <summary>The header (and key) of <paramref name="valid"/> with <paramref name="body"/>, signed again when signed.</summary>
    private static byte[] Rebuild(byte[] valid, byte[] body, bool signedLayout, LibNaClPrivateKey key)
    {
        var head = signedLayout ? BodyOffset : Packet.HeaderLength;
        var result = new byte[head + body.Length + (signedLayout ? SignatureLength : 0)];
        valid.AsSpan(0, head).CopyTo(result);
        body.CopyTo(result.AsSpan(head));
        return signedLayout ? Sign(result, key) : result;
    }

    /// <summary>Signs everything before the last 64 bytes into them.</summary>
    private static byte[] Sign(byte[] datagram, LibNaClPrivateKey key)
    {
        key.Sign(datagram.AsSpan(0, datagram.Length - SignatureLength), datagram.AsSpan(datagram.Length - SignatureLength));
        return datagram;
    }

    /// <summary>Replaces the signature of a signed-layout datagram with a valid one.</summary>
    private static byte[] Resign(byte[] datagram, LibNaClPrivateKey key) => Sign(datagram, key);
}
