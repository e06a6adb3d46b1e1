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

    /// <summary>
    /// The node's key: from <see cref="Ipv8Options.KeyFile"/> (created when missing and <see cref="Ipv8Options.CreateKeyFile"/>),
    /// which stays locked while the host runs, or a new key for this run.
    /// </summary>
    public static Ipv8Key LoadKey(Ipv8Options options, IServiceProvider services)
    {
        var logger = Logger(services);
        if (string.IsNullOrWhiteSpace(options.KeyFile))
        {
            HostingLog.NewKeyEachRun(logger);
            return new Ipv8Key(LibNaClPrivateKey.Generate(), null);
        }

        var path = Path.GetFullPath(options.KeyFile);
        if (!options.CreateKeyFile && !File.Exists(path) && !Directory.Exists(path))
        {
            throw Ipv8OptionsValidator.Refuse($"Ipv8:KeyFile {path} does not exist (and Ipv8:CreateKeyFile is false).");
        }

        KeyFile file;
        try
        {
            file = KeyFile.Open(path, options.CreateKeyFile);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            throw Ipv8OptionsValidator.Refuse($"Ipv8:KeyFile {ex.Message}.");
        }

        if (file.Created)
        {
            HostingLog.KeyFileWritten(logger, path);
        }

        return new Ipv8Key(file.Key, file);
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
        if (bootstrap.Addresses.Count > 0 || bootstrap.PublicTrackers)
        {
            community.AddBootstrapper(AddressListBootstrapper.Create(ParseAll(bootstrap.Addresses), bootstrap.PublicTrackers, bootstrap.Interval, time, loggerFactory?.CreateLogger<AddressListBootstrapper>()));
        }
    }

    // The validator refused bad values before the host started.
    private static IEnumerable<HostPort> ParseAll(IEnumerable<string> values) =>
        values.Select(text => HostPort.TryParse(text, out var value, out _) ? (HostPort?)value : null).OfType<HostPort>();

    private static ILogger Logger(IServiceProvider services) =>
        services.GetService<ILoggerFactory>()?.CreateLogger("Ipv8.Hosting") ?? NullLogger.Instance;
}

/// <summary>The node's key and, when it came from <see cref="Ipv8Options.KeyFile"/>, the key file, locked until the container is disposed.</summary>
internal sealed class Ipv8Key(LibNaClPrivateKey key, KeyFile? file) : IDisposable
{
    public LibNaClPrivateKey Key => key;

    public void Dispose() => file?.Dispose();
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
