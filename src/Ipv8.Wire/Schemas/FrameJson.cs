using System.Text.Json;

namespace Ipv8.Wire.Schemas;

/// <summary>
/// Writes what can be known of any py-ipv8 datagram without knowing its messages: the frame
/// <c>{"prefix":hex,"community_id":hex,"msg_id":n,"signed":bool,"public_key":hex,"signature_valid":bool,"payload":hex}</c>.
/// </summary>
/// <remarks>
/// Whether a message is signed is not on the wire. A datagram counts as signed when, after the message id, it holds a
/// <c>varlenH</c> public key (a LibNaCL key, or the DER of one of py-ipv8's EC keys) and room for that key's signature;
/// <c>public_key</c> and <c>signature_valid</c> (the signature checked with that key) are then present, and
/// <c>payload</c> is the bytes between key and signature. Otherwise it counts as unsigned and <c>payload</c> is every
/// byte after the message id. An unsigned message whose payload happens to start like a key would be shown as signed
/// with <c>"signature_valid": false</c>.
/// </remarks>
internal static class FrameJson
{
    private static readonly JsonEncodedText s_prefix = JsonEncodedText.Encode("prefix");
    private static readonly JsonEncodedText s_communityId = JsonEncodedText.Encode("community_id");
    private static readonly JsonEncodedText s_messageId = JsonEncodedText.Encode("msg_id");
    private static readonly JsonEncodedText s_signed = JsonEncodedText.Encode("signed");
    private static readonly JsonEncodedText s_publicKey = JsonEncodedText.Encode("public_key");
    private static readonly JsonEncodedText s_signatureValid = JsonEncodedText.Encode("signature_valid");
    private static readonly JsonEncodedText s_payload = JsonEncodedText.Encode("payload");

    /// <summary>Writes the frame of <paramref name="datagram"/> as one JSON object. Fails, writing nothing, only when it is shorter than a prefix and a message id.</summary>
    public static bool TryWrite(Utf8JsonWriter writer, ReadOnlySpan<byte> datagram, out WireError error)
    {
        ArgumentNullException.ThrowIfNull(writer);
        if (datagram.Length < Packet.HeaderLength)
        {
            error = WireError.TooShort;
            return false;
        }

        writer.WriteStartObject();
        writer.WritePropertyName(s_prefix);
        JsonValues.WriteHexString(writer, datagram[..Packet.PrefixLength]);
        writer.WritePropertyName(s_communityId);
        JsonValues.WriteHexString(writer, datagram[2..Packet.PrefixLength]);
        writer.WriteNumber(s_messageId, datagram[Packet.PrefixLength]);
        if (Packet.TryParseSigned(datagram, out var packet, out _))
        {
            writer.WriteBoolean(s_signed, true);
            writer.WritePropertyName(s_publicKey);
            JsonValues.WriteHexString(writer, packet.PublicKeyBin);
            writer.WriteBoolean(s_signatureValid, packet.VerifySignature());
            writer.WritePropertyName(s_payload);
            JsonValues.WriteHexString(writer, packet.Body);
        }
        else
        {
            writer.WriteBoolean(s_signed, false);
            writer.WritePropertyName(s_payload);
            JsonValues.WriteHexString(writer, datagram[Packet.HeaderLength..]);
        }

        writer.WriteEndObject();
        error = WireError.None;
        return true;
    }
}
