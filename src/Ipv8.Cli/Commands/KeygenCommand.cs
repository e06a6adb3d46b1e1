using System.CommandLine;
using Ipv8.Wire.Crypto;

namespace Ipv8.Cli.Commands;

/// <summary><c>ipv8 keygen --out FILE</c>: writes a new LibNaCL private key bin, readable by its owner only.</summary>
internal static class KeygenCommand
{
    public static Command Create()
    {
        var output = new Option<FileInfo>("--out")
        {
            Description = "Where to write the new private key (the 74-byte LibNaCLSK: bin). Must not exist yet.",
            Required = true,
        };
        var command = new Command("keygen", "Generate a new LibNaCL private key.") { output };
        command.SetAction(result => Run(result.GetValue(output)!, result.InvocationConfiguration.Output, result.InvocationConfiguration.Error));
        return command;
    }

    public static int Run(FileInfo file, TextWriter output, TextWriter error)
    {
        using var key = LibNaClPrivateKey.Generate();
        var options = new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
        };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        try
        {
            using var stream = new FileStream(file.FullName, options);
            stream.Write(key.ToBin());
        }
        catch (IOException ex)
        {
            error.WriteLine($"error: cannot write {file.FullName}: {ex.Message}");
            return 1;
        }
        catch (UnauthorizedAccessException ex)
        {
            error.WriteLine($"error: cannot write {file.FullName}: {ex.Message}");
            return 1;
        }

        output.WriteLine($"wrote {file.FullName}; public key {key.PublicKey}, mid {Convert.ToHexStringLower(key.PublicKey.Mid)}");
        return 0;
    }
}
