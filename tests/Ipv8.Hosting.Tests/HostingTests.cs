using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Sockets;
using Ipv8.Engine;
using Ipv8.Engine.Bootstrapping;
using Ipv8.Engine.Communities;
using Ipv8.Engine.Discovery;
using Ipv8.Engine.Endpoints;
using Ipv8.Tests.Shared;
using Ipv8.Wire;
using Ipv8.Wire.Crypto;
using Ipv8.Wire.Discovery;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpenTelemetry;
using OpenTelemetry.Metrics;

namespace Ipv8.Hosting.Tests;

/// <summary>services.AddIpv8: options from appsettings.json, communities from DI, the hosted node's lifetime.</summary>
public sealed class HostingTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("ipv8-hosting-");

    public void Dispose() => _directory.Delete(recursive: true);

    [Fact]
    public async Task Configuration_binds_port_interfaces_key_file_bootstrap_max_peers_and_walkers_from_appsettings_json()
    {
        using var key = LibNaClPrivateKey.Generate();
        var keyFile = Path.Combine(_directory.FullName, "node.key");
        await File.WriteAllBytesAsync(keyFile, key.ToBin());
        WriteAppSettings($$"""
            {
              "Ipv8": {
                "Port": 0,
                "Interfaces": [ "127.0.0.1" ],
                "LoopbackOnly": true,
                "KeyFile": "{{keyFile}}",
                "Bootstrap": { "Addresses": [ "127.0.0.1:6421", "[::1]:6422" ], "Interval": "00:00:05" },
                "MaxPeers": 25,
                "WalkInterval": "00:00:00.2",
                "Walkers": [ { "Strategy": "RandomWalk", "TargetPeers": 15, "Timeout": "00:00:02", "WindowSize": 3 } ],
                "Communities": {
                  "Other": { "MaxPeers": 7, "NoBootstrap": true, "Walkers": [ { "Strategy": "EdgeWalk", "TargetPeers": -1, "NeighborhoodSize": 2 } ] }
                }
              }
            }
            """);

        using var host = BuildHost(ipv8 => ipv8
            .AddCommunity<ChatCommunity>()
            .AddCommunity("Other", (_, settings) => new ChatCommunity(TestIds.Other, settings)));
        await host.StartAsync();

        var node = host.Services.GetRequiredService<Ipv8Node>();
        Assert.True(node.IsRunning);
        Assert.Equal(key.PublicKey, node.Key.PublicKey);
        Assert.Equal("127.0.0.1", node.Endpoint.Ipv4Address!.Value.HostToString());
        Assert.NotEqual(0, node.Endpoint.Ipv4Address!.Value.Port);
        Assert.Null(node.Endpoint.Ipv6Address);

        var chat = node.Communities.Single(c => c.CommunityId == TestIds.Chat);
        var other = node.Communities.Single(c => c.CommunityId == TestIds.Other);
        Assert.Equal(25, chat.MaxPeers);
        Assert.Equal(7, other.MaxPeers);
        var bootstrapper = Assert.IsType<AddressListBootstrapper>(Assert.Single(chat.Bootstrappers));
        Assert.Equal(TimeSpan.FromSeconds(5), bootstrapper.BootstrapInterval);
        Assert.Contains("2 addresses, 0 names", bootstrapper.ToString(), StringComparison.Ordinal);
        Assert.Empty(other.Bootstrappers);

        var strategies = node.Strategies.Where(s => s.Community is not DiscoveryCommunity).ToList();
        var random = Assert.IsType<RandomWalk>(strategies.Single(s => s.Community == chat).Strategy);
        Assert.Equal((TimeSpan.FromSeconds(2), 3), (random.Timeout, random.WindowSize));
        Assert.Equal(15, strategies.Single(s => s.Community == chat).TargetPeers);
        var edge = Assert.IsType<EdgeWalk>(strategies.Single(s => s.Community == other).Strategy);
        Assert.Equal(2, edge.NeighborhoodSize);
        Assert.Equal(-1, strategies.Single(s => s.Community == other).TargetPeers);

        // Each community is also a singleton service of its type (the last registered one for GetRequiredService).
        Assert.Equal([chat, other], host.Services.GetServices<ChatCommunity>());
        await host.StopAsync();
    }

    [Fact]
    public async Task Defaults_give_one_random_walk_to_20_peers_max_peers_30_and_a_new_key()
    {
        using var host = BuildHost(ipv8 => ipv8.AddCommunity<ChatCommunity>(), options =>
        {
            options.Port = 0;
            options.Interfaces = ["127.0.0.1"];
        });
        var node = host.Services.GetRequiredService<Ipv8Node>();
        var community = host.Services.GetRequiredService<ChatCommunity>();
        Assert.Equal(30, community.MaxPeers);
        var (_, strategy, target) = Assert.Single(node.Strategies, s => s.Community == community);
        Assert.IsType<RandomWalk>(strategy);
        Assert.Equal(20, target);
        Assert.Empty(community.Bootstrappers);
        var options = host.Services.GetRequiredService<IOptions<Ipv8Options>>().Value;
        Assert.Null(options.KeyFile);
        Assert.Equal(TimeSpan.FromSeconds(0.5), options.WalkInterval);
        await Task.CompletedTask;
    }

    [Fact]
    public void By_default_the_node_runs_py_ipv8s_DiscoveryCommunity_with_RandomWalk_RandomChurn_and_PeriodicSimilarity()
    {
        // py-ipv8's default configuration: DiscoveryCommunity with RandomWalk (20 peers), RandomChurn and
        // PeriodicSimilarity (always), next to the application's overlays.
        using var host = BuildHost(ipv8 => ipv8.AddCommunity<ChatCommunity>(), Loopback);
        var node = host.Services.GetRequiredService<Ipv8Node>();
        var discovery = host.Services.GetRequiredService<DiscoveryCommunity>();
        Assert.Contains(discovery, node.Communities);
        Assert.Equal(DiscoveryCommunityMessages.CommunityId, discovery.CommunityId);
        Assert.Equal(30, discovery.MaxPeers);
        var strategies = node.Strategies.Where(s => s.Community == discovery).Select(s => (s.Strategy.GetType(), s.TargetPeers)).ToList();
        Assert.Equal([(typeof(RandomWalk), 20), (typeof(RandomChurn), -1), (typeof(PeriodicSimilarity), -1)], strategies);

        // It answers similarity requests for the application's community: the chat community is one of its services.
        Assert.Contains(TestIds.Chat, discovery.Network.ServiceProviders.Keys);
    }

    [Fact]
    public void The_DiscoveryCommunity_takes_its_settings_from_Communities_DiscoveryCommunity_and_can_be_turned_off()
    {
        WriteAppSettings("""
            {
              "Ipv8": {
                "Communities": {
                  "DiscoveryCommunity": {
                    "MaxPeers": 12,
                    "NoBootstrap": true,
                    "Walkers": [
                      { "Strategy": "EdgeWalk", "TargetPeers": 10 },
                      { "Strategy": "RandomChurn", "TargetPeers": -1 }
                    ]
                  }
                }
              }
            }
            """);
        using (var host = BuildHost(ipv8 => ipv8.AddCommunity<ChatCommunity>(), options =>
        {
            Loopback(options);
            options.Bootstrap.Addresses = ["127.0.0.1:6421"];
        }))
        {
            var node = host.Services.GetRequiredService<Ipv8Node>();
            var discovery = host.Services.GetRequiredService<DiscoveryCommunity>();
            Assert.Equal(12, discovery.MaxPeers);
            Assert.Empty(discovery.Bootstrappers);
            Assert.NotEmpty(host.Services.GetRequiredService<ChatCommunity>().Bootstrappers);
            Assert.Equal(
                [(typeof(EdgeWalk), 10), (typeof(RandomChurn), -1)],
                node.Strategies.Where(s => s.Community == discovery).Select(s => (s.Strategy.GetType(), s.TargetPeers)));
        }

        using var without = BuildHost(ipv8 => ipv8.AddCommunity<ChatCommunity>(), options =>
        {
            Loopback(options);
            options.DiscoveryCommunity = false;
        });
        var alone = without.Services.GetRequiredService<Ipv8Node>();
        Assert.DoesNotContain(alone.Communities, c => c is DiscoveryCommunity);
        Assert.DoesNotContain(alone.Strategies, s => s.Community is DiscoveryCommunity);
        var error = Assert.Throws<InvalidOperationException>(() => without.Services.GetRequiredService<DiscoveryCommunity>());
        Assert.Contains("Ipv8:DiscoveryCommunity is false", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RandomChurn_outside_the_DiscoveryCommunity_and_registering_it_by_hand_are_refused_with_the_setting_to_use()
    {
        WriteAppSettings("""
            {
              "Ipv8": {
                "Walkers": [ { "Strategy": "RandomChurn" } ],
                "Communities": { "ChatCommunity": { "Walkers": [ { "Strategy": "PeriodicSimilarity" } ] } }
              }
            }
            """);
        using var host = BuildHost(ipv8 => ipv8.AddCommunity<ChatCommunity>());
        var error = await Assert.ThrowsAnyAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Contains("Ipv8:Walkers:0:Strategy 'RandomChurn' is not RandomWalk or EdgeWalk (RandomChurn and PeriodicSimilarity are for the DiscoveryCommunity only)", error.Message, StringComparison.Ordinal);
        Assert.Contains("Ipv8:Communities:ChatCommunity:Walkers:0:Strategy 'PeriodicSimilarity'", error.Message, StringComparison.Ordinal);

        var byHand = Assert.Throws<InvalidOperationException>(() => new ServiceCollection().AddIpv8().AddCommunity<DiscoveryCommunity>());
        Assert.Contains("Ipv8:DiscoveryCommunity setting", byHand.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Two_hosted_nodes_learn_each_others_services_through_the_DiscoveryCommunity()
    {
        await using var tracker = LoopbackTracker.Start();
        var viaTracker = ViaTracker(tracker);
        using var first = BuildHost(ipv8 => ipv8.AddCommunity<ChatCommunity>(), viaTracker);
        using var second = BuildHost(
            ipv8 => ipv8.AddCommunity<ChatCommunity>().AddCommunity("Other", (_, settings) => new ChatCommunity(TestIds.Other, settings)),
            viaTracker);
        await first.StartAsync();
        await second.StartAsync();
        var secondKey = second.Services.GetRequiredService<Ipv8Node>().Key.PublicKey.Bin.ToArray();
        var discovery = first.Services.GetRequiredService<DiscoveryCommunity>();

        // The first node does not run the second's "Other" community: only a similarity response can tell it.
        await Eventually.AssertAsync(
            () => discovery.Network.GetVerifiedByPublicKeyBin(secondKey) is { } peer && discovery.Network.GetServicesForPeer(peer).Contains(TestIds.Other),
            "the first node to learn the second node's Other service",
            TimeSpan.FromSeconds(60));

        await second.StopAsync();
        await first.StopAsync();
    }

    [Fact]
    public async Task Two_hosted_nodes_find_each_other_through_a_tracker_in_the_bootstrap_list_on_loopback()
    {
        // Bootstrap servers are trackers: a node blacklists their addresses as peers (py-ipv8), so two nodes meet
        // through a third party.
        await using var tracker = LoopbackTracker.Start();
        var viaTracker = ViaTracker(tracker);
        using var first = BuildHost(ipv8 => ipv8.AddCommunity<ChatCommunity>(), viaTracker);
        using var second = BuildHost(ipv8 => ipv8.AddCommunity<ChatCommunity>(), viaTracker);
        await first.StartAsync();
        await second.StartAsync();
        var firstNode = first.Services.GetRequiredService<Ipv8Node>();
        var secondNode = second.Services.GetRequiredService<Ipv8Node>();

        var a = first.Services.GetRequiredService<ChatCommunity>();
        var b = second.Services.GetRequiredService<ChatCommunity>();
        await Eventually.AssertAsync(
            () => a.GetPeers().Any(p => p.Key.Equals(secondNode.Key.PublicKey)) && b.GetPeers().Any(p => p.Key.Equals(firstNode.Key.PublicKey)),
            "the two hosted nodes to verify each other",
            TimeSpan.FromSeconds(60));

        await second.StopAsync();
        await first.StopAsync();
    }

    [Fact]
    public async Task Stopping_the_host_stops_walking_then_unloads_bootstrappers_and_tasks_then_closes_the_endpoint()
    {
        var seen = new List<string>();
        IEndpoint? endpoint = null;
        Ipv8Node? node = null;
        using var host = BuildHost(
            ipv8 => ipv8.AddCommunity<ChatCommunity>(factory: (sp, settings) =>
            {
                var community = new ChatCommunity(settings);
                community.AddBootstrapper(new RecordingBootstrapper(() =>
                    seen.Add($"bootstrapper unloaded: running={node!.IsRunning}, endpoint open={endpoint!.IsOpen}")));
                community.Tasks.RegisterAnonymousTask("wait for shutdown", async token =>
                {
                    try
                    {
                        await Task.Delay(Timeout.Infinite, token);
                    }
                    catch (OperationCanceledException)
                    {
                        lock (seen)
                        {
                            seen.Add($"task cancelled: endpoint open={endpoint!.IsOpen}");
                        }
                    }
                });
                return community;
            }),
            Loopback);
        node = host.Services.GetRequiredService<Ipv8Node>();
        endpoint = node.Endpoint;
        await host.StartAsync();
        Assert.True(endpoint.IsOpen);

        await host.StopAsync();

        Assert.Equal(
            ["bootstrapper unloaded: running=False, endpoint open=True", "task cancelled: endpoint open=True"],
            seen);
        Assert.False(endpoint.IsOpen);
        Assert.False(node.IsRunning);
        Assert.Empty(node.Communities); // unloaded communities are unrouted
    }

    [Fact]
    public async Task The_node_takes_its_meter_from_the_hosts_meter_factory()
    {
        using var host = BuildHost(ipv8 => ipv8.AddCommunity<ChatCommunity>(), options =>
        {
            Loopback(options);
            options.Name = "hosted";
        });
        var node = host.Services.GetRequiredService<Ipv8Node>();
        Assert.Same(host.Services.GetRequiredService<IMeterFactory>(), node.Metrics!.Meter.Scope);

        var names = new List<string>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, _) =>
            {
                if (ReferenceEquals(instrument.Meter, node.Metrics.Meter))
                {
                    names.Add(instrument.Name);
                }
            },
        };
        listener.Start();
        Assert.Contains("ipv8.walk.rtt", names);
        Assert.Contains("ipv8.signature.verify.duration", names);
        Assert.Contains("ipv8.community.packets.received", names);
        await host.StartAsync();
        await host.StopAsync();
    }

    [Fact]
    public async Task A_missing_key_file_is_created_owner_only_and_reused_on_the_next_start()
    {
        var keyFile = Path.Combine(_directory.FullName, "new.key");
        LibNaClPublicKey firstKey;
        using (var host = BuildHost(ipv8 => ipv8.AddCommunity<ChatCommunity>(), options =>
        {
            Loopback(options);
            options.KeyFile = keyFile;
        }))
        {
            await host.StartAsync();
            firstKey = host.Services.GetRequiredService<Ipv8Node>().Key.PublicKey;
            await host.StopAsync();
        }

        Assert.Equal(LibNaClPrivateKey.BinLength, new FileInfo(keyFile).Length);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(keyFile));
        }

        using var again = BuildHost(ipv8 => ipv8.AddCommunity<ChatCommunity>(), options =>
        {
            Loopback(options);
            options.KeyFile = keyFile;
        });
        Assert.Equal(firstKey, again.Services.GetRequiredService<Ipv8Node>().Key.PublicKey);
    }

    [Fact]
    public async Task A_key_file_that_is_not_a_private_key_fails_the_start_with_its_path_and_reason()
    {
        var keyFile = Path.Combine(_directory.FullName, "bad.key");
        await File.WriteAllTextAsync(keyFile, "not a key");
        Assert.Equal(
            $"Ipv8:KeyFile {keyFile} is not a private key file: a key file holds one private key, the 74-byte LibNaCLSK: key bin that 'ipv8 keygen' and py-ipv8 write; this one does not start with LibNaCLSK:.",
            await RefusedAtStart(options => options.KeyFile = keyFile));
    }

    [Fact]
    public async Task A_hosted_node_walks_to_the_peers_in_its_settings_and_they_become_normal_peers()
    {
        using var first = BuildHost(ipv8 => ipv8.AddCommunity<ChatCommunity>(), Loopback);
        await first.StartAsync();
        var firstNode = first.Services.GetRequiredService<Ipv8Node>();
        var firstAddress = firstNode.Endpoint.Ipv4Address!.Value;

        // py-ipv8's walk_to(address): the second node knows the first by address only, with no tracker.
        using var second = BuildHost(ipv8 => ipv8.AddCommunity<ChatCommunity>(), options =>
        {
            Loopback(options);
            options.Peers = [firstAddress.ToString()];
        });
        await second.StartAsync();
        var secondNode = second.Services.GetRequiredService<Ipv8Node>();

        var a = first.Services.GetRequiredService<ChatCommunity>();
        var b = second.Services.GetRequiredService<ChatCommunity>();
        await Eventually.AssertAsync(
            () => a.GetPeers().Any(p => p.Key.Equals(secondNode.Key.PublicKey)) && b.GetPeers().Any(p => p.Key.Equals(firstNode.Key.PublicKey)),
            "the two hosted nodes to verify each other",
            TimeSpan.FromSeconds(60));
        Assert.False(b.Network.IsBlacklisted(firstAddress));

        await second.StopAsync();
        await first.StopAsync();
    }

    [Fact]
    public async Task Bad_settings_fail_the_start_naming_every_bad_key()
    {
        WriteAppSettings("""
            {
              "Ipv8": {
                "Port": 70000,
                "Interfaces": [ "localhost", "127.0.0.1", "127.0.0.2" ],
                "Bootstrap": { "Addresses": [ "127.0.0.1", "bad host:80" ] },
                "Peers": [ "0.0.0.0:8090" ],
                "MaxPeers": -5,
                "Walkers": [ { "Strategy": "Teleport" } ]
              }
            }
            """);
        using var host = BuildHost(ipv8 => ipv8.AddCommunity<ChatCommunity>());
        var error = await Assert.ThrowsAnyAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Contains("Ipv8:Port 70000", error.Message, StringComparison.Ordinal);
        Assert.Contains("Ipv8:Interfaces:0 'localhost'", error.Message, StringComparison.Ordinal);
        Assert.Contains("Ipv8:Interfaces:2 '127.0.0.2': only one IPv4", error.Message, StringComparison.Ordinal);
        Assert.Contains("Ipv8:Bootstrap:Addresses:0 '127.0.0.1' is not HOST:PORT", error.Message, StringComparison.Ordinal);
        Assert.Contains("Ipv8:Bootstrap:Addresses:1 'bad host:80' does not name a host", error.Message, StringComparison.Ordinal);
        Assert.Contains("Ipv8:Peers:0 '0.0.0.0:8090' names no host", error.Message, StringComparison.Ordinal);
        Assert.Contains("Ipv8:MaxPeers -5", error.Message, StringComparison.Ordinal);
        Assert.Contains("Ipv8:Walkers:0:Strategy 'Teleport'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_port_in_use_fails_the_start_naming_the_port_and_the_settings_to_change()
    {
        using var taken = Hold(IPAddress.Loopback);
        var port = Port(taken);

        var message = await RefusedAtStart(options => options.Port = port);

        Assert.StartsWith($"Ipv8: cannot bind UDP port {port} on 127.0.0.1 (Ipv8:Port, Ipv8:Interfaces, Ipv8:PortRetries): ", message, StringComparison.Ordinal);
        Assert.DoesNotContain(Environment.NewLine, message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_port_in_use_on_one_of_two_interfaces_names_the_address_where_it_is_taken()
    {
        // ::1's port taken, 127.0.0.1's free: the message must say the IPv6 socket is the one that failed.
        using var taken = Hold(IPAddress.IPv6Loopback);
        var port = Port(taken);

        var message = await RefusedAtStart(options =>
        {
            options.Interfaces = ["127.0.0.1", "::1"];
            options.Port = port;
        });

        Assert.Equal($"Ipv8: cannot bind UDP port {port} on 127.0.0.1, ::1 (Ipv8:Port, Ipv8:Interfaces, Ipv8:PortRetries): UDP port {port} is already in use on ::1.", message);
    }

    [Fact]
    public async Task Port_retries_that_run_out_name_every_port_tried_and_the_address_in_the_head_and_the_reason_alike()
    {
        using var taken = Hold(IPAddress.Loopback);
        var port = Port(taken);
        using var next = TryHold(IPAddress.Loopback, port + 1); // null: someone else holds it, taken all the same

        var message = await RefusedAtStart(options =>
        {
            options.Port = port;
            options.PortRetries = 1;
        });

        Assert.Equal(
            $"Ipv8: cannot bind UDP ports {port}-{port + 1} on 127.0.0.1 (Ipv8:Port, Ipv8:Interfaces, Ipv8:PortRetries): UDP ports {port}-{port + 1} are all in use on 127.0.0.1.",
            message);
    }

    [Fact]
    public async Task Port_retries_from_the_last_port_name_that_one_port_not_a_range()
    {
        using var taken = TryHold(IPAddress.Loopback, 65535);
        if (taken is null)
        {
            return; // someone else holds 65535: nothing to learn here
        }

        var message = await RefusedAtStart(options =>
        {
            options.Port = 65535;
            options.PortRetries = 3;
        });

        Assert.Equal(
            "Ipv8: cannot bind UDP port 65535 on 127.0.0.1 (Ipv8:Port, Ipv8:Interfaces, Ipv8:PortRetries): UDP port 65535 is already in use on 127.0.0.1.",
            message);
    }

    /// <summary>The message of the refusal a loopback node with <paramref name="configure"/>'s settings meets at start.</summary>
    private async Task<string> RefusedAtStart(Action<Ipv8Options> configure)
    {
        using var host = BuildHost(ipv8 => ipv8.AddCommunity<ChatCommunity>(), options =>
        {
            Loopback(options);
            configure(options);
        });
        var error = await Assert.ThrowsAnyAsync<OptionsValidationException>(() => host.StartAsync());
        return error.Message;
    }

    private static Socket Hold(IPAddress address, int port = 0)
    {
        var socket = new Socket(address.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            socket.Bind(new IPEndPoint(address, port));
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private static Socket? TryHold(IPAddress address, int port)
    {
        try
        {
            return Hold(address, port);
        }
        catch (SocketException)
        {
            return null;
        }
    }

    private static int Port(Socket socket) => ((IPEndPoint)socket.LocalEndPoint!).Port;

    [Fact]
    public void An_unknown_setting_is_an_error_rather_than_silently_ignored()
    {
        WriteAppSettings("""{ "Ipv8": { "Prot": 8090 } }""");
        using var host = BuildHost(ipv8 => ipv8.AddCommunity<ChatCommunity>());
        var error = Assert.ThrowsAny<OptionsValidationException>(() => host.Services.GetRequiredService<IOptions<Ipv8Options>>().Value);
        Assert.Equal("Ipv8: 'Prot' is not a setting of Ipv8Options (see docs/hosting.md).", error.Message);
    }

    [Fact]
    public void Registering_twice_is_refused_with_a_clear_error()
    {
        var services = new ServiceCollection();
        var ipv8 = services.AddIpv8().AddCommunity<ChatCommunity>();
        Assert.Contains("already added", Assert.Throws<InvalidOperationException>(() => ipv8.AddCommunity<ChatCommunity>()).Message, StringComparison.Ordinal);
        Assert.Contains("already called", Assert.Throws<InvalidOperationException>(() => services.AddIpv8()).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_endpoint_registered_before_AddIpv8_replaces_the_udp_endpoint()
    {
        var network = new InMemoryNetwork(24_000);
        using var host = BuildHost(
            ipv8 => ipv8.AddCommunity<ChatCommunity>(),
            configureServices: services => services.AddSingleton<IEndpoint>(network.CreateEndpoint()));
        var node = host.Services.GetRequiredService<Ipv8Node>();
        Assert.Equal("in-memory", node.Endpoint.Kind);
        await host.StartAsync();
        await host.StopAsync();
    }

    [Fact]
    public async Task OpenTelemetry_exports_the_walk_round_trip_signature_checks_and_per_message_counters()
    {
        await using var tracker = LoopbackTracker.Start();
        var viaTracker = ViaTracker(tracker);
        var exported = new List<Metric>();
        using var first = BuildHost(
            ipv8 => ipv8.AddCommunity<ChatCommunity>(),
            viaTracker,
            services => services.AddOpenTelemetry().WithMetrics(metrics => metrics.AddMeter(Ipv8.Engine.Diagnostics.Ipv8Metrics.MeterName).AddInMemoryExporter(exported)));
        using var second = BuildHost(ipv8 => ipv8.AddCommunity<ChatCommunity>(), viaTracker);
        await first.StartAsync();
        await second.StartAsync();
        var provider = first.Services.GetRequiredService<MeterProvider>();

        // A peer may come from the other node's introduction (246) before the tracker's response (245) arrives, so wait
        // for what is asserted, flushing again each time: the exporter hands out the same Metric objects at every export,
        // their points the totals so far.
        await Eventually.AssertAsync(
            () =>
            {
                Assert.True(provider.ForceFlush(10_000));
                var byName = exported.ToArray().GroupBy(m => m.Name).ToDictionary(g => g.Key, g => g.Last());
                return HistogramCount(byName, "ipv8.walk.rtt") >= 1
                    && HistogramCount(byName, "ipv8.signature.verify.duration") >= 1
                    && ReceivedMessageIds(byName).Contains(245); // introduction responses (old-style; the tracker answers old-style requests so)
            },
            "the OpenTelemetry node to export a walk round trip, a signature check and a received introduction response (245)",
            TimeSpan.FromSeconds(60));
        await second.StopAsync();
        await first.StopAsync();

        static long HistogramCount(Dictionary<string, Metric> byName, string name)
        {
            long count = 0;
            if (byName.TryGetValue(name, out var metric))
            {
                foreach (ref readonly var point in metric.GetMetricPoints())
                {
                    count += point.GetHistogramCount();
                }
            }

            return count;
        }

        static List<int> ReceivedMessageIds(Dictionary<string, Metric> byName)
        {
            var messageIds = new List<int>();
            if (byName.TryGetValue("ipv8.community.packets.received", out var metric))
            {
                foreach (ref readonly var point in metric.GetMetricPoints())
                {
                    foreach (var tag in point.Tags)
                    {
                        if (tag.Key == "msg_id")
                        {
                            messageIds.Add(Convert.ToInt32(tag.Value, System.Globalization.CultureInfo.InvariantCulture));
                        }
                    }
                }
            }

            return messageIds;
        }
    }

    private static Action<Ipv8Options> ViaTracker(Ipv8Node tracker)
    {
        var address = tracker.Endpoint.Ipv4Address!.Value.ToString();
        return options =>
        {
            Loopback(options);
            options.Bootstrap.Addresses = [address];
            options.Bootstrap.Interval = TimeSpan.FromSeconds(1);
        };
    }

    private static void Loopback(Ipv8Options options)
    {
        options.Port = 0;
        options.Interfaces = ["127.0.0.1"];
        options.LoopbackOnly = true;
        options.Workers = 1;
        options.WalkInterval = TimeSpan.FromMilliseconds(100);
    }

    private void WriteAppSettings(string json) => File.WriteAllText(Path.Combine(_directory.FullName, "appsettings.json"), json);

    private IHost BuildHost(Action<Ipv8Builder> communities, Action<Ipv8Options>? configure = null, Action<IServiceCollection>? configureServices = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            ContentRootPath = _directory.FullName,
            DisableDefaults = false,
            Args = [],
            EnvironmentName = "Testing",
        });
        builder.Logging.ClearProviders();
        configureServices?.Invoke(builder.Services);
        communities(builder.Services.AddIpv8(builder.Configuration.GetSection(Ipv8Options.SectionName), configure));
        return builder.Build();
    }
}

/// <summary>A tracker node (py-ipv8's tracker behaviour, <see cref="TrackerCommunity"/>) on 127.0.0.1, any port, started.</summary>
internal static class LoopbackTracker
{
    public static Ipv8Node Start()
    {
        var tracker = new Ipv8Node(LibNaClPrivateKey.Generate(), new UdpEndpoint(new UdpEndpointOptions { Ipv4Host = System.Net.IPAddress.Loopback, Port = 0, Workers = 1, LoopbackOnly = true }));
        var community = tracker.AddCommunity(new TrackerCommunity(tracker.CreateSettings()));
        tracker.SetFallback(community.AnyPrefix);
        tracker.Start();
        return tracker;
    }
}

internal static class TestIds
{
    public static readonly CommunityId Chat = CommunityId.Parse("c4a7c4a7c4a7c4a7c4a7c4a7c4a7c4a7c4a7c4a7");

    public static readonly CommunityId Other = CommunityId.Parse("0123456789abcdef0123456789abcdef01234567");
}

/// <summary>A community with only discovery, built by the host.</summary>
public sealed class ChatCommunity(CommunityId id, CommunitySettings settings) : Community(id, settings)
{
    public ChatCommunity(CommunitySettings settings)
        : this(TestIds.Chat, settings)
    {
    }
}

/// <summary>A bootstrapper with no addresses that reports its unload.</summary>
internal sealed class RecordingBootstrapper(Action unloaded) : IBootstrapper
{
    public bool Initialized => true;

    public IReadOnlyList<UdpAddress> Blacklist => [];

    public Task InitializeAsync(Community community, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task<IReadOnlyList<UdpAddress>> GetAddressesAsync(Community community, TimeSpan timeout, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<UdpAddress>>([]);

    public void KeepAlive(Community community)
    {
    }

    public void Unload() => unloaded();
}
