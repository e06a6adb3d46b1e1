using Ipv8.Wire.Discovery;

namespace Ipv8.Wire.Tests;

public class AllocationTests
{
    [Fact]
    public void Decoding_and_verifying_100000_vector_packets_allocates_nothing_in_steady_state()
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
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 100_000; i++)
        {
            decoded += DecodeAndVerify(packets[i % packets.Length]) ? 1 : 0;
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(100_000, decoded);
        Assert.Equal(0, allocated);
    }

    private static bool DecodeAndVerify(byte[] datagram) => datagram[Packet.PrefixLength] switch
    {
        246 => Packet.TryDecode<GlobalTime, IntroductionRequestPayload>(datagram, true, out _, out _, out _, out _),
        245 => Packet.TryDecode<GlobalTime, IntroductionResponsePayload>(datagram, true, out _, out _, out _, out _),
        250 => Packet.TryDecode<GlobalTime, PunctureRequestPayload>(datagram, true, out _, out _, out _, out _),
        249 => Packet.TryDecode<GlobalTime, PuncturePayload>(datagram, true, out _, out _, out _, out _),
        234 => Packet.TryDecode<GlobalTime, NewIntroductionRequestPayload>(datagram, true, out _, out _, out _, out _),
        233 => Packet.TryDecode<GlobalTime, NewIntroductionResponsePayload>(datagram, true, out _, out _, out _, out _),
        232 => Packet.TryDecode<GlobalTime, NewPunctureRequestPayload>(datagram, true, out _, out _, out _, out _),
        231 => Packet.TryDecode<GlobalTime, NewPuncturePayload>(datagram, true, out _, out _, out _, out _),
        _ => false,
    };
}
