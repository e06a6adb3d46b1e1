using Ipv8.Tests.Shared;
using Ipv8.Wire.Discovery;

namespace Ipv8.Wire.Tests;

public class AllocationTests
{
    [Fact]
    public void Decoding_and_verifying_100000_vector_packets_through_the_registry_allocates_nothing_in_steady_state()
    {
        var packets = Vectors.Packets.Select(v => Vectors.Bytes(v, "packet")).ToArray();

        // Warm up: JIT, tiering and libsodium initialisation.
        var warm = 0;
        for (var i = 0; i < 2000; i++)
        {
            warm += DecodeAndVerify(packets[i % packets.Length]) ? 1 : 0;
        }

        Assert.Equal(2000, warm);

        var decoded = 0;
        var (allocated, passes) = SteadyState.Allocated(() =>
        {
            for (var i = 0; i < 100_000; i++)
            {
                decoded += DecodeAndVerify(packets[i % packets.Length]) ? 1 : 0;
            }
        }, warmups: 0);

        Assert.Equal(passes * 100_000, decoded);
        Assert.Equal(0, allocated);
    }

    // Through the registry, as ipv8 decode and the fuzz targets find a kind: one lookup and one virtual call per packet.
    private static bool DecodeAndVerify(byte[] datagram) =>
        DiscoveryKinds.Registry.TryFind(datagram, out var kind) && KindDecoder.Decode(kind, datagram, verify: true) == WireError.None;
}
