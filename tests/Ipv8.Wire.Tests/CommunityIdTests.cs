namespace Ipv8.Wire.Tests;

public class CommunityIdTests
{
    [Fact]
    public void The_prefix_is_zero_version_two_and_the_id()
    {
        var id = CommunityId.Parse((string)Vectors.Community["community_id"]!);
        Assert.Equal(Vectors.Prefix, id.ToPrefix());
        Assert.Equal((string)Vectors.Community["community_id"]!, id.ToString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("da64fa29895323ff8ad63b8c958c898dd27db9")]
    [InlineData("da64fa29895323ff8ad63b8c958c898dd27db97dxx")]
    [InlineData("zz64fa29895323ff8ad63b8c958c898dd27db97d")]
    public void A_bad_id_gives_a_clear_error(string hex)
    {
        Assert.False(CommunityId.TryParse(hex, out _));
        var ex = Assert.Throws<FormatException>(() => CommunityId.Parse(hex));
        Assert.Contains("40 hex digits", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Prefix_matching_ignores_other_communities()
    {
        var a = CommunityId.Parse("da64fa29895323ff8ad63b8c958c898dd27db97d");
        var b = CommunityId.Parse("da64fa29895323ff8ad63b8c958c898dd27db97e");
        Assert.True(a.MatchesPrefix(a.ToPrefix()));
        Assert.False(a.MatchesPrefix(b.ToPrefix()));
        Assert.False(a.MatchesPrefix(a.ToPrefix().AsSpan(0, 21)));
    }
}
