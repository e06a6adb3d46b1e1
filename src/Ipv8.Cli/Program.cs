using System.CommandLine;
using Ipv8.Cli.Commands;

var root = new RootCommand("ipv8: tools for Ipv8 for .NET, a py-ipv8 compatible peer-to-peer overlay.")
{
    DecodeCommand.Create(),
    KeygenCommand.Create(),
};

var parsed = root.Parse(args);
if (parsed.Errors.Count > 0)
{
    // One line, as the CLI contract asks; `ipv8 COMMAND --help` shows the usage.
    Console.Error.WriteLine($"error: {string.Join("; ", parsed.Errors.Select(e => e.Message))} (see 'ipv8 --help')");
    return 2;
}

return parsed.Invoke();
