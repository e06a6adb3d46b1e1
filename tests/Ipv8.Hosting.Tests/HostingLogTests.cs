using System.Collections.Concurrent;
using Ipv8.Engine;
using Ipv8.Tests.Shared;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Ipv8.Hosting.Tests;

/// <summary>The hosted node's log lines (docs/logging.md).</summary>
public sealed class HostingLogTests
{
    [Fact]
    public void Every_hosting_log_event_has_a_unique_id_and_a_row_in_docs_logging_md() =>
        LogEventTable.AssertDocumented(typeof(Ipv8Options).Assembly, id => id is >= 7000 and < 8000);

    [Fact]
    public async Task The_hosted_node_logs_its_bound_addresses_and_mid_in_hex_its_endpoint_lines_and_a_summary_at_the_set_interval()
    {
        var lines = new ConcurrentQueue<(int Id, string Message)>();
        using var host = BuildHost(lines, port: 0, options =>
        {
            options.Name = "hosted";
            options.SummaryInterval = TimeSpan.FromMilliseconds(100);
        });
        await host.StartAsync();
        try
        {
            var node = host.Services.GetRequiredService<Ipv8Node>();
            var listening = Assert.Single(lines, l => l.Id == 7003);
            Assert.Equal(
                $"Ipv8 node hosted (mid {Convert.ToHexStringLower(node.MyPeer.Mid)}, public key {node.Key.PublicKey}) listening on {node.Endpoint.Ipv4Address}",
                listening.Message);
            Assert.Single(lines, l => l.Id == 7001);
            Assert.Single(lines, l => l.Id == 3001 && l.Message.StartsWith($"UDP endpoint open on {node.Endpoint.Ipv4Address}; workers per socket: 1", StringComparison.Ordinal));
            await Eventually.AssertAsync(() => lines.Any(l => l.Id == 1004 && l.Message.StartsWith("Node hosted: peers: 0 (ChatCommunity 0); last 0.1 s: ", StringComparison.Ordinal)), "the summary line", TimeSpan.FromSeconds(25));
        }
        finally
        {
            await host.StopAsync();
        }
    }

    [Fact]
    public async Task A_port_in_use_is_logged_by_the_host_as_one_line_naming_the_port_and_the_settings_without_a_stack_trace()
    {
        using var taken = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Dgram, System.Net.Sockets.ProtocolType.Udp);
        taken.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
        var port = ((System.Net.IPEndPoint)taken.LocalEndPoint!).Port;
        var lines = new ConcurrentQueue<(int Id, string Message)>();
        using var host = BuildHost(lines, port);

        var error = await Assert.ThrowsAnyAsync<Microsoft.Extensions.Options.OptionsValidationException>(() => host.StartAsync());

        var expected = $"Ipv8: cannot bind UDP port {port} on 127.0.0.1 (Ipv8:Port, Ipv8:Interfaces, Ipv8:PortRetries): UDP port {port} is already in use on 127.0.0.1.";
        Assert.Equal(expected, error.Message);
        Assert.Equal(expected, error.ToString()); // what the runtime prints after "Unhandled exception."
        // The host's own line (Microsoft.Extensions.Hosting event 11), as a console logger writes it: its message, then the exception's text.
        var failed = Assert.Single(lines, l => l.Message.StartsWith("Hosting failed to start", StringComparison.Ordinal));
        Assert.Equal($"Hosting failed to start{Environment.NewLine}{expected}", failed.Message);
        Assert.DoesNotContain(lines, l => l.Message.Contains("   at ", StringComparison.Ordinal));
    }

    public static TheoryData<string, string> OutOfRange => new()
    {
        { "port", "Ipv8:Port 70000 is not from 0 to 65535." },
        { "walk", "Ipv8:WalkInterval 00:00:00 is not from 1 ms to 49.7 days." },
        { "both", "Ipv8:Port -5 is not from 0 to 65535; Ipv8:MaxPeers -2 is not -1 (unlimited) or at least 0." },
    };

    [Theory]
    [MemberData(nameof(OutOfRange))]
    public async Task A_setting_out_of_range_is_one_line_naming_the_setting_the_value_and_the_range_without_a_stack_trace(string setting, string expected)
    {
        var lines = new ConcurrentQueue<(int Id, string Message)>();
        using var host = BuildHost(lines, 0, options =>
        {
            switch (setting)
            {
                case "port":
                    options.Port = 70000;
                    break;
                case "walk":
                    options.WalkInterval = TimeSpan.Zero;
                    break;
                default:
                    options.Port = -5;
                    options.MaxPeers = -2;
                    break;
            }
        });

        var error = await Assert.ThrowsAnyAsync<Microsoft.Extensions.Options.OptionsValidationException>(() => host.StartAsync());

        Assert.Equal(expected, error.Message);
        Assert.Equal(expected, error.ToString()); // what the runtime prints after "Unhandled exception."
        var failed = Assert.Single(lines, l => l.Message.StartsWith("Hosting failed to start", StringComparison.Ordinal));
        Assert.Equal($"Hosting failed to start{Environment.NewLine}{expected}", failed.Message);
        Assert.DoesNotContain(lines, l => l.Message.Contains("   at ", StringComparison.Ordinal));
    }

    // A host with one loopback-only node and a chat community, logging into lines.
    private static IHost BuildHost(ConcurrentQueue<(int Id, string Message)> lines, int port, Action<Ipv8Options>? configure = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [], EnvironmentName = "Testing" });
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(LogLevel.Information);
        builder.Logging.AddProvider(new Capture(lines));
        builder.Services.AddIpv8(builder.Configuration.GetSection(Ipv8Options.SectionName), options =>
        {
            options.Port = port;
            options.Interfaces = ["127.0.0.1"];
            options.LoopbackOnly = true;
            options.Workers = 1;
            options.DiscoveryCommunity = false;
            configure?.Invoke(options);
        }).AddCommunity<ChatCommunity>();
        return builder.Build();
    }

    private sealed class Capture(ConcurrentQueue<(int Id, string Message)> lines) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new Logger(lines);

        public void Dispose()
        {
        }

        private sealed class Logger(ConcurrentQueue<(int Id, string Message)> lines) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                lines.Enqueue((eventId.Id, exception is null ? formatter(state, exception) : $"{formatter(state, exception)}{Environment.NewLine}{exception}"));
        }
    }
}
