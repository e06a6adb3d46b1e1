using System.Buffers.Binary;
using System.Diagnostics;
using System.Text.Json;

namespace Ipv8.Wire.Schemas;

/// <summary>
/// Decodes messages described by a <see cref="SchemaSet"/> into JSON, as py-ipv8's <c>lazy_wrapper</c> /
/// <c>lazy_wrapper_unsigned</c> unpack them: <c>{"msg_id":…,"signed":…,"public_key":hex,"payloads":[{field: value}, …]}</c>
/// (<c>public_key</c> for signed messages only), with the value forms of py-ipv8's vectors (<c>payloads.json</c>).
/// </summary>
/// <remarks>
/// <para>
/// Values: integers as numbers; <c>?</c> as true/false; <c>f</c> and <c>d</c> as Python writes floats (<c>1.0</c>,
/// <c>-0.0</c>, <c>5e-324</c>; NaN and the infinities as the strings <c>"NaN"</c>, <c>"Infinity"</c>,
/// <c>"-Infinity"</c>); bytes (<c>varlen*</c>, <c>raw</c>, <c>Ns</c>, <c>c</c>) as <c>{"hex": …}</c>; text as strings;
/// addresses (<c>ipv4</c>, <c>ip_address</c>, <c>address</c>) as <c>[host, port]</c>; <c>bits</c> as eight 0/1 fields;
/// multi-value struct formats (<c>BH</c>, <c>c20s</c>, <c>4SH</c>, …) as lists of their values; arrays and
/// <c>varlenH-list</c> as lists; nested payloads as objects, <c>payload-list</c> as a list of objects.
/// </para>
/// <para>
/// Nothing is written unless the whole message decodes: the data is walked once to check it, then again to write it.
/// Bad data never throws. The decoder is stricter than py-ipv8 in two ways: a length that runs past the data is
/// <see cref="WireError.Truncated"/> (py-ipv8 slices what is there), and a nested payload must fill its length exactly
/// (py-ipv8 ignores what is left in it), as the generated payload readers do.
/// </para>
/// </remarks>
public static class SchemaDecoder
{
    private static readonly JsonEncodedText s_messageId = JsonEncodedText.Encode("msg_id");
    private static readonly JsonEncodedText s_signed = JsonEncodedText.Encode("signed");
    private static readonly JsonEncodedText s_publicKey = JsonEncodedText.Encode("public_key");
    private static readonly JsonEncodedText s_payloads = JsonEncodedText.Encode("payloads");

    /// <summary>
    /// Decodes <paramref name="datagram"/> as the message of <paramref name="schema"/> with its message id, and writes
    /// one JSON object. Signatures are verified (LibNaCL and EC keys). The prefix is not checked: any community.
    /// </summary>
    /// <returns>False, with nothing written, when the schema has no such message or the datagram does not decode.</returns>
    public static bool TryWrite(Utf8JsonWriter writer, ReadOnlySpan<byte> datagram, SchemaSet schema, out DecodeFailure failure)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(schema);
        if (!Packet.TryReadMessageId(datagram, out var id))
        {
            failure = new DecodeFailure(WireError.TooShort);
            return false;
        }

        if (!schema.TryGetMessage(id, out var message))
        {
            failure = new DecodeFailure(WireError.UnknownMessage, null, $"msg_id {id} is not in the schema");
            return false;
        }

