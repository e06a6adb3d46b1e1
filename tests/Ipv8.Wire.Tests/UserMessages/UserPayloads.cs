namespace Ipv8.Wire.Tests.UserMessages;

// The message classes of payloads.json (its payload_classes), declared as a user of the library would: the same
// formats in the same order. PayloadMirror ties them to the vector file, and a test checks that they agree.

/// <summary>py-ipv8 <c>Chat</c> (message 1): <c>seq q</c>, <c>text varlenHutf8</c>.</summary>
[Payload(MessageId = 1)]
internal partial struct Chat
{
    [Field(Format.Int64)] public long Seq { get; init; }

    [Field(Format.VarLenHUtf8)] public string Text { get; init; }
}

/// <summary>py-ipv8 <c>Sample</c> (message 2): a bool, a double, bytes and the three native-order arrays.</summary>
[Payload(MessageId = 2)]
internal partial struct Sample
{
    [Field(Format.Bool)] public bool Flag { get; init; }

    [Field(Format.Double)] public double Score { get; init; }

    [Field(Format.VarLenH)] public byte[] Blob { get; init; }

    [Field(Format.ArrayHInt64)] public long[] Values { get; init; }

    [Field(Format.ArrayHBool)] public bool[] Flags { get; init; }

    [Field(Format.ArrayHDouble)] public double[] Weights { get; init; }
}

/// <summary>py-ipv8 <c>Entry</c>: nested only, no message id.</summary>
[Payload]
internal partial struct Entry
{
    [Field(Format.VarLenH)] public byte[] Key { get; init; }

    [Field(Format.Int64)] public long Count { get; init; }
}

/// <summary>py-ipv8 <c>Catalog</c> (message 3): text, a <c>payload-list</c> of <see cref="Entry"/>, a nested <see cref="Entry"/>.</summary>
[Payload(MessageId = 3)]
internal partial struct Catalog
{
    [Field(Format.VarLenHUtf8)] public string Owner { get; init; }

    [Field(Format.PayloadList)] public Entry[] Entries { get; init; }

    [Field(Format.Payload)] public Entry Best { get; init; }
}

/// <summary>py-ipv8 <c>Legacy</c> (message 4): the older formats, eight flags as one <c>bits</c> byte, a raw tail.</summary>
[Payload(MessageId = 4)]
internal partial struct Legacy
{
    [Field(Format.UInt32)] public uint Number { get; init; }

    [Field(Format.VarLenI)] public byte[] BigBlob { get; init; }

    [Field(Format.VarLenHx20)] public byte[] Mids { get; init; }

    [Field(Format.VarLenHList)] public byte[][] Chunks { get; init; }

    [Field(Format.Address)] public HostAddress Where { get; init; }

    [Field(Format.IpAddress)] public UdpAddress Ip { get; init; }

    [Field(Format.Ipv4)] public UdpAddress V4 { get; init; }

    /// <summary>py-ipv8's <c>b0</c>…<c>b7</c>, <c>b0</c> in bit 0x80.</summary>
    [Field(Format.Bits)] public byte Bits { get; init; }

    [Field(Format.UInt64)] public ulong Stamp { get; init; }

    [Field(Format.Raw)] public byte[] Tail { get; init; }
}

/// <summary>py-ipv8 <c>Beacon</c> (message 5), sent unsigned.</summary>
[Payload(MessageId = 5, Signed = false)]
internal partial struct Beacon
{
    [Field(Format.Int64)] public long Nonce { get; init; }
}
