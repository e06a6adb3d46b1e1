using Ipv8.Engine.Communities;
using Ipv8.Wire;

namespace Ipv8.Engine.Bootstrapping;

/// <summary>A source of first contacts for a community (py-ipv8 <c>Bootstrapper</c>).</summary>
public interface IBootstrapper
{
    /// <summary>True once <see cref="InitializeAsync"/> has completed.</summary>
    bool Initialized { get; }

    /// <summary>Prepares the bootstrapper for a community (resolve names, blacklist its addresses, open sockets).</summary>
    Task InitializeAsync(Community community, CancellationToken cancellationToken);

    /// <summary>Addresses to walk to. May be empty when it is too early to bootstrap again.</summary>
    Task<IReadOnlyList<UdpAddress>> GetAddressesAsync(Community community, TimeSpan timeout, CancellationToken cancellationToken);

    /// <summary>Keeps the bootstrap servers aware of us (py-ipv8 <c>keep_alive</c>).</summary>
    void KeepAlive(Community community);

    /// <summary>The addresses that must never become peers.</summary>
    IReadOnlyList<UdpAddress> Blacklist { get; }

    /// <summary>Releases what the bootstrapper holds (py-ipv8 <c>unload</c>).</summary>
    void Unload();
}