        return TryWrite(writer, datagram, message, out failure);
    }

    /// <summary>
    /// Decodes <paramref name="datagram"/> as <paramref name="message"/>: the frame (signed or not, as the message
    /// says), the signature, then the payloads, which must fill the body exactly. The datagram's own message id is the
    /// one written; it is not compared with <paramref name="message"/>'s.
    /// </summary>
    /// <returns>False, with nothing written, when the datagram does not decode.</returns>
    public static bool TryWrite(Utf8JsonWriter writer, ReadOnlySpan<byte> datagram, MessageSchema message, out DecodeFailure failure)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(message);
        Packet packet;
        WireError error;
        var framed = message.Signed
            ? Packet.TryReadSigned(datagram, out packet, out error)
            : Packet.TryReadUnsigned(datagram, out packet, out error);
        if (!framed)
        {
            failure = message.Signed && error == WireError.Truncated
                ? new DecodeFailure(error, null, "the signed frame: key length, key and signature do not fit")
                : new DecodeFailure(error);
            return false;
        }

        if (!TryWalkPayloads(null, packet.Body, message.PayloadArray, out failure))
        {
            return false;
        }

        writer.WriteStartObject();
        writer.WriteNumber(s_messageId, packet.MessageId);
        writer.WriteBoolean(s_signed, packet.IsSigned);
        if (packet.IsSigned)
        {
            writer.WritePropertyName(s_publicKey);
            JsonValues.WriteHexString(writer, packet.PublicKeyBin);
        }

        writer.WritePropertyName(s_payloads);
        var written = TryWalkPayloads(writer, packet.Body, message.PayloadArray, out failure);
        Debug.Assert(written, "the second walk reads the data the first one accepted");
        writer.WriteEndObject();
        return true;
    }

    /// <summary>
    /// Decodes a message body (the payloads, one after the other, as <see cref="Packet.Body"/> gives them) and writes
    /// a JSON list with one object per payload. The payloads must fill <paramref name="body"/> exactly.
    /// </summary>
    /// <returns>False, with nothing written, when the body does not decode.</returns>
    public static bool TryWritePayloads(Utf8JsonWriter writer, ReadOnlySpan<byte> body, IReadOnlyList<PayloadClass> payloads, out DecodeFailure failure)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(payloads);
        PayloadClass[] classes = [.. payloads];
        if (!TryWalkPayloads(null, body, classes, out failure))
        {
            return false;
        }

        var written = TryWalkPayloads(writer, body, classes, out failure);
        Debug.Assert(written, "the second walk reads the data the first one accepted");
        return true;
    }

    /// <summary>
    /// Reads one payload of class <paramref name="payload"/> from <paramref name="reader"/> and writes it as a JSON
    /// object. Bytes after it are left to the caller.
    /// </summary>
    /// <returns>False, with nothing written and the reader where the check stopped, when the data does not decode.</returns>
    public static bool TryWriteClass(Utf8JsonWriter writer, ref WireReader reader, PayloadClass payload, out DecodeFailure failure)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(payload);
        var check = reader;
        if (!TryWalkClass(null, ref check, payload, out var error, out var location))
        {
            reader = check;
            failure = new DecodeFailure(error, $"{payload.Name}.{location}");
            return false;
        }

        var written = TryWalkClass(writer, ref reader, payload, out _, out _);
        Debug.Assert(written, "the second walk reads the data the first one accepted");
        failure = default;
        return true;
    }

    // Walks the data; writes only when a writer is given (the second walk, over data the first walk accepted).
    private static bool TryWalkPayloads(Utf8JsonWriter? writer, ReadOnlySpan<byte> body, PayloadClass[] classes, out DecodeFailure failure)
    {
        var reader = new WireReader(body);
        writer?.WriteStartArray();
        foreach (var cls in classes)
        {
            if (!TryWalkClass(writer, ref reader, cls, out var error, out var location))
            {
                failure = new DecodeFailure(error, $"{cls.Name}.{location}");
                return false;
            }
        }

        if (!reader.TryReadEnd())
        {
            failure = new DecodeFailure(WireError.TrailingBytes, null, reader.Remaining == 1 ? "1 byte after the last payload" : $"{reader.Remaining} bytes after the last payload");
            return false;
        }

        writer?.WriteEndArray();
        failure = default;
        return true;
    }

    private static bool TryWalkClass(Utf8JsonWriter? writer, ref WireReader reader, PayloadClass cls, out WireError error, out string? location)
    {
        writer?.WriteStartObject();
        foreach (var field in cls.FieldArray)
        {
            if (!TryWalkField(writer, ref reader, field, out error, out var inner))
            {
                location = field.Name + inner;
                return false;
            }
        }

        writer?.WriteEndObject();
        error = WireError.None;
        location = null;
        return true;
    }

    // On failure, `inner` continues the path below the field (".name" or "[index]…"), or is null at the field itself.
    private static bool TryWalkField(Utf8JsonWriter? writer, ref WireReader reader, SchemaField field, out WireError error, out string? inner)
    {
        inner = null;
        if (field.Format == Format.Bits)
        {
            if (!reader.TryReadBits(out var bits))
            {
                error = reader.Error;
                return false;
            }

            if (writer is not null)
            {
                for (var i = 0; i < field.EncodedNames.Length; i++)
                {
                    writer.WriteNumber(field.EncodedNames[i], BitFlags.Get(bits, i) ? 1 : 0);
                }
            }

            error = WireError.None;
            return true;
        }

        writer?.WritePropertyName(field.EncodedNames[0]);
        return field.Format switch
        {
            Format.Payload => TryWalkNested(writer, ref reader, field.Class!, out error, out inner),
            Format.PayloadList => TryWalkNestedList(writer, ref reader, field.Class!, out error, out inner),
            _ => TryWalkValue(writer, ref reader, field.Format, out error),
        };
    }

    private static bool TryWalkNested(Utf8JsonWriter? writer, ref WireReader reader, PayloadClass cls, out WireError error, out string? inner)
    {
        inner = null;
        if (!reader.TryReadVarLenH(out ReadOnlySpan<byte> body))
        {
            error = reader.Error;
            return false;
        }

        var nested = new WireReader(body);
        if (!TryWalkClass(writer, ref nested, cls, out error, out var location))
        {
            inner = "." + location;
            return false;
        }

        if (!nested.TryReadEnd())
        {
            error = nested.Error;
            return false;
        }

        return true;
    }

    private static bool TryWalkNestedList(Utf8JsonWriter? writer, ref WireReader reader, PayloadClass cls, out WireError error, out string? inner)
    {
        inner = null;
        if (!reader.TryReadUInt8(out var count))
        {
            error = reader.Error;
            return false;
        }

        writer?.WriteStartArray();
        for (var i = 0; i < count; i++)
        {
            if (!TryWalkNested(writer, ref reader, cls, out error, out var itemInner))
            {
                inner = $"[{i}]{itemInner}";
                return false;
            }
        }

        writer?.WriteEndArray();
        error = WireError.None;
        return true;
    }

    private static bool TryWalkValue(Utf8JsonWriter? writer, ref WireReader reader, Format format, out WireError error)
    {
        var ok = format switch
        {
            Format.UInt8 => reader.TryReadUInt8(out var v) && Number(writer, v),
            Format.UInt16 => reader.TryReadUInt16(out var v) && Number(writer, v),
            Format.UInt32 => reader.TryReadUInt32(out var v) && Number(writer, v),
            Format.UInt64 => reader.TryReadUInt64(out var v) && Number(writer, v),
            Format.Int64 => reader.TryReadInt64(out var v) && Number(writer, v),
            Format.Int32 => reader.TryReadInt32(out var v) && Number(writer, v),
            Format.Bool => reader.TryReadBool(out var v) && Boolean(writer, v),
            Format.Float => reader.TryReadSingle(out var v) && Double(writer, v),
            Format.Double => reader.TryReadDouble(out var v) && Double(writer, v),
            Format.Ipv4 => reader.TryReadIpv4(out var v) && Address(writer, v),
            Format.IpAddress => reader.TryReadIpAddress(out var v) && Address(writer, v),
            Format.Address => reader.TryReadAddress(out var v) && Address(writer, v),
            Format.Raw => reader.TryReadRaw(out ReadOnlySpan<byte> v) && Hex(writer, v),
            Format.VarLenH or Format.DoubleVarLenH => reader.TryReadVarLenH(out ReadOnlySpan<byte> v) && Hex(writer, v),
            Format.VarLenI => reader.TryReadVarLenI(out ReadOnlySpan<byte> v) && Hex(writer, v),
            Format.VarLenBx2 => reader.TryReadVarLenBx2(out ReadOnlySpan<byte> v) && Hex(writer, v),
            Format.VarLenHx20 => reader.TryReadVarLenHx20(out ReadOnlySpan<byte> v) && Hex(writer, v),
            Format.VarLenHUtf8 => reader.TryReadVarLenHUtf8(out ReadOnlySpan<byte> v) && Text(writer, v),
            Format.VarLenIUtf8 => reader.TryReadVarLenIUtf8(out ReadOnlySpan<byte> v) && Text(writer, v),
            Format.Bytes20 => reader.TryReadFixed(20, out ReadOnlySpan<byte> v) && Hex(writer, v),
            Format.Bytes32 => reader.TryReadFixed(32, out ReadOnlySpan<byte> v) && Hex(writer, v),
            Format.Bytes64 => reader.TryReadFixed(64, out ReadOnlySpan<byte> v) && Hex(writer, v),
            Format.Bytes74 => reader.TryReadFixed(74, out ReadOnlySpan<byte> v) && Hex(writer, v),
            Format.Char => reader.TryReadFixed(1, out ReadOnlySpan<byte> v) && Hex(writer, v),
            Format.C20s => reader.TryReadFixed(21, out ReadOnlySpan<byte> v) && HexList(writer, v[..1], v[1..]),
            Format.VarLenHList => TryWalkVarLenHList(writer, ref reader),
            Format.ArrayHBool => TryWalkArray(writer, ref reader, format, 1),
            Format.ArrayHInt64 => TryWalkArray(writer, ref reader, format, 8),
            Format.ArrayHDouble => TryWalkArray(writer, ref reader, format, 8),
            _ => TryWalkStruct(writer, ref reader, format),
        };
        error = ok ? WireError.None : reader.Error;
        return ok;
    }

    private static bool TryWalkStruct(Utf8JsonWriter? writer, ref WireReader reader, Format format)
    {
        switch (format)
        {
            case Format.StructBH when reader.TryReadStructBH(out var v):
                return Numbers(writer, v.Item1, v.Item2);
            case Format.StructBBH when reader.TryReadStructBBH(out var v):
                return Numbers(writer, v.Item1, v.Item2, v.Item3);
            case Format.StructHH when reader.TryReadStructHH(out var v):
                return Numbers(writer, v.Item1, v.Item2);
            case Format.StructLL when reader.TryReadStructLL(out var v):
                return Numbers(writer, v.Item1, v.Item2);
            case Format.StructQH when reader.TryReadStructQH(out var v):
                return Numbers(writer, v.Item1, v.Item2);
            case Format.StructQL when reader.TryReadStructQL(out var v):
                return Numbers(writer, v.Item1, v.Item2);
            case Format.StructQQHHBH when reader.TryReadStructQQHHBH(out var v):
                return Numbers(writer, v.Item1, v.Item2, v.Item3, v.Item4, v.Item5, v.Item6);
            case Format.StructCcB when reader.TryReadFixed(3, out ReadOnlySpan<byte> v):
                if (writer is not null)
                {
                    writer.WriteStartArray();
                    JsonValues.WriteHexObject(writer, v[..1]);
                    JsonValues.WriteHexObject(writer, v[1..2]);
                    writer.WriteNumberValue(v[2]);
                    writer.WriteEndArray();
                }

                return true;
            case Format.Struct4SH when reader.TryReadFixed(6, out ReadOnlySpan<byte> v):
                // struct's 4s is bytes, not an address: py-ipv8 gives (b'\x7f\x00\x00\x01', port).
                if (writer is not null)
                {
                    writer.WriteStartArray();
                    JsonValues.WriteHexObject(writer, v[..4]);
                    writer.WriteNumberValue(BinaryPrimitives.ReadUInt16BigEndian(v[4..]));
                    writer.WriteEndArray();
                }

                return true;
            default:
                Debug.Assert(reader.Error != WireError.None, $"every format is handled: {format}");
                return false;
        }
    }

    private static bool TryWalkVarLenHList(Utf8JsonWriter? writer, ref WireReader reader)
    {
        if (!reader.TryReadUInt8(out var count))
        {
            return false;
        }

        writer?.WriteStartArray();
        for (var i = 0; i < count; i++)
        {
            if (!reader.TryReadVarLenH(out ReadOnlySpan<byte> item))
            {
                return false;
            }

            Hex(writer, item);
        }

        writer?.WriteEndArray();
        return true;
    }

    // arrayH-*: py-ipv8 writes them with Python's array module, count and items in little-endian order.
    private static bool TryWalkArray(Utf8JsonWriter? writer, ref WireReader reader, Format format, int itemSize)
    {
        if (!reader.TryReadFixed(2, out ReadOnlySpan<byte> countBytes)
            || !reader.TryReadFixed(BinaryPrimitives.ReadUInt16LittleEndian(countBytes) * itemSize, out ReadOnlySpan<byte> items))
        {
            return false;
        }

        if (writer is null)
        {
            return true;
        }

        writer.WriteStartArray();
        for (var i = 0; i < items.Length; i += itemSize)
        {
            switch (format)
            {
                case Format.ArrayHBool:
                    writer.WriteBooleanValue(items[i] != 0);
                    break;
                case Format.ArrayHInt64:
                    writer.WriteNumberValue(BinaryPrimitives.ReadInt64LittleEndian(items[i..]));
                    break;
                default:
                    JsonValues.WriteDouble(writer, BinaryPrimitives.ReadDoubleLittleEndian(items[i..]));
                    break;
            }
        }

        writer.WriteEndArray();
        return true;
    }

    private static bool Number(Utf8JsonWriter? writer, ulong value)
    {
        writer?.WriteNumberValue(value);
        return true;
    }

    private static bool Number(Utf8JsonWriter? writer, long value)
    {
        writer?.WriteNumberValue(value);
        return true;
    }

    private static bool Numbers(Utf8JsonWriter? writer, params ReadOnlySpan<ulong> values)
    {
        if (writer is not null)
        {
            writer.WriteStartArray();
            foreach (var value in values)
            {
                writer.WriteNumberValue(value);
            }

            writer.WriteEndArray();
        }

        return true;
    }

    private static bool Boolean(Utf8JsonWriter? writer, bool value)
    {
        writer?.WriteBooleanValue(value);
        return true;
    }

    // py-ipv8 unpacks "f" into a Python float, a double: the single widens exactly, then prints as a double.
    private static bool Double(Utf8JsonWriter? writer, double value)
    {
        if (writer is not null)
        {
            JsonValues.WriteDouble(writer, value);
        }

        return true;
    }

    private static bool Address(Utf8JsonWriter? writer, UdpAddress value)
    {
        if (writer is not null)
        {
            JsonValues.WriteAddress(writer, value);
        }

        return true;
    }

    private static bool Address(Utf8JsonWriter? writer, HostAddress value)
    {
        if (writer is not null)
        {
            JsonValues.WriteAddress(writer, value);
        }

        return true;
    }

    private static bool Hex(Utf8JsonWriter? writer, ReadOnlySpan<byte> value)
    {
        if (writer is not null)
        {
            JsonValues.WriteHexObject(writer, value);
        }

        return true;
    }

    private static bool HexList(Utf8JsonWriter? writer, ReadOnlySpan<byte> first, ReadOnlySpan<byte> second)
    {
        if (writer is not null)
        {
            writer.WriteStartArray();
            JsonValues.WriteHexObject(writer, first);
            JsonValues.WriteHexObject(writer, second);
            writer.WriteEndArray();
        }

        return true;
    }

    private static bool Text(Utf8JsonWriter? writer, ReadOnlySpan<byte> utf8)
    {
        if (writer is not null)
        {
            JsonValues.WriteText(writer, utf8);
        }

        return true;
    }
}
