using System.Buffers.Binary;
using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Ipv8.Wire;

namespace Ipv8.Engine.Communities;

/// <summary>
/// This machine's IPv4 subnets, read once, to answer "is this address on our LAN?" (py-ipv8 <c>address_is_lan</c>) and
/// to guess our LAN address. 127.0.0.0/8 always counts as local.
/// </summary>
internal sealed class LocalNetworks
{
    private readonly (uint Network, uint Mask)[] _subnets;

    private LocalNetworks((uint, uint)[] subnets, UdpAddress? firstLanAddress)
    {
        _subnets = subnets;
        FirstLanAddress = firstLanAddress;
    }

    /// <summary>The first non-loopback IPv4 address of an interface that is up, if any.</summary>
    public UdpAddress? FirstLanAddress { get; }

    public static LocalNetworks Discover()
    {
        var subnets = new List<(uint, uint)> { (0x7F000000, 0xFF000000) };
        UdpAddress? first = null;
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
                    if (unicast.Address.AddressFamily != AddressFamily.InterNetwork || unicast.IPv4Mask is null)
                    {
                        continue;
                    }

                    var address = BinaryPrimitives.ReadUInt32BigEndian(unicast.Address.GetAddressBytes());
                    var mask = BinaryPrimitives.ReadUInt32BigEndian(unicast.IPv4Mask.GetAddressBytes());
                    subnets.Add((address & mask, mask));
                    if (first is null && !IPAddress.IsLoopback(unicast.Address))
                    {
                        first = UdpAddress.FromIPv4(address, 0);
                    }
                }
            }
        }
        catch (NetworkInformationException)
        {
            // No interface information: only loopback counts as local.
        }

        return new LocalNetworks([.. subnets], first);
    }

    public bool Contains(UdpAddress address)
    {
        if (address.IsIPv6)
        {
            return false;
        }

        var value = address.IPv4Value;
        foreach (var (network, mask) in _subnets)
        {
            if ((value & mask) == network)
            {
                return true;
            }
        }

        return false;
    }
}
