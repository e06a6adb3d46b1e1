using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace Ipv8.Cli.Hosting;

/// <summary>Logging for the long-running commands: one line per event, all of it on standard error.</summary>
internal static class Logs
{
    public static ILoggerFactory ToStandardError(LogLevel minimum) => LoggerFactory.Create(builder =>
    {
        builder.SetMinimumLevel(minimum);
        builder.AddConsole(options => options.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.AddSimpleConsole(options =>
        {
            options.SingleLine = true;
            options.TimestampFormat = "HH:mm:ss.fff ";
            options.ColorBehavior = LoggerColorBehavior.Disabled;
        });
    });
}
