namespace Ipv8.Wire.Discovery;

/// <summary>The message ids and names of py-ipv8's discovery messages (PROTOCOL.md §4).</summary>
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

    /// <summary>py-ipv8's name for a discovery message id, or null.</summary>
    public static string? GetName(byte messageId) => messageId switch
    {
        IntroductionRequest => "introduction-request",
        IntroductionResponse => "introduction-response",
        PunctureRequest => "puncture-request",
        Puncture => "puncture",
        NewIntroductionRequest => "new-introduction-request",
        NewIntroductionResponse => "new-introduction-response",
        NewPunctureRequest => "new-puncture-request",
        NewPuncture => "new-puncture",
        _ => null,
    };

    /// <summary>True for the ids py-ipv8 logs as deprecated and otherwise ignores: 235–244, 247, 248, 251–255.</summary>
    public static bool IsDeprecated(byte messageId) =>
        messageId is (>= 235 and <= 244) or 247 or 248 or >= 251;
}
