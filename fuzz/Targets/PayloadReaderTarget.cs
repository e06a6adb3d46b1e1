using Ipv8.Wire;
using static Ipv8.Fuzz.Targets.FuzzTargets;

namespace Ipv8.Fuzz.Targets;

/// <summary>
/// The readers the generator writes for <c>[Payload]</c> types. The first input byte picks the type, the rest is the
/// payload. Invariants: nothing throws; a decoded value's size equals the input length; re-encoding is stable
/// (encode(decode(encode(decode(x)))) == encode(decode(x))); and without non-canonical bools it is byte-exact.
/// </summary>
internal sealed class PayloadReaderTarget : IFuzzTarget
{
    private byte[] _first = new byte[1 << 20];
    private byte[] _second = new byte[1 << 20];

    public string Name => "payload";

    public void Run(ReadOnlySpan<byte> input)
    {
        if (input.IsEmpty)
        {
            return;
        }

        if (_first.Length < input.Length)
        {
            _first = new byte[input.Length];
            _second = new byte[input.Length];
        }

        var body = input[1..];
        if ((input[0] & 1) == 0)
        {
            RoundTrip<SpanFormats>(body, canonical: HasCanonicalBool(body, offset: 1 + 2 + 4 + 8 + 8));
        }
        else
        {
            RoundTrip<ArrayFormats>(body, canonical: false);
        }
    }

    private void RoundTrip<T>(ReadOnlySpan<byte> body, bool canonical) where T : IPayload<T>, allows ref struct
    {
        var reader = new WireReader(body);
        if (!T.TryRead(ref reader, out var value) || !reader.TryReadEnd())
        {
            Check(reader.Error != WireError.None, $"{typeof(T).Name}: a failed read gave no reason");
            return;
        }

        var size = value.GetSize();
        var writer = new WireWriter(_first);
        value.Write(ref writer);
        var first = writer.Written;
        Check(first.Length == size, $"{typeof(T).Name}: GetSize {size} != written {first.Length}");
        Check(first.Length == body.Length, $"{typeof(T).Name}: re-encoding changed the length ({body.Length} -> {first.Length})");
        if (canonical)
        {
            Check(first.SequenceEqual(body), $"{typeof(T).Name}: canonical input did not re-encode byte-exact");
        }

        var again = new WireReader(first);
        Check(T.TryRead(ref again, out var second) && again.TryReadEnd(), $"{typeof(T).Name}: its own encoding did not decode ({again.Error})");
        var secondWriter = new WireWriter(_second);
        second.Write(ref secondWriter);
        Check(secondWriter.Written.SequenceEqual(first), $"{typeof(T).Name}: re-encoding is not stable");
    }

    private static bool HasCanonicalBool(ReadOnlySpan<byte> body, int offset) => body.Length <= offset || body[offset] <= 1;
}
