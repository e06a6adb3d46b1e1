using Ipv8.Cli.Hosting;
using Ipv8.Tests.Shared;

namespace Ipv8.Cli.Tests;

/// <summary>The ipv8 command's log events (docs/logging.md).</summary>
public sealed class LogEventTests
{
    [Fact]
    public void Every_cli_log_event_has_a_unique_id_and_a_row_in_docs_logging_md() =>
        LogEventTable.AssertDocumented(typeof(CliLog).Assembly, id => id is >= 8000 and < 9000);

    [Fact]
    public void No_cli_log_template_puts_a_count_before_a_plural_noun() => LogEventTable.AssertNoCountBeforeAPluralNoun(typeof(CliLog).Assembly);

    [Theory]
    [InlineData(0, "0 communities")]
    [InlineData(1, "1 community")]
    [InlineData(2, "2 communities")]
    public void Free_text_counts_use_the_singular_for_one(int count, string expected)
    {
        Assert.Equal(expected, Ipv8.Shared.Counted.Of(count, "community", "communities"));
        Assert.Equal(count == 1 ? "1 peer" : $"{count} peers", Ipv8.Shared.Counted.Of(count, "peer"));
    }

    [Fact]
    public async Task The_tracker_status_line_counts_in_words_that_read_right()
    {
        await using var tracker = Tracker.Create(new Ipv8.Testing.RecordingEndpoint(Ipv8.Wire.UdpAddress.Parse("127.0.0.1:8090")), logs: null, capacity: 10, enableMetrics: false);

        var status = tracker.Status();

        Assert.Contains(": 0 peers in 0 communities, 0 introduction requests answered, packets in: ", status, StringComparison.Ordinal);
    }
}
