namespace Ipv8.Fuzz.Targets;

/// <summary>
/// One fuzz target. <see cref="Run"/> feeds an input through the code under test and checks invariants; it throws
/// <see cref="InvariantViolationException"/> when one breaks. Any other exception escaping is a violation too: wire data
/// must never throw.
/// </summary>
public interface IFuzzTarget
{
    /// <summary>The name used on the command line.</summary>
    string Name { get; }

    /// <summary>Runs one input.</summary>
    void Run(ReadOnlySpan<byte> input);
}

/// <summary>An invariant of a fuzz target did not hold.</summary>
public sealed class InvariantViolationException(string message) : Exception(message);

/// <summary>The targets, by name.</summary>
public static class FuzzTargets
{
    public static IReadOnlyList<IFuzzTarget> All { get; } = [new PacketCodecTarget(), new PayloadReaderTarget(), new CommunityTarget()];

    public static IFuzzTarget? Find(string name) => All.FirstOrDefault(t => t.Name == name);

    public static void Check(bool condition, string what)
    {
        if (!condition)
        {
            throw new InvariantViolationException(what);
        }
    }
}
