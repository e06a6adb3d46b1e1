using System.Diagnostics.Metrics;

namespace Ipv8.Engine.Diagnostics;

/// <summary>
/// The histograms one community records into, with its tags prepared once. Recording is skipped (one field read) while no
/// listener is enabled; with one, a measurement with two tags does not allocate.
/// </summary>
internal sealed class CommunityInstruments(Histogram<double> walkRoundTrip, Histogram<double> verifyDuration, string node, string community)
{
    private readonly KeyValuePair<string, object?> _node = new("node", node);
    private readonly KeyValuePair<string, object?> _community = new("community", community);

    public bool WalkRoundTripEnabled => walkRoundTrip.Enabled;

    public bool VerifyDurationEnabled => verifyDuration.Enabled;

    public void RecordWalkRoundTrip(double seconds) => walkRoundTrip.Record(seconds, _node, _community);

    public void RecordVerifyDuration(double seconds) => verifyDuration.Record(seconds, _node, _community);
}
