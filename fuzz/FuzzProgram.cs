using System.Buffers;
using System.Text.Json.Nodes;
using CommunityToolkit.HighPerformance;
using CommunityToolkit.HighPerformance.Buffers;
using Ipv8.Fuzz.Targets;
using Ipv8.Tests.Shared;
using SharpFuzz;

namespace Ipv8.Fuzz;

/// <summary>
/// <c>dotnet run -c Release --project fuzz -- COMMAND</c>:
/// <list type="bullet">
/// <item><c>replay DIR...</c>: runs every file in the folders through every target; prints each violation with its
/// file and exits 1 if there was any.</item>
/// <item><c>afl TARGET</c>: the SharpFuzz entry point for AFL++ (see run-afl.sh); also reads one input from stdin.</item>
/// <item><c>corpus OUTDIR</c>: writes a seed corpus per target, generated from ../shared/vectors.</item>
/// <item><c>list</c>: the target names.</item>
/// </list>
/// </summary>
public static class FuzzProgram
{
    /// <summary>Runs a command; returns the exit code.</summary>
    public static int Run(string[] args) => args switch
    {
        ["replay", .. var folders] when folders.Length > 0 => Replay(folders),
        ["afl", var name] when FuzzTargets.Find(name) is { } target => Afl(target),
        ["corpus", var outDir] => Corpus(outDir),
        ["list"] => List(),
        _ => Usage(),
    };

    private static int Usage()
    {
        Console.Error.WriteLine("usage: fuzz replay DIR... | afl {" + string.Join('|', FuzzTargets.All.Select(t => t.Name)) + "} | corpus OUTDIR | list");
        return 2;
    }

    private static int List()
    {
        foreach (var target in FuzzTargets.All)
        {
            Console.WriteLine(target.Name);
        }

        return 0;
    }

    private static int Afl(IFuzzTarget target)
    {
        // One pooled buffer for every input of the fork server, instead of a MemoryStream and a copy per input.
        using var input = new ArrayPoolBufferWriter<byte>();
        using var sink = ((IBufferWriter<byte>)input).AsStream();
        Fuzzer.OutOfProcess.Run(stream =>
        {
            input.Clear();
            stream.CopyTo(sink);
            target.Run(input.WrittenSpan);
        });
        return 0;
    }

    private static int Replay(string[] folders)
    {
        var files = folders.SelectMany(f => Directory.Exists(f)
                ? Directory.EnumerateFiles(f, "*", SearchOption.AllDirectories)
                : throw new DirectoryNotFoundException($"no such folder: {f}"))
            .Where(f => !Path.GetFileName(f).StartsWith('.') && !f.EndsWith(".md", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .ToList();
        var violations = 0;
        foreach (var file in files)
        {
            var input = File.ReadAllBytes(file);
            foreach (var target in FuzzTargets.All)
            {
                try
                {
                    target.Run(input);
                }
                catch (Exception ex)
                {
                    violations++;
                    Console.Error.WriteLine($"VIOLATION {target.Name} {file}: {ex.GetType().Name}: {ex.Message}");
                }
            }
        }

        Console.WriteLine($"replayed {files.Count} files through {FuzzTargets.All.Count} targets: {violations} violations");
        return violations == 0 ? 0 : 1;
    }

    private static int Corpus(string outDir)
    {
        var vectors = JsonNode.Parse(File.ReadAllText(Path.Combine(RepoPaths.Vectors, "community.json")))!.AsObject();
        var packets = vectors["vectors"]!.AsArray().Select(v => Convert.FromHexString((string)v!["packet"]!))
            .Concat(vectors["malformed"]!.AsArray().Select(v => Convert.FromHexString((string)v!["packet"]!)))
            .ToList();

        var packetDir = Directory.CreateDirectory(Path.Combine(outDir, "packet")).FullName;
        var payloadDir = Directory.CreateDirectory(Path.Combine(outDir, "payload")).FullName;
        var communityDir = Directory.CreateDirectory(Path.Combine(outDir, "community")).FullName;
        for (var i = 0; i < packets.Count; i++)
        {
            File.WriteAllBytes(Path.Combine(packetDir, $"vector-{i:D3}"), packets[i]);
        }

        // Payload seeds: the payload bytes of each vector, behind the type selector byte.
        for (var i = 0; i < packets.Count; i++)
        {
            // The discovery messages are [GlobalTime, payload]: the payload starts after the 8-byte time.
            if (Ipv8.Wire.Packet.TryParseSigned(packets[i], out var signed, out _) && signed.Body.Length >= 8)
            {
                File.WriteAllBytes(Path.Combine(payloadDir, $"vector-{i:D3}"), [0, .. signed.Body[8..]]);
                File.WriteAllBytes(Path.Combine(payloadDir, $"vector-{i:D3}-arrays"), [1, .. signed.Body[8..]]);
            }
        }

        // Community seeds: each signed vector's payloads re-signed (kind 1), and raw vectors under our prefix (kind 0).
        var id = 0;
        foreach (var packet in packets.Where(p => p.Length > 23))
        {
            var record = new List<byte>();
            if (Ipv8.Wire.Packet.TryParseSigned(packet, out var signed, out _))
            {
                byte[] body = [packet[22], (byte)id, .. signed.Body];
                record.AddRange([1, (byte)id, (byte)(body.Length >> 8), (byte)body.Length, .. body]);
            }

            byte[] raw = [.. packet];
            record.AddRange([0, (byte)(id + 1), (byte)(raw.Length >> 8), (byte)raw.Length, .. raw]);
            File.WriteAllBytes(Path.Combine(communityDir, $"vector-{id++:D3}"), [.. record]);
        }

        Console.WriteLine($"wrote seeds for {FuzzTargets.All.Count} targets to {Path.GetFullPath(outDir)}");
        return 0;
    }
}
