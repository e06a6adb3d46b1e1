using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Ipv8.Wire;

namespace Ipv8.Engine.Communities;

/// <summary>
/// This machine's own IPv4 interface addresses, read once per process (py-ipv8 <c>get_lan_addresses()</c>), minus the
/// addresses py-ipv8 never counts (its <c>BLACKLIST</c>: 127.0.0.1, 127.0.1.1, 0.0.0.0, 255.255.255.255). They answer
/// py-ipv8's <c>address_is_lan</c> (is this one of our own addresses?) and give the first LAN address for our LAN
/// estimate.
/// </summary>
internal sealed class LocalNetworks
{
    private static readonly Lazy<LocalNetworks> s_machine = new(Discover);

    private readonly HashSet<uint> _addresses;

    internal LocalNetworks(IEnumerable<uint> addresses)
    {
        _addresses = [.. addresses.Where(a => !IsBlacklisted(a))];
        FirstLanAddress = _addresses.Count > 0 ? UdpAddress.FromIPv4(_addresses.First(), 0) : null;
    }

    /// <summary>The addresses of this machine. Interfaces are read once: a process-wide snapshot, like py-ipv8's cached providers.</summary>
    public static LocalNetworks Machine => s_machine.Value;

    /// <summary>The first own IPv4 address py-ipv8 would pick as its LAN address, if any.</summary>
    public UdpAddress? FirstLanAddress { get; }

    /// <summary>py-ipv8 <c>address_is_lan</c>: true when <paramref name="address"/>'s host is one of this machine's own IPv4 addresses.</summary>
    public bool Contains(UdpAddress address) => address.IsIPv4 && _addresses.Contains(address.IPv4Value);

    private static bool IsBlacklisted(uint address) =>
        address is 0x7F000001 or 0x7F000101 or 0 or 0xFFFFFFFF;

    private static LocalNetworks Discover()
    {
        var addresses = new List<uint>();
        try
        {
            foreach (var nic in NetworkInterface.GetAllNetworkInterfaces())
            {
                if (nic.OperationalStatus != OperationalStatus.Up)
                {
                    continue;
                }

                foreach (var unicast in nic.GetIPProperties().UnicastAddresses)
                {
                    if (unicast.Address.AddressFamily == AddressFamily.InterNetwork)
                    {
                        addresses.Add(UdpAddress.FromIPAddress(unicast.Address, 0).IPv4Value);
                    }
                }
            }
        }
        catch (NetworkInformationException)
        {
            // No interface information: nothing counts as our own address.
        }

        return new LocalNetworks(addresses);
    }
}
