using System.Diagnostics.Metrics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Ipv8.Engine;
using Ipv8.Engine.Bootstrapping;
using Ipv8.Engine.Communities;
using Ipv8.Engine.Discovery;
using Ipv8.Engine.Endpoints;
using Ipv8.Wire;
using Ipv8.Wire.Crypto;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Ipv8.Hosting;

/// <summary>Builds the hosted node's parts from <see cref="Ipv8Options"/>.</summary>
internal static class Ipv8NodeFactory
{
    /// <summary>The DiscoveryCommunity's key in <see cref="Ipv8Options.Communities"/> (py-ipv8's overlay class name).</summary>
    public const string DiscoveryCommunityName = "DiscoveryCommunity";

    public static LibNaClPrivateKey LoadKey(Ipv8Options options, IServiceProvider services)
    {
        var logger = Logger(services);
        if (string.IsNullOrWhiteSpace(options.KeyFile))
        {
            HostingLog.NewKeyEachRun(logger);
            return LibNaClPrivateKey.Generate();
        }

        var path = Path.GetFullPath(options.KeyFile);
        if (!File.Exists(path))
        {
            if (!options.CreateKeyFile)
            {
                throw new InvalidOperationException($"Ipv8:KeyFile {path} does not exist (and Ipv8:CreateKeyFile is false).");
            }

            var created = LibNaClPrivateKey.Generate();
            var fileOptions = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                fileOptions.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            using (var stream = new FileStream(path, fileOptions))
            {
                stream.Write(created.ToBin());
            }

            HostingLog.KeyFileWritten(logger, path);
            return created;
        }

        var bin = File.ReadAllBytes(path);
        if (!LibNaClPrivateKey.TryParse(bin, out var key, out var error))
        {
            throw new InvalidOperationException($"Ipv8:KeyFile {path} is not a LibNaCLSK private key: {error.Describe()}.");
        }

        return key;
    }

    public static IEndpoint CreateEndpoint(Ipv8Options options, ILoggerFactory? loggerFactory)
    {
        var endpointOptions = new UdpEndpointOptions
        {
            Port = options.Port,
            PortRetries = options.PortRetries,
            LoopbackOnly = options.LoopbackOnly,
            Ipv4Host = null,
            Ipv6Host = null,
        };
        if (options.Workers > 0)
        {
            endpointOptions.Workers = options.Workers;
        }

        if (options.Interfaces.Count == 0)
        {
            endpointOptions.Ipv4Host = IPAddress.Any;
        }

        foreach (var text in options.Interfaces)
        {
            var ip = IPAddress.Parse(text); // checked by the validator
            if (ip.AddressFamily == AddressFamily.InterNetworkV6)
            {
                endpointOptions.Ipv6Host = ip;
            }
            else
            {
                endpointOptions.Ipv4Host = ip;
            }
        }

        return new UdpEndpoint(endpointOptions, loggerFactory?.CreateLogger<UdpEndpoint>());
    }

    public static Ipv8Node CreateNode(IServiceProvider services)
    {
        var options = services.GetRequiredService<IOptions<Ipv8Options>>().Value;
        var loggerFactory = services.GetService<ILoggerFactory>();
        var time = services.GetService<TimeProvider>() ?? TimeProvider.System;
        var node = new Ipv8Node(
            services.GetRequiredService<LibNaClPrivateKey>(),
            services.GetRequiredService<IEndpoint>(),
            new Ipv8NodeOptions
            {
                WalkInterval = options.WalkInterval,
                Network = options.Network,
                LoggerFactory = loggerFactory,
                TimeProvider = time,
                MeterFactory = services.GetService<IMeterFactory>(),
                Name = options.Name,
                SummaryInterval = options.SummaryInterval,
            });

        var instances = services.GetRequiredService<Ipv8CommunityInstances>();
        foreach (var registration in services.GetServices<Ipv8CommunityRegistration>())
        {
            if (registration.IsDiscovery && !options.DiscoveryCommunity)
            {
                continue;
            }

            options.Communities.TryGetValue(registration.Name, out var own);
            var settings = node.CreateSettings(s =>
            {
                s.MaxPeers = own?.MaxPeers ?? options.MaxPeers;
                s.RateLimits = options.RateLimits;
            });
            var community = registration.Create(services, settings)
                ?? throw new InvalidOperationException($"The factory of community '{registration.Name}' returned null.");
            if (!registration.Type.IsInstanceOfType(community))
            {
                throw new InvalidOperationException($"The factory of community '{registration.Name}' returned a {community.GetType().Name}, not a {registration.Type.Name}.");
            }

            node.AddCommunity(community);
            instances.Add(registration, community);

            if (own is not { NoBootstrap: true })
            {
                AddBootstrappers(community, options.Bootstrap, time, loggerFactory);
            }

            IEnumerable<Ipv8WalkerOptions> walkers = own is { Walkers.Count: > 0 } ? own.Walkers : options.Walkers.Count > 0 ? options.Walkers : [new Ipv8WalkerOptions()];
            if (registration.IsDiscovery && own is not { Walkers.Count: > 0 })
            {
                // py-ipv8's default configuration: the DiscoveryCommunity also churns and asks for similarity, always.
                walkers = walkers.Concat([new Ipv8WalkerOptions { Strategy = "RandomChurn", TargetPeers = -1 }, new Ipv8WalkerOptions { Strategy = "PeriodicSimilarity", TargetPeers = -1 }]);
            }

            foreach (var walker in walkers)
            {
                node.AddStrategy(community, CreateStrategy(community, walker), walker.TargetPeers);
            }

            if (options.Peers.Count > 0)
            {
                node.AddStrategy(community, new WalkToPeers(community, ParseAll(options.Peers), logger: loggerFactory?.CreateLogger<WalkToPeers>()));
            }
        }

        return node;
    }

