using Ipv8.Wire;

namespace Ipv8.Tests.Shared;

// The three-payload messages of the engine's tests and of the interop tests against py-ipv8 (py/three_payloads.py in
// tests/Ipv8.Interop.Tests): [GlobalTime, ReadingTag, Reading] signed, [GlobalTime, ReadingTag, UnsignedReading] not.
// Not in tests/Shared/*.cs, which every test project compiles: only the projects with the payload generator link it.

/// <summary>py-ipv8 <c>ReadingTag</c>: a <c>VariablePayload</c> without a message id, <c>varlenH</c> and <c>I</c>; the middle payload.</summary>
[Payload]
public readonly ref partial struct ReadingTag
{
    [Field(Format.VarLenH)] public ReadOnlySpan<byte> Label { get; init; }

    [Field(Format.UInt32)] public uint Counter { get; init; }
}

/// <summary>py-ipv8 <c>Reading(DataClassPayload[7])</c>: <c>value: float</c> (d), <c>unit: str</c> (varlenHutf8); the last payload of the signed message.</summary>
[Payload(MessageId = 7)]
public readonly ref partial struct Reading
{
    [Field(Format.Double)] public double Value { get; init; }

    [Field(Format.VarLenHUtf8)] public ReadOnlySpan<byte> Unit { get; init; }
}

/// <summary>py-ipv8 <c>UnsignedReading</c>: message 8, <c>d</c>, sent with <c>sig=False</c>; the last payload of the unsigned message.</summary>
[Payload(MessageId = 8, Signed = false)]
public readonly ref partial struct UnsignedReading
{
    [Field(Format.Double)] public double Value { get; init; }
}
