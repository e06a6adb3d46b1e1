namespace Ipv8.Testing;

/// <summary>
/// A message handler (or a discovery strategy) of a node in a <see cref="TestNetwork{TCommunity}"/> threw. The first
/// exception the nodes logged, if any, is the <see cref="Exception.InnerException"/>.
/// </summary>
public sealed class HandlerFailedException : Exception
{
    /// <summary>Creates the exception with a message.</summary>
    public HandlerFailedException()
        : base("A message handler threw.")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public HandlerFailedException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the handler's exception.</summary>
    public HandlerFailedException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
