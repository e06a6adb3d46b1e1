using Ipv8.Cli.Hosting;
using Ipv8.Tests.Shared;

namespace Ipv8.Cli.Tests;

/// <summary>The ipv8 command's log events (docs/logging.md).</summary>
public sealed class LogEventTests
{
    [Fact]
    public void Every_cli_log_event_has_a_unique_id_and_a_row_in_docs_logging_md() =>
        LogEventTable.AssertDocumented(typeof(CliLog).Assembly, id => id is >= 8000 and < 9000);
}
