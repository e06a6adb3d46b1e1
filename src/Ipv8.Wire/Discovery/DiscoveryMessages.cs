namespace Ipv8.Wire.Discovery;

/// <summary>
/// The message ids of py-ipv8's discovery messages (PROTOCOL.md §4). Their names, payload types and signedness are
/// <see cref="DiscoveryKinds"/>.
/// </summary>
public static class DiscoveryMessages
{
    /// <summary>246, old-style introduction request.</summary>
    public const byte IntroductionRequest = 246;

    /// <summary>245, old-style introduction response.</summary>
    public const byte IntroductionResponse = 245;

    /// <summary>250, old-style puncture request (unsigned).</summary>
    public const byte PunctureRequest = 250;

    /// <summary>249, old-style puncture.</summary>
    public const byte Puncture = 249;

    /// <summary>234, new-style introduction request.</summary>
    public const byte NewIntroductionRequest = 234;

    /// <summary>233, new-style introduction response.</summary>
    public const byte NewIntroductionResponse = 233;

    /// <summary>232, new-style puncture request (unsigned).</summary>
    public const byte NewPunctureRequest = 232;

    /// <summary>231, new-style puncture.</summary>
    public const byte NewPuncture = 231;

    /// <summary>True for the ids py-ipv8 logs as deprecated and otherwise ignores: 235–244, 247, 248, 251–255.</summary>
    public static bool IsDeprecated(byte messageId) =>
        messageId is (>= 235 and <= 244) or 247 or 248 or >= 251;
}
