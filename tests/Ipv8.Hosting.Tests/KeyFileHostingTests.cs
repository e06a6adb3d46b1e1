using Ipv8.Engine;
using Ipv8.Engine.Communities;
using Ipv8.Engine.Endpoints;
using Ipv8.Tests.Shared;
using Ipv8.Wire.Crypto;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Ipv8.Hosting.Tests;

/// <summary>
/// docs/getting-started.md runs its program twice, the second time with <c>--Ipv8:KeyFile=second.key</c>: two nodes with
/// one key are one identity and never meet, so a key file is held while its node runs.
/// </summary>
public sealed class KeyFileHostingTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("ipv8-keyfile-");

    public void Dispose() => _directory.Delete(recursive: true);

    [Fact]
    public async Task A_second_host_on_the_key_file_of_a_running_host_fails_the_start_saying_to_give_it_its_own()
    {
        await using var tracker = LoopbackTracker.Start();
        using var first = BuildHost(tracker, []);
        await first.StartAsync();

        using var second = BuildHost(tracker, []);
        var error = await Assert.ThrowsAnyAsync<OptionsValidationException>(() => second.StartAsync());

        Assert.StartsWith($"Ipv8:KeyFile {Path.Combine(_directory.FullName, "greeter.key")} is in use by another running node", error.Message, StringComparison.Ordinal);
        Assert.Contains("give each node a key file of its own", error.Message, StringComparison.Ordinal);
        await first.StopAsync();
    }

    [Fact]
    public async Task The_getting_started_programs_check_before_running_refuses_a_key_file_in_use_with_one_line_before_the_host_starts()
    {
        await using var tracker = LoopbackTracker.Start();
        using var first = BuildHost(tracker, []);
        await first.StartAsync();

        using var second = BuildHost(tracker, []);
        var error = Assert.ThrowsAny<OptionsValidationException>(() => second.Services.GetRequiredService<Ipv8Node>());

        Assert.Equal(
            $"Ipv8:KeyFile {Path.Combine(_directory.FullName, "greeter.key")} is in use by another running node: two nodes with one key are one identity (each takes the other's messages for its own), so give each node a key file of its own.",
            error.Message);
        await first.StopAsync();
    }

    [Theory]
    [InlineData("--Ipv8:Port=-5", "Ipv8:Port -5 is not from 0 to 65535.")]
    [InlineData("--Ipv8:KeyFile={dir}", "Ipv8:KeyFile {dir} is a directory, not a key file.")]
    public async Task The_getting_started_programs_check_before_running_refuses_a_bad_setting_with_one_line(string argument, string expected)
    {
        await using var tracker = LoopbackTracker.Start();
        using var host = BuildHost(tracker, [argument.Replace("{dir}", _directory.FullName, StringComparison.Ordinal)]);

        var error = Assert.ThrowsAny<OptionsValidationException>(() => host.Services.GetRequiredService<Ipv8Node>());

        Assert.Equal(expected.Replace("{dir}", _directory.FullName, StringComparison.Ordinal), error.Message);
    }

    [Fact]
    public async Task Two_getting_started_programs_meet_when_the_second_gets_its_own_key_file_on_the_command_line()
    {
        await using var tracker = LoopbackTracker.Start();
        using var first = BuildHost(tracker, []);
        using var second = BuildHost(tracker, [$"--Ipv8:KeyFile={Path.Combine(_directory.FullName, "second.key")}"]);
        await first.StartAsync();
        await second.StartAsync();
        var a = first.Services.GetRequiredService<ChatCommunity>();
        var b = second.Services.GetRequiredService<ChatCommunity>();

        Assert.NotEqual(a.Key.PublicKey, b.Key.PublicKey);
        await Eventually.AssertAsync(
            () => a.GetPeers().Any(p => p.Key.Equals(b.Key.PublicKey)) && b.GetPeers().Any(p => p.Key.Equals(a.Key.PublicKey)),
            "the two nodes to verify each other through the tracker",
            TimeSpan.FromSeconds(60));
        Assert.Equal(LibNaClPrivateKey.BinLength, new FileInfo(Path.Combine(_directory.FullName, "greeter.key")).Length);
        Assert.Equal(LibNaClPrivateKey.BinLength, new FileInfo(Path.Combine(_directory.FullName, "second.key")).Length);

        await second.StopAsync();
        await first.StopAsync();
    }

    /// <summary>The getting-started program: its appsettings.json (the key file in the test folder), and the command line.</summary>
    private IHost BuildHost(Ipv8Node tracker, string[] args)
    {
        File.WriteAllText(Path.Combine(_directory.FullName, "appsettings.json"), $$"""
            {
              "Ipv8": {
                "Port": 0,
                "Interfaces": [ "127.0.0.1" ],
                "KeyFile": "{{Path.Combine(_directory.FullName, "greeter.key")}}",
                "Bootstrap": { "Addresses": [ "{{tracker.Endpoint.Ipv4Address}}" ] }
              }
            }
            """);
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            ContentRootPath = _directory.FullName,
            Args = args,
            EnvironmentName = "Testing",
        });
        builder.Logging.ClearProviders();
        builder.Services.AddIpv8(builder.Configuration.GetSection("Ipv8"), options => options.LoopbackOnly = true).AddCommunity<ChatCommunity>();
        return builder.Build();
    }
}
