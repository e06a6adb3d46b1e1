namespace Ipv8.Wire;

/// <summary>
/// The value of py-ipv8's <c>address</c> format: either a numeric <see cref="UdpAddress"/> or a domain name and port.
/// </summary>
public readonly record struct HostAddress
{
    /// <summary>A numeric address.</summary>
    public HostAddress(UdpAddress address)
    {
        Address = address;
        Host = null;
        Port = address.Port;
    }

    /// <summary>A domain name and port: always written as wire type 2 (domain name), whatever <paramref name="host"/> holds.</summary>
    /// <remarks>
    /// This is not how py-ipv8 packs a <c>(host, port)</c> tuple: its <c>Address</c> packer writes <c>("1.2.3.4", 1)</c>
    /// as type 1 (IPv4) and <c>("::1", 1)</c> as type 3 (IPv6), and only a host that is neither as type 2. Here
    /// <c>new HostAddress("1.2.3.4", 1)</c> is type 2, a domain name that happens to look like an address. Use
    /// <see cref="Parse(string, ushort)"/> to get py-ipv8's choice, or <see cref="HostAddress(UdpAddress)"/> for a numeric address.
    /// </remarks>
    /// <param name="host">The domain name, written as UTF-8.</param>
    /// <param name="port">The port.</param>
    public HostAddress(string host, ushort port)
    {
        ArgumentNullException.ThrowIfNull(host);
        Address = default;
        Host = host;
        Port = port;
    }

    /// <summary>
    /// A host and port as py-ipv8's <c>address</c> format packs the tuple <c>(host, port)</c>
    /// (<c>ipv8.messaging.serialization.Address.pack</c>): a numeric address when <c>socket.inet_pton(AF_INET, host)</c>
    /// accepts the host (type 1), else when <c>inet_pton(AF_INET6, host)</c> does (type 3), else a domain name (type 2).
    /// </summary>
    /// <remarks>
    /// <c>inet_pton</c> is strict, so some hosts that <see cref="System.Net.IPAddress.TryParse(string?, out System.Net.IPAddress?)"/>
    /// would take stay domain names, as in py-ipv8: <c>1.2.3</c>, <c>01.2.3.4</c>, <c>0x7f.0.0.1</c>, <c>[::1]</c>,
    /// <c>fe80::1%eth0</c>, and hosts with spaces.
    /// </remarks>
    /// <param name="host">The host: an IPv4 or IPv6 address in text, or a domain name.</param>
    /// <param name="port">The port.</param>
    /// <exception cref="ArgumentException"><paramref name="host"/> holds a NUL character, which Python refuses (<c>ValueError</c>), so py-ipv8 packs no such address.</exception>
    public static HostAddress Parse(string host, ushort port)
    {
        ArgumentNullException.ThrowIfNull(host);
        if (host.Contains('\0', StringComparison.Ordinal))
        {
            ThrowHelper.ThrowArgument("py-ipv8 cannot pack a host with a NUL character (Python's inet_pton raises ValueError).", nameof(host));
        }

        return InetPton.TryParse(host, port, out var address) ? new HostAddress(address) : new HostAddress(host, port);
    }

    /// <summary>The numeric address, when <see cref="IsDomain"/> is false.</summary>
    public UdpAddress Address { get; }

    /// <summary>The domain name, or null for a numeric address.</summary>
    public string? Host { get; }

    /// <summary>The port.</summary>
    public ushort Port { get; }

    /// <summary>True when this is a domain name (wire type 2).</summary>
    public bool IsDomain => Host is not null;

    /// <summary>The number of bytes the <c>address</c> format takes for this value.</summary>
    public int WireSize => IsDomain
        ? 1 + 2 + System.Text.Encoding.UTF8.GetByteCount(Host!) + 2
        : Address.IsIPv6 ? 19 : 7;

    /// <inheritdoc/>
    public override string ToString() => IsDomain ? $"{Host}:{Port}" : Address.ToString();
}
