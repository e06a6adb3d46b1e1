using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Ipv8.Interop.Tests.Support;
using Ipv8.Tests.Shared;
using Ipv8.Wire;

namespace Ipv8.Interop.Tests;

/// <summary>
/// <see cref="HostAddress.Parse"/> against py-ipv8's own <c>Address</c> packer: for thousands of hosts near the edges of
/// <c>inet_pton</c> (numeric-looking text, mutated), the same address type and the same bytes.
/// </summary>
public class AddressPackingTests
{
    private static readonly string[] s_seeds =
    [
        "1.2.3.4", "0.0.0.0", "255.255.255.255", "10.0.0.1", "192.168.001.1", "::", "::1", "1::", "fe80::1",
        "2001:db8::a856", "1:2:3:4:5:6:7:8", "::ffff:1.2.3.4", "1:2:3:4:5:6:1.2.3.4", "::1.2.3.4", "ffff::ffff:ffff",
        "example.org", "tracker1.ip-v8.org", "[::1]", "fe80::1%eth0",
    ];

    private const string Alphabet = "0123456789abcdefABCDEFx:.%[] -";

    [SkippableFact]
    public async Task Parse_packs_every_host_exactly_as_py_ipv8s_address_format()
    {
        PyIpv8.Require();
        var random = new Random(20261129);
        var hosts = new List<(string Host, ushort Port)>();
        foreach (var seed in s_seeds)
        {
            hosts.Add((seed, 6421));
        }

        for (var i = 0; i < 4000; i++)
        {
            hosts.Add((Mutate(s_seeds[random.Next(s_seeds.Length)], random), (ushort)random.Next(65536)));
        }

        var expected = await PackWithPyIpv8Async(hosts);

        var mismatches = new List<string>();
        for (var i = 0; i < hosts.Count; i++)
        {
            var (host, port) = hosts[i];
            var address = HostAddress.Parse(host, port);
            var buffer = new byte[address.WireSize];
            var writer = new WireWriter(buffer);
            writer.WriteAddress(address);
            var actual = Convert.ToHexStringLower(buffer);
            if (actual != expected[i])
            {
                mismatches.Add($"'{host}': py-ipv8 {expected[i] ?? "refused"}, .NET {actual}");
            }
        }

        Assert.True(mismatches.Count == 0, $"{mismatches.Count} of {hosts.Count} differ:\n{string.Join('\n', mismatches.Take(20))}");

        // The mutations reached all three address types.
        Assert.Contains(expected, hex => hex!.StartsWith("01", StringComparison.Ordinal));
        Assert.Contains(expected, hex => hex!.StartsWith("03", StringComparison.Ordinal));
        Assert.True(expected.Count(hex => hex!.StartsWith("02", StringComparison.Ordinal)) > 100);
        Assert.True(expected.Count(hex => !hex!.StartsWith("02", StringComparison.Ordinal)) > 500);
    }

    // One to three random edits: replace, insert or delete a character from an address-like alphabet.
    private static string Mutate(string seed, Random random)
    {
        var text = new StringBuilder(seed);
        var edits = random.Next(0, 4);
        for (var e = 0; e < edits; e++)
        {
            var c = Alphabet[random.Next(Alphabet.Length)];
            switch (random.Next(3))
            {
                case 0 when text.Length > 0:
                    text[random.Next(text.Length)] = c;
                    break;
                case 1 when text.Length > 0:
                    text.Remove(random.Next(text.Length), 1);
                    break;
                default:
                    text.Insert(random.Next(text.Length + 1), c);
                    break;
            }
        }

        return text.ToString();
    }

    private static async Task<List<string?>> PackWithPyIpv8Async(List<(string Host, ushort Port)> hosts)
    {
        var info = new ProcessStartInfo(PyIpv8.Python)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardInputEncoding = new UTF8Encoding(false),
            StandardOutputEncoding = Encoding.UTF8,
        };
        info.ArgumentList.Add(Path.Combine(PyIpv8.Scripts, "pack_addresses.py"));
        info.Environment["PYTHONPATH"] = PyIpv8.Directory;
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {PyIpv8.Python}");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        var input = new JsonArray([.. hosts.Select(h => (JsonNode)new JsonArray(h.Host, h.Port))]);
        await process.StandardInput.WriteAsync(input.ToJsonString());
        process.StandardInput.Close();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new Xunit.Sdk.XunitException("pack_addresses.py did not finish within 60 s");
        }

        Assert.True(process.ExitCode == 0, $"pack_addresses.py failed: {await error}");
        return JsonSerializer.Deserialize<List<string?>>(await output) ?? throw new Xunit.Sdk.XunitException("no output from pack_addresses.py");
    }
}
