using Ipv8.Wire;

namespace Ipv8.Tests.Shared;

// The six message classes of shared/vectors/payloads.json (its payload_classes), declared as a user of the library
// would: the same formats in the same order. tests/Ipv8.Wire.Tests (PayloadMirror) and tests/Ipv8.Interop.Tests
// (PayloadTypeTests; the py-ipv8 side declares the same classes in py/interop_peer.py) check them against the vectors.
// Not in tests/Shared/*.cs, which every test project compiles: only the projects with the payload generator link it.

/// <summary>py-ipv8 <c>Chat</c> (message 1, signed): <c>seq</c> q, <c>text</c> varlenHutf8.</summary>
[Payload(MessageId = 1)]
public partial struct Chat
{
    [Field(Format.Int64)] public long Seq { get; init; }

    [Field(Format.VarLenHUtf8)] public string Text { get; init; }
}

/// <summary>py-ipv8 <c>Sample</c> (message 2): every native type of a dataclass payload.</summary>
[Payload(MessageId = 2)]
public partial struct Sample
{
    [Field(Format.Bool)] public bool Flag { get; init; }

    [Field(Format.Double)] public double Score { get; init; }

    [Field(Format.VarLenH)] public byte[] Blob { get; init; }

    [Field(Format.ArrayHInt64)] public long[] Values { get; init; }

    [Field(Format.ArrayHBool)] public bool[] Flags { get; init; }

    [Field(Format.ArrayHDouble)] public double[] Weights { get; init; }
}

/// <summary>py-ipv8 <c>Entry</c>: a nested payload, no message id.</summary>
[Payload]
public partial struct Entry
{
    [Field(Format.VarLenH)] public byte[] Key { get; init; }

    [Field(Format.Int64)] public long Count { get; init; }
}

/// <summary>py-ipv8 <c>Catalog</c> (message 3): a payload list and a nested payload.</summary>
[Payload(MessageId = 3)]
public partial struct Catalog
{
    [Field(Format.VarLenHUtf8)] public string Owner { get; init; }

    [Field(Format.PayloadList)] public Entry[] Entries { get; init; }

    [Field(Format.Payload)] public Entry Best { get; init; }
}

/// <summary>py-ipv8 <c>Legacy</c> (message 4): the older formats, addresses and the eight <c>bits</c>.</summary>
[Payload(MessageId = 4)]
public partial struct Legacy
{
    [Field(Format.UInt32)] public uint Number { get; init; }

    [Field(Format.VarLenI)] public byte[] BigBlob { get; init; }

    [Field(Format.VarLenHx20)] public byte[] Mids { get; init; }

    [Field(Format.VarLenHList)] public byte[][] Chunks { get; init; }

    [Field(Format.Address)] public HostAddress Where { get; init; }

    [Field(Format.IpAddress)] public UdpAddress Ip { get; init; }

    [Field(Format.Ipv4)] public UdpAddress V4 { get; init; }

    /// <summary>py-ipv8's <c>b0</c>…<c>b7</c>: <c>b0</c> is bit 0x80, <c>b7</c> is 0x01.</summary>
    [Field(Format.Bits)] public byte Bits { get; init; }

    [Field(Format.UInt64)] public ulong Stamp { get; init; }

    [Field(Format.Raw)] public byte[] Tail { get; init; }
}

/// <summary>py-ipv8 <c>Beacon</c> (message 5), unsigned.</summary>
[Payload(MessageId = 5, Signed = false)]
public partial struct Beacon
{
    [Field(Format.Int64)] public long Nonce { get; init; }
}
