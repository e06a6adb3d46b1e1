using Ipv8.Engine.Communities;
using Ipv8.Wire;

namespace Ipv8.Cli.Hosting;

/// <summary>
/// A plain community with a given id: only the discovery messages of the <see cref="Community"/> base (introductions
/// and punctures). What <c>ipv8 node</c> and <c>ipv8 swarm</c> run.
/// </summary>
internal sealed class CliCommunity(CommunityId id, CommunitySettings settings) : Community(id, settings)
{
    /// <summary>The fixed community id of the <c>ipv8 swarm</c> demo (SHA-1 of "ipv8-dotnet swarm demo").</summary>
    public static readonly CommunityId SwarmDemoId = CommunityId.FromBytes(
        System.Security.Cryptography.SHA1.HashData("ipv8-dotnet swarm demo"u8));
}
