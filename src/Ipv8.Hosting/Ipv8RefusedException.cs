using Microsoft.Extensions.Options;

namespace Ipv8.Hosting;

/// <summary>
/// The <see cref="OptionsValidationException"/> a hosted node is refused with (see
/// <see cref="Ipv8OptionsValidator.Refuse"/>). It is a settings problem, not a fault in the code: its text is the one
/// line that names the setting, without a stack trace, both where the host logs it ("Hosting failed to start") and
/// where the runtime prints an exception nobody caught ("Unhandled exception.").
/// </summary>
internal sealed class Ipv8RefusedException(string message) : OptionsValidationException(Options.DefaultName, typeof(Ipv8Options), [message])
{
    /// <summary>The message alone: the stack trace would only show the host's start, not where the setting is.</summary>
    public override string ToString() => Message;
}
