namespace Ipv8.Engine.Communities;

public abstract partial class Community
{
    // Send times of the last introduction requests, for the walk round-trip histogram. Direct-mapped by the low bits of
    // the request identifier (the global time, so consecutive requests use consecutive slots); each slot packs
    // (microseconds since the community was built + 1) << 16 | identifier into one long, written and claimed atomically.
    // Made when the histogram first listens: a node nobody measures does not carry it.
    private const int RoundTripSlots = 64;
    private long[]? _introductionSent;
    private readonly long _roundTripEpoch;

    private void NoteIntroductionRequest(ushort identifier)
    {
        if (Instruments is not { WalkRoundTripEnabled: true })
        {
            return;
        }

        var sent = Volatile.Read(ref _introductionSent) ?? CreateRoundTripSlots();
        var micros = ElapsedMicros(TimeProvider.GetTimestamp());
        Volatile.Write(ref sent[identifier % RoundTripSlots], ((micros + 1) << 16) | identifier);
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private long[] CreateRoundTripSlots()
    {
        var slots = new long[RoundTripSlots];
        return Interlocked.CompareExchange(ref _introductionSent, slots, null) ?? slots;
    }

    private void RecordWalkRoundTrip(ushort identifier)
    {
        if (Volatile.Read(ref _introductionSent) is not { } table)
        {
            return;
        }

        ref var slot = ref table[identifier % RoundTripSlots];
        var sent = Volatile.Read(ref slot);
        if (sent == 0 || (ushort)sent != identifier || Interlocked.CompareExchange(ref slot, 0, sent) != sent)
        {
            return;
        }

        if (Instruments is { WalkRoundTripEnabled: true } instruments)
        {
            var elapsed = ElapsedMicros(TimeProvider.GetTimestamp()) - ((sent >> 16) - 1);
            instruments.RecordWalkRoundTrip(Math.Max(elapsed, 0) / 1e6);
        }
    }

    private long ElapsedMicros(long timestamp) => (long)((timestamp - _roundTripEpoch) * (1e6 / TimeProvider.TimestampFrequency));
}
