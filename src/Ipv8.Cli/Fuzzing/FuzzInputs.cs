using Ipv8.Wire;
using Ipv8.Wire.Crypto;

namespace Ipv8.Cli.Fuzzing;

/// <summary>
/// The fuzzer's inputs, from a seed: a valid message of a random registry kind (<see cref="MessageFactory"/>), signed by
/// one of a few fuzzer identities, then one mutation (<see cref="Mutator"/>). The same seed gives the same datagrams
/// (Ed25519 signatures are deterministic). Used by the network fuzzer and the differential target alike.
/// </summary>
internal sealed class FuzzInputs : IDisposable
{
    private readonly Random _random;
    private readonly List<LibNaClPrivateKey> _keys;
    private readonly MessageFactory _factory;
    private readonly Mutator _mutator;
    private readonly List<byte[]> _history = [];

    public FuzzInputs(int seed, CommunityId community, int identities = 3)
    {
        _random = new Random(seed);
        _keys = [.. Enumerable.Range(0, Math.Max(2, identities)).Select(_ => CreateKey(_random))];
        _factory = new MessageFactory(new Random(_random.Next()), community);
        _mutator = new Mutator(new Random(_random.Next()), _keys);
    }

    /// <summary>A LibNaCL key from a seeded generator (the 64 secret bytes of a <c>LibNaCLSK:</c> bin).</summary>
    internal static LibNaClPrivateKey CreateKey(Random random)
    {
        var bin = new byte[LibNaClPrivateKey.BinLength];
        LibNaClPrivateKey.BinPrefix.CopyTo(bin);
        random.NextBytes(bin.AsSpan(LibNaClPrivateKey.BinPrefix.Length));
        return LibNaClPrivateKey.Parse(bin);
    }

    /// <summary>The next input and its description (<c>kind: mutation</c>).</summary>
    public FuzzDatagram Next()
    {
        var kind = MessageFactory.Kinds[_random.Next(MessageFactory.Kinds.Count)];
        var key = _keys[_random.Next(_keys.Count)];
        var valid = _factory.Build(kind, key);
        var (datagram, mutation) = _mutator.Mutate(valid, kind.IsSigned, key, _history);
        if (_history.Count < 256)
        {
            _history.Add(datagram);
        }
        else
        {
            _history[_random.Next(_history.Count)] = datagram;
        }

        return new FuzzDatagram(datagram, $"{kind.Name}: {mutation}");
    }

    public void Dispose()
    {
        foreach (var key in _keys)
        {
            key.Dispose();
        }
    }
}
