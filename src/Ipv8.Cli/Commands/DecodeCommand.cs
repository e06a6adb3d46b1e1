using System.CommandLine;
using System.Text.Json;
using Ipv8.Wire;
using Ipv8.Wire.Discovery;

namespace Ipv8.Cli.Commands;

/// <summary><c>ipv8 decode [HEX ...]</c>: prints one JSON line per packet (signatures verified).</summary>
internal static class DecodeCommand
{
    public static Command Create()
    {
        var packets = new Argument<string[]>("hex")
        {
            Description = "Packets in hex. With none, reads one hex packet per line from standard input.",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var command = new Command("decode", "Decode IPv8 discovery packets of any community into JSON, one line per packet.")
        {
            packets,
        };
        command.SetAction(result => Run(result.GetValue(packets) ?? [], Console.In, result.InvocationConfiguration.Output));
        return command;
    }

    /// <summary>Decodes every packet; returns the exit code (0: all input was read, whatever it held).</summary>
    public static int Run(IReadOnlyList<string> hexPackets, TextReader input, TextWriter output)
    {
        if (hexPackets.Count > 0)
        {
            foreach (var hex in hexPackets)
            {
                output.WriteLine(DecodeLine(hex));
            }

            return 0;
        }

        while (input.ReadLine() is { } line)
        {
            if (!string.IsNullOrWhiteSpace(line))
            {
                output.WriteLine(DecodeLine(line));
            }
        }

        return 0;
    }

    /// <summary>Decodes one hex packet into a one-line JSON object, or <c>{"error":reason}</c>.</summary>
    public static string DecodeLine(string hex)
    {
        var text = hex.Trim();
        if (text.Length % 2 != 0 || !IsHex(text))
        {
            return ErrorJson("invalid hex");
        }

        var datagram = Convert.FromHexString(text);
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            if (!DiscoveryJson.TryWrite(writer, datagram, out var error))
            {
                return ErrorJson(error == WireError.UnknownMessage
                    ? $"not a discovery message: msg_id {datagram[Packet.PrefixLength]}"
                    : error.Describe());
            }
        }

        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    private static bool IsHex(string text)
    {
        foreach (var c in text)
        {
            if (!char.IsAsciiHexDigit(c))
            {
                return false;
            }
        }

        return true;
    }

    private static string ErrorJson(string reason)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            writer.WriteString("error", reason);
            writer.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }
}
