using System.CommandLine;
using Ipv8.Cli.Hosting;
using Ipv8.Engine;

namespace Ipv8.Cli.Commands;

/// <summary><c>ipv8 keygen --out FILE</c>: writes a new LibNaCL private key bin, readable by its owner only (<see cref="KeyFile.Create"/>).</summary>
internal static class KeygenCommand
{
    public static Command Create()
    {
        var output = CliArguments.OutputFile("--out", "Where to write the new private key (the 74-byte LibNaCLSK: bin). Must not exist yet.");
        output.Required = true;
        var command = new Command("keygen", "Generate a new LibNaCL private key.") { output };
        command.SetAction(result => Run(result.GetValue(output)!, result.InvocationConfiguration.Output, result.InvocationConfiguration.Error));
        return command;
    }

    public static int Run(FileInfo file, TextWriter output, TextWriter error)
    {
        try
        {
            using var created = KeyFile.Create(file.FullName);
            using var key = created.Key;
            output.WriteLine($"wrote {created.Path}; public key {key.PublicKey}, mid {Convert.ToHexStringLower(key.PublicKey.Mid)}");
            return 0;
        }
        catch (IOException) when (File.Exists(file.FullName))
        {
            error.WriteLine($"error: {AlreadyExists(file)}");
            return 1;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            error.WriteLine($"error: {ex.Message}");
            return 1;
        }
    }

    /// <summary>The refusal to overwrite a key: keygen never replaces one (it may be the only copy of a node's identity).</summary>
    private static string AlreadyExists(FileInfo file) =>
        $"--out '{file.FullName}' already exists; keygen never overwrites a key: choose another path, or delete the file first.";
}
