using Microsoft.Extensions.Logging;

namespace Ipv8.Hosting;

/// <summary>The log events of the hosting layer (ids 7xxx; docs/logging.md).</summary>
internal static partial class HostingLog
{
    [LoggerMessage(EventId = 7001, Level = LogLevel.Information, Message = "No Ipv8:KeyFile set: this run uses a new key, so the node's identity changes on restart")]
    public static partial void NewKeyEachRun(ILogger logger);

    [LoggerMessage(EventId = 7002, Level = LogLevel.Information, Message = "Wrote a new private key to {KeyFile}")]
    public static partial void KeyFileWritten(ILogger logger, string keyFile);

    [LoggerMessage(EventId = 7003, Level = LogLevel.Information, Message = "Ipv8 node {Name} (mid {Mid}, public key {PublicKey}) listening on {Addresses}")]
    public static partial void Listening(ILogger logger, string name, string mid, string publicKey, string addresses);

    [LoggerMessage(EventId = 7004, Level = LogLevel.Warning, Message = "The host's shutdown timeout passed before Ipv8 node {Name} finished stopping")]
    public static partial void ShutdownTimeout(ILogger logger, string name);
}
