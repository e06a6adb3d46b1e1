using Ipv8.Engine.Peers;
using Ipv8.Wire;

namespace Ipv8.Engine.Tests;

/// <summary>The services of one peer in <see cref="Network"/>: in the order added, each once.</summary>
public class ServiceListTests
{
    [Fact]
    public void Services_are_kept_once_each_in_the_order_they_were_added()
    {
        var ids = Enumerable.Range(1, 70).Select(Id).ToArray();
        var list = default(ServiceList);
        Assert.False(list.Contains(ids[0]));
        Assert.Empty(list.ToArray());

        foreach (var id in ids)
        {
            Assert.True(list.Add(id));
            Assert.False(list.Add(id), "a service already present is not added twice");
            Assert.False(list.Add(ids[0]));
        }

        Assert.Equal(ids.Length, list.Count);
        Assert.Equal(ids, list.ToArray());
        Assert.All(ids, id => Assert.True(list.Contains(id)));
        Assert.False(list.Contains(Id(71)));
        Assert.False(list.Contains(default));
    }

    [Fact]
    public void A_peer_with_one_service_holds_it_without_allocating()
    {
        var list = default(ServiceList);
        var id = Id(9);
        var before = GC.GetAllocatedBytesForCurrentThread();
        list.Add(id);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        Assert.Equal(id, list[0]);
    }

    private static CommunityId Id(int n)
    {
        var bytes = new byte[20];
        bytes[0] = (byte)n;
        bytes[19] = 0xAB;
        return CommunityId.FromBytes(bytes);
    }
}