    public static Community CommunityOf(IServiceProvider services, Ipv8CommunityRegistration registration)
    {
        _ = services.GetRequiredService<Ipv8Node>(); // builds the communities
        return services.GetRequiredService<Ipv8CommunityInstances>().Get(registration);
    }

    public static IDiscoveryStrategy CreateStrategy(Community community, Ipv8WalkerOptions walker) => walker.Strategy.ToUpperInvariant() switch
    {
        "RANDOMWALK" => new RandomWalk(community, walker.Timeout, walker.WindowSize, walker.ResetChance),
        "EDGEWALK" => new EdgeWalk(community, walker.EdgeLength, walker.NeighborhoodSize, walker.Timeout),
        "RANDOMCHURN" when community is DiscoveryCommunity discovery => new RandomChurn(discovery),
        "PERIODICSIMILARITY" when community is DiscoveryCommunity discovery => new PeriodicSimilarity(discovery),
        _ => throw new InvalidOperationException($"Unknown walker strategy '{walker.Strategy}'."),
    };

    private static void AddBootstrappers(Community community, Ipv8BootstrapOptions bootstrap, TimeProvider time, ILoggerFactory? loggerFactory)
    {
        var addresses = new List<UdpAddress>();
        var names = new List<(string Host, ushort Port)>();
        foreach (var server in ParseAll(bootstrap.Addresses))
        {
            if (server.Address is { } address)
            {
                addresses.Add(address);
            }
            else
            {
                names.Add((server.DnsName!, server.Port));
            }
        }

        if (bootstrap.PublicTrackers)
        {
            addresses.AddRange(AddressListBootstrapper.PublicTrackerAddresses);
            names.AddRange(AddressListBootstrapper.PublicTrackerNames);
        }

        if (addresses.Count > 0 || names.Count > 0)
        {
            community.Bootstrappers.Add(new AddressListBootstrapper(addresses, names, bootstrap.Interval, time, loggerFactory?.CreateLogger<AddressListBootstrapper>()));
        }
    }

    // The validator refused bad values before the host started.
    private static IEnumerable<HostPort> ParseAll(IEnumerable<string> values) =>
        values.Select(text => HostPort.TryParse(text, out var value, out _) ? (HostPort?)value : null).OfType<HostPort>();

    private static ILogger Logger(IServiceProvider services) =>
        services.GetService<ILoggerFactory>()?.CreateLogger("Ipv8.Hosting") ?? NullLogger.Instance;
}

/// <summary>The communities the node factory built, by registration.</summary>
internal sealed class Ipv8CommunityInstances
{
    private readonly Dictionary<Ipv8CommunityRegistration, Community> _instances = new(ReferenceEqualityComparer.Instance);

    public void Add(Ipv8CommunityRegistration registration, Community community) => _instances.Add(registration, community);

    public Community Get(Ipv8CommunityRegistration registration) =>
        _instances.TryGetValue(registration, out var community)
            ? community
            : throw new InvalidOperationException(registration.IsDiscovery
                ? "The node has no DiscoveryCommunity: Ipv8:DiscoveryCommunity is false."
                : $"The community '{registration.Name}' was not built.");
}
