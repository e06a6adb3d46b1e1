using System.CommandLine;
using Ipv8.Cli.Dissector;
using Ipv8.Cli.Hosting;
using Ipv8.Shared;
using Ipv8.Wire.Discovery;
using Ipv8.Wire.Schemas;

namespace Ipv8.Cli.Commands;

/// <summary>
/// <c>ipv8 dissector --out FILE.lua [--schema FILE]</c>: writes a Wireshark Lua dissector generated from the message
/// registry (the discovery messages and DiscoveryCommunity's) and a schema's messages.
/// </summary>
internal static class DissectorCommand
{
    public static Command Create()
    {
        var output = CliArguments.OutputFile("--out", "The Lua file to write (overwritten if it exists).");
        output.HelpName = "file.lua";
        output.Required = true;
        var schema = new Option<SchemaSet?>("--schema")
        {
            Description = "A JSON schema of a community's own messages (as for decode): their fields become ipv8.<message>.<field> too.",
            HelpName = "file",
            CustomParser = result =>
            {
                var path = result.Tokens.Count > 0 ? result.Tokens[0].Value : string.Empty;
                if (!DecodeCommand.TryLoadSchema(path, out var loaded, out var error))
                {
                    result.AddError(error);
                }

                return loaded;
            },
        };
        var command = new Command("dissector", "Write a Wireshark Lua dissector for IPv8, generated from the message registry (discovery messages, DiscoveryCommunity) and a --schema's messages: a heuristic on UDP (any port), with filterable fields ipv8.msg_id, ipv8.msg_name, ipv8.public_key, ipv8.mid, ipv8.global_time, ipv8.<message>.<field>, ….")
        {
            output,
            schema,
        };
        command.SetAction(result => Run(result.GetValue(output)!, result.GetValue(schema), result.InvocationConfiguration.Output, result.InvocationConfiguration.Error));
        return command;
    }

    /// <summary>Writes the dissector; returns the exit code (1 when the file cannot be written).</summary>
    public static int Run(FileInfo file, SchemaSet? schema, TextWriter output, TextWriter error)
    {
        LuaDissector.Result generated;
        try
        {
            generated = LuaDissector.Generate(DiscoveryCommunityKinds.Registry, schema);
        }
        catch (InvalidOperationException e)
        {
            error.WriteLine($"error: {e.Message}");
            return 1;
        }

        try
        {
            File.WriteAllText(file.FullName, generated.Lua);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            error.WriteLine(OutputFiles.CannotWrite("--out", file, e).ReplaceLineEndings(" "));
            return 1;
        }

        output.WriteLine($"wrote {file.FullName}: {generated.Messages} messages, {generated.Fields} payload fields");
        output.WriteLine($"load it with: tshark -X lua_script:{file.FullName} -o udp.try_heuristic_first:TRUE -r CAPTURE.pcapng -Y ipv8");
        return 0;
    }
}
