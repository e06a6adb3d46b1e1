using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Ipv8.Wire;

namespace Ipv8.Engine.Bootstrapping;

/// <summary>
/// A host and a port as people write them in configuration and on command lines: <c>1.2.3.4:6421</c>,
/// <c>[::1]:6421</c> or <c>tracker.example.org:6421</c> (py-ipv8's <c>(host, port)</c> tuples of <c>ip_addresses</c> and
/// <c>dns_addresses</c>). One parser for the CLI and the hosting options.
/// </summary>
/// <param name="Address">The address, when the host is an IP address.</param>
/// <param name="DnsName">The DNS name, when the host is one.</param>
/// <param name="Port">The port, 1–65535.</param>
public readonly record struct HostPort(UdpAddress? Address, string? DnsName, ushort Port)
{
    /// <summary>True when the host is a DNS name that must be resolved.</summary>
    public bool IsDnsName => DnsName is not null;

    /// <summary>
    /// The address family a socket needs to reach this host: the address's, or IPv4 for a DNS name, which is resolved
    /// to IPv4 only (<see cref="ResolveAsync"/>, as py-ipv8's <c>gethostbyname</c>).
    /// </summary>
    public AddressFamily Family => Address is { } address ? address.Family : AddressFamily.InterNetwork;

    /// <summary>
    /// Parses <c>IPv4:PORT</c>, <c>[IPv6]:PORT</c> or <c>NAME:PORT</c>. The port must be 1–65535 and an IP host must not
    /// be unspecified (<c>0.0.0.0</c>, <c>::</c>).
    /// </summary>
    /// <param name="text">The text.</param>
    /// <param name="value">The parsed value.</param>
    /// <param name="error">Why the text was refused, as the end of a sentence that starts with the text ("needs a port").</param>
    public static bool TryParse(string? text, out HostPort value, out string error)
    {
        value = default;
        text ??= string.Empty;
        var colon = text.LastIndexOf(':');
        if (colon <= 0 || !ushort.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port == 0)
        {
            error = "is not HOST:PORT with a port from 1 to 65535";
            return false;
        }

        var host = text[..colon];
        if (host.StartsWith('[') && host.EndsWith(']'))
        {
            host = host[1..^1];
        }
        else if (host.Contains(':', StringComparison.Ordinal))
        {
            error = "has an IPv6 host without [brackets]";
            return false;
        }

        if (UdpAddress.TryParseHost(host, port, out var address))
        {
            if (address.IsUnspecifiedHost)
            {
                error = "names no host (an unspecified address)";
                return false;
            }

            value = new HostPort(address, null, port);
            error = string.Empty;
            return true;
        }

        if (Uri.CheckHostName(host) != UriHostNameType.Dns)
        {
            error = "does not name a host";
            return false;
        }

        value = new HostPort(null, host, port);
        error = string.Empty;
        return true;
    }

    /// <summary>
    /// The address to send to: the IP address as it is, or a DNS name's first IPv4 address (py-ipv8 resolves bootstrap
    /// servers with <c>gethostbyname</c> and peers' names the same way, IPv4 only); null when the name has no IPv4
    /// address. The one lookup behind <see cref="AddressListBootstrapper"/> and <see cref="Discovery.WalkToPeers"/>.
    /// </summary>
    /// <exception cref="SocketException">The lookup failed (no such name, no DNS server).</exception>
    public async Task<UdpAddress?> ResolveAsync(CancellationToken cancellationToken)
    {
        if (Address is { } address)
        {
            return address;
        }

        var found = await Dns.GetHostAddressesAsync(DnsName ?? throw new InvalidOperationException("A default HostPort names no host."), AddressFamily.InterNetwork, cancellationToken).ConfigureAwait(false);
        return found.Length > 0 ? UdpAddress.FromIPAddress(found[0], Port) : null;
    }

    /// <inheritdoc/>
    public override string ToString() => Address is { } address ? address.ToString() : $"{DnsName}:{Port}";
}
