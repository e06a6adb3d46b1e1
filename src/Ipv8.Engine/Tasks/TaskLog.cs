using Microsoft.Extensions.Logging;

namespace Ipv8.Engine.Tasks;

/// <summary>The log events of background tasks (ids 6xxx; docs/logging.md).</summary>
internal static partial class TaskLog
{
    [LoggerMessage(EventId = 6001, Level = LogLevel.Error, Message = "Periodic task {Name} failed")]
    public static partial void PeriodicTaskFailed(ILogger logger, Exception exception, string name);

    [LoggerMessage(EventId = 6002, Level = LogLevel.Error, Message = "Task {Name} failed")]
    public static partial void TaskFailed(ILogger logger, Exception exception, string name);
}
