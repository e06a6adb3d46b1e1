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

    /// <summary>A domain name and port.</summary>
    public HostAddress(string host, ushort port)
    {
        ArgumentNullException.ThrowIfNull(host);
        Address = default;
        Host = host;
        Port = port;
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
