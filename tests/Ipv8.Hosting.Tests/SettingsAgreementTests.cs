using Ipv8.Engine;
using Ipv8.Engine.Communities;
using Ipv8.Engine.Discovery;
using Ipv8.Engine.Endpoints;
using Ipv8.Wire.Crypto;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Ipv8.Hosting.Tests;

/// <summary>
/// The hosting options accept exactly the values the engine accepts (one definition of each range, shared with the
/// <c>ipv8</c> command): a setting that validates never fails later in a constructor, and no value the engine can run
/// is refused.
/// </summary>
public sealed class SettingsAgreementTests : IAsyncDisposable
{
    private readonly InMemoryNetwork _network = new();
    private readonly Ipv8Node _node;
    private readonly Community _community;

    public SettingsAgreementTests()
    {
        _node = new Ipv8Node(LibNaClPrivateKey.Generate(), _network.CreateEndpoint());
        _community = _node.AddCommunity(new ChatCommunity(_node.CreateSettings()));
    }

    public async ValueTask DisposeAsync()
    {
        await _node.DisposeAsync();
        _node.Key.Dispose();
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(0)]
    [InlineData(50)]
    [InlineData(255)]
    [InlineData(256)]
    [InlineData(257)]
    public void ResetChance_is_valid_in_the_settings_exactly_when_RandomWalk_accepts_it(int resetChance)
    {
        var walker = new Ipv8WalkerOptions { ResetChance = resetChance };

        var engineAccepts = Accepts(() => new RandomWalk(_community, resetChance: resetChance));
        var errors = Validate(options => options.Walkers = [walker]);

        Assert.Equal(resetChance is >= 0 and <= 256, engineAccepts);
        Assert.Equal(engineAccepts, errors.Count == 0);
        if (!engineAccepts)
        {
            Assert.Equal($"Ipv8:Walkers:0:ResetChance {resetChance} is not from 0 (never) to 256 (always), out of 256.", Assert.Single(errors));
        }
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(0)]
    [InlineData(5)]
    public void WindowSize_is_valid_in_the_settings_exactly_when_RandomWalk_accepts_it_0_being_unlimited(int windowSize)
    {
        var engineAccepts = Accepts(() => new RandomWalk(_community, windowSize: windowSize));
        var errors = Validate(options => options.Walkers = [new Ipv8WalkerOptions { WindowSize = windowSize }]);

        Assert.Equal(windowSize >= 0, engineAccepts);
        Assert.Equal(engineAccepts, errors.Count == 0);
    }

    [Theory]
    [InlineData(-2)]
    [InlineData(-1)]
    [InlineData(0)]
    [InlineData(30)]
    public void MaxPeers_is_valid_in_the_settings_exactly_when_a_community_accepts_it(int maxPeers)
    {
        var engineAccepts = Accepts(() => new ChatCommunity(_node.CreateSettings(s => s.MaxPeers = maxPeers)));
        var errors = Validate(options => options.MaxPeers = maxPeers);
        var perCommunity = Validate(options => options.Communities["ChatCommunity"] = new Ipv8CommunityOptions { MaxPeers = maxPeers });

        Assert.Equal(maxPeers >= -1, engineAccepts);
        Assert.Equal(engineAccepts, errors.Count == 0);
        Assert.Equal(engineAccepts, perCommunity.Count == 0);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.0001)]
    [InlineData(0.001)]
    [InlineData(0.5)]
    [InlineData(8_640_000.0)] // 100 days: beyond what a PeriodicTimer can run at
    public void WalkInterval_is_valid_in_the_settings_exactly_when_the_node_accepts_it(double seconds)
    {
        var interval = TimeSpan.FromSeconds(seconds);
        var engineAccepts = Accepts(() => new Ipv8Node(LibNaClPrivateKey.Generate(), new InMemoryNetwork().CreateEndpoint(), new Ipv8NodeOptions { WalkInterval = interval }));
        var errors = Validate(options => options.WalkInterval = interval);

        Assert.Equal(seconds is >= 0.001 and <= 86_400 * 49, engineAccepts);
        Assert.Equal(engineAccepts, errors.Count == 0);
        if (!engineAccepts)
        {
            Assert.Contains("Ipv8:WalkInterval", Assert.Single(errors), StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData(-5.0, false)]
    [InlineData(0.0, true)]
    [InlineData(0.0001, false)]
    [InlineData(10.0, true)]
    [InlineData(8_640_000.0, false)]
    public void SummaryInterval_is_zero_for_off_or_a_period_a_timer_can_run_at(double seconds, bool valid)
    {
        var errors = Validate(options => options.SummaryInterval = TimeSpan.FromSeconds(seconds));

        Assert.Equal(valid, errors.Count == 0);
        if (!valid)
        {
            Assert.Contains("Ipv8:SummaryInterval", Assert.Single(errors), StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData(-2)]
    [InlineData(-1)]
    [InlineData(0)]
    [InlineData(20)]
    public void TargetPeers_is_valid_in_the_settings_exactly_when_the_node_accepts_it(int targetPeers)
    {
        var engineAccepts = Accepts(() => _node.AddStrategy(_community, new RandomWalk(_community), targetPeers));
        var errors = Validate(options => options.Walkers = [new Ipv8WalkerOptions { TargetPeers = targetPeers }]);

        Assert.Equal(targetPeers >= -1, engineAccepts);
        Assert.Equal(engineAccepts, errors.Count == 0);
    }

    [Theory]
    [InlineData(0, 6)]
    [InlineData(4, 0)]
    [InlineData(1, 1)]
    public void EdgeWalk_sizes_are_valid_in_the_settings_exactly_when_EdgeWalk_accepts_them(int edgeLength, int neighborhoodSize)
    {
        var engineAccepts = Accepts(() => new EdgeWalk(_community, edgeLength, neighborhoodSize));
        var errors = Validate(options => options.Walkers = [new Ipv8WalkerOptions { Strategy = "EdgeWalk", EdgeLength = edgeLength, NeighborhoodSize = neighborhoodSize }]);

        Assert.Equal(edgeLength >= 1 && neighborhoodSize >= 1, engineAccepts);
        Assert.Equal(engineAccepts, errors.Count == 0);
    }

    private static bool Accepts(Action create)
    {
        try
        {
            create();
            return true;
        }
        catch (ArgumentOutOfRangeException)
        {
            return false;
        }
    }

    /// <summary>The hosting validator's errors for settings changed from the defaults.</summary>
    private static IReadOnlyList<string> Validate(Action<Ipv8Options> configure)
    {
        var services = new ServiceCollection();
        services.AddIpv8(configure);
        using var provider = services.BuildServiceProvider();
        var options = new Ipv8Options();
        configure(options);
        var result = provider.GetRequiredService<IEnumerable<IValidateOptions<Ipv8Options>>>()
            .Select(v => v.Validate(Options.DefaultName, options))
            .Single();
        return result.Failed ? [.. result.Failures] : [];
    }
}
