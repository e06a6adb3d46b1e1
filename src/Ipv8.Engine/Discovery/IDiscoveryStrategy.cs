namespace Ipv8.Engine.Discovery;

/// <summary>A peer discovery strategy, stepped by the node every tick (py-ipv8 <c>DiscoveryStrategy.take_step</c>).</summary>
public interface IDiscoveryStrategy
{
    /// <summary>Does one step of discovery. Must not block.</summary>
    void TakeStep();
}
