using System.CommandLine;
using System.Text.Json;
using CommunityToolkit.HighPerformance.Buffers;
using Ipv8.Cli.Capture;
using Ipv8.Wire.Schemas;

namespace Ipv8.Cli.Commands;

/// <summary>
/// <c>ipv8 decode [--schema FILE] [HEX ...]</c> and <c>ipv8 decode --pcap FILE [--schema FILE]</c>: prints one JSON line
/// per packet (signatures verified); from a capture file, one per UDP datagram that looks like IPv8, with its capture
/// time and addresses.
/// </summary>
internal static class DecodeCommand
{
    public static Command Create()
    {
        var packets = new Argument<string[]>("hex")
        {
            Description = "Packets in hex. With none, reads one hex packet per line from standard input.",
            Arity = ArgumentArity.ZeroOrMore,
        };

        // A hex packet never starts with '-': such a token is an option this command does not have, which the
        // argument would otherwise take as a packet.
        packets.Validators.Add(result =>
        {
            foreach (var token in result.Tokens)
            {
                if (token.Value.StartsWith('-'))
                {
                    result.AddError($"Unrecognized command or argument '{token.Value}'.");
                }
            }
        });
        var schema = new Option<SchemaSet?>("--schema")
        {
            Description = "A JSON schema of the community's messages in py-ipv8's format names, to decode its own messages (see docs/cli.md).",
            HelpName = "file",
            CustomParser = result =>
            {
                var path = result.Tokens.Count > 0 ? result.Tokens[0].Value : string.Empty;
                if (!TryLoadSchema(path, out var loaded, out var error))
                {
                    result.AddError(error);
                }

                return loaded;
            },
        };
        var pcap = new Option<string?>("--pcap")
        {
            Description = "Decode the UDP datagrams of a capture file (pcap or pcapng, as tshark, dumpcap and tcpdump write them; - for standard input) that look like IPv8, on any port: one line each, with the frame number, capture time, source and destination.",
            HelpName = "file",
        };
        pcap.Validators.Add(result =>
        {
            if (result.Tokens.Count == 1 && string.IsNullOrWhiteSpace(result.Tokens[0].Value))
            {
                result.AddError("--pcap needs a file name, got ''");
            }
        });
        var command = new Command("decode", "Decode IPv8 packets of any community into JSON, one line per packet: discovery messages, DiscoveryCommunity's messages (by its prefix), the messages of a --schema, and the frame of any other; from hex arguments, standard input or a capture file (--pcap).")
        {
            packets,
            schema,
            pcap,
        };
        command.Validators.Add(result =>
        {
            string? file;
            try
            {
                file = result.GetValue(pcap);
            }
            catch (InvalidOperationException)
            {
                // --pcap without a value, or given twice: that option's own error says so.
                return;
            }

            // The packets are read only with --pcap: reading them here first would skip their own check (no '-').
            if (file is not null && result.GetValue(packets) is { Length: > 0 })
            {
                result.AddError("--pcap reads the packets from the capture file; give no hex packets with it");
            }
        });
        command.SetAction(result => result.GetValue(pcap) is { } file
            ? PcapDecoder.Run(file, result.GetValue(schema), result.InvocationConfiguration.Output, result.InvocationConfiguration.Error)
            : Run(result.GetValue(packets) ?? [], result.GetValue(schema), Console.In, result.InvocationConfiguration.Output));
        return command;
    }

    /// <summary>Reads a schema file; on failure, a one-line error naming the option and the file.</summary>
    public static bool TryLoadSchema(string path, out SchemaSet? schema, out string error)
    {
        schema = null;
        error = string.Empty;
        if (Directory.Exists(path))
        {
            error = $"--schema '{path}' is a directory, not a file";
            return false;
        }

        try
        {
            schema = SchemaSet.Load(path);
            return true;
        }
        catch (SchemaException e)
        {
            error = $"--schema {path}: {e.Message}";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            error = $"--schema {path}: cannot read the file: {e.Message}";
        }

        error = error.ReplaceLineEndings(" ");
        return false;
    }

    /// <summary>Decodes every packet; returns the exit code (0: all input was read, whatever it held).</summary>
    public static int Run(IReadOnlyList<string> hexPackets, SchemaSet? schema, TextReader input, TextWriter output)
    {
        if (hexPackets.Count > 0)
        {
            foreach (var hex in hexPackets)
            {
                output.WriteLine(DecodeLine(hex, schema));
            }

            return 0;
        }

        while (input.ReadLine() is { } line)
        {
            if (!string.IsNullOrWhiteSpace(line))
            {
                output.WriteLine(DecodeLine(line, schema));
            }
        }

        return 0;
    }

    /// <summary>Decodes one hex packet into a one-line JSON object, or <c>{"error":reason}</c>.</summary>
    public static string DecodeLine(string hex, SchemaSet? schema = null)
    {
        var text = hex.Trim();
        if (text.Length % 2 != 0 || !IsHex(text))
        {
            return ErrorJson("invalid hex");
        }

        var datagram = Convert.FromHexString(text);
        using var buffer = new ArrayPoolBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, Hosting.Json.WriterOptions))
        {
            if (!PacketJson.TryWrite(writer, datagram, schema, out var reason))
            {
                return ErrorJson(reason);
            }
        }

        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
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

    private static string ErrorJson(string reason) => Hosting.Json.Write(writer =>
    {
        writer.WriteStartObject();
        writer.WriteString("error", reason);
        writer.WriteEndObject();
    });
}
