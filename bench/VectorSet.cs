using System.Text.Json;
using Ipv8.Tests.Shared;
using Ipv8.Wire;
using Ipv8.Wire.Crypto;

namespace Ipv8.Bench;

/// <summary>One py-ipv8-made packet from <c>community.json</c>.</summary>
internal sealed record Vector(string Name, string Note, byte MessageId, int SenderKey, byte[] Packet);

/// <summary>
/// The reference packets and sender keys of <c>../shared/vectors/community.json</c>, loaded in a
/// <c>[GlobalSetup]</c>. BenchmarkDotNet runs each benchmark in a child process built under <c>bench/bin/…</c>;
/// <see cref="RepoPaths"/> finds the vectors from there by walking up to <c>Ipv8.sln</c>.
/// </summary>
internal sealed class VectorSet : IDisposable
{
    /// <summary>How many packets community.json holds; <c>OperationsPerInvoke</c> of the mix depends on it.</summary>
    public const int PacketCount = 64;

    private VectorSet(byte[] prefix, LibNaClPrivateKey[] keys, Vector[] packets)
    {
        Prefix = prefix;
        Keys = keys;
        Packets = packets;
    }

    /// <summary>The 22-byte community prefix every packet starts with.</summary>
    public byte[] Prefix { get; }

    /// <summary>The senders' keys, indexed by <see cref="Vector.SenderKey"/>.</summary>
    public IReadOnlyList<LibNaClPrivateKey> Keys { get; }

    /// <summary>The packets, in file order.</summary>
    public IReadOnlyList<Vector> Packets { get; }

    public static VectorSet Load()
    {
        var path = Path.Combine(RepoPaths.Vectors, "community.json");
        using var document = JsonDocument.Parse(File.ReadAllBytes(path));
        var root = document.RootElement;

        var prefix = Convert.FromHexString(root.GetProperty("prefix").GetString()!);
        var keys = root.GetProperty("keys").EnumerateArray()
            .Select(key => LibNaClPrivateKey.Parse(Convert.FromHexString(key.GetProperty("private_key_bin").GetString()!)))
            .ToArray();
        var packets = root.GetProperty("vectors").EnumerateArray()
            .Select(vector => new Vector(
                vector.GetProperty("name").GetString()!,
                vector.GetProperty("note").GetString()!,
                vector.GetProperty("msg_id").GetByte(),
                vector.GetProperty("sender_key").GetInt32(),
                Convert.FromHexString(vector.GetProperty("packet").GetString()!)))
            .ToArray();

        if (prefix.Length != Packet.PrefixLength || packets.Length != PacketCount)
        {
            throw new InvalidDataException($"{path}: expected a 22-byte prefix and {PacketCount} packets, found {prefix.Length} and {packets.Length}.");
        }

        foreach (var vector in packets)
        {
            if (!vector.Packet.AsSpan().StartsWith(prefix) || vector.Packet[Packet.PrefixLength] != vector.MessageId)
            {
                throw new InvalidDataException($"{path}: vector '{vector.Name}' ({vector.Note}) does not carry its prefix and msg_id.");
            }
        }

        return new VectorSet(prefix, keys, packets);
    }

    /// <summary>The first packet with message id <paramref name="messageId"/>.</summary>
    public Vector First(byte messageId) =>
        Packets.FirstOrDefault(vector => vector.MessageId == messageId)
        ?? throw new InvalidDataException($"community.json has no packet with msg_id {messageId}.");

    public void Dispose()
    {
        foreach (var key in Keys)
        {
            key.Dispose();
        }
    }
}
