using System.Globalization;
using System.Xml;
using Ipv8.Cli.Bench;
using Ipv8.Cli.Commands;
using static Ipv8.Cli.Plotting.SwarmPlot;

namespace Ipv8.Cli.Plotting;

/// <summary>
/// Draws an <c>ipv8 bench</c> run as a plain SVG (the helpers of <see cref="SwarmPlot"/>): for <c>--find-max</c>,
/// latency p50, p99 and max against the rate of each step, with the p99 bound and the max rate; for one run, the same
/// percentiles of each second's answers over time.
/// </summary>
internal static class BenchPlot
{
    private static readonly (string Name, string Color)[] s_lines = [("p50", "#4e79a7"), ("p99", "#e15759"), ("max", "#9c755f")];
    private static readonly CultureInfo s_invariant = CultureInfo.InvariantCulture;

    public static void Save(BenchConfig config, IReadOnlyList<BenchStepReport> steps, double? maxRate, FileInfo file)
    {
        ArgumentNullException.ThrowIfNull(file);
        using var writer = new StreamWriter(file.FullName, append: false);
        Write(config, steps, maxRate, writer);
    }

    public static void Write(BenchConfig config, IReadOnlyList<BenchStepReport> steps, double? maxRate, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(steps);
        // (x, p50, p99, max) points: steps by rate, or one run's seconds.
        List<(double X, double? P50, double? P99, double? Max)> points = config.FindMax
            ? [.. steps.Where(s => s.Refused is null).OrderBy(s => s.Result.Rate).Select(s => (s.Result.Rate, s.Result.Latency?.P50, s.Result.Latency?.P99, s.Result.Latency?.Max))]
            : [.. steps[0].Result.Series.Select(s => ((double)s.Second, s.P50Ms, s.P99Ms, s.MaxMs))];
        var refusedMax = config.FindMax ? steps.Where(s => s.Refused is not null).Select(s => s.Result.Rate).DefaultIfEmpty(0).Max() : 0;
        var xMax = Math.Max(Math.Max(points.Count == 0 ? 1 : points.Max(p => p.X), refusedMax) * 1.05, 1);
        var yTop = points.Count == 0 ? 1 : points.Max(p => Math.Max(p.P99 ?? 0, p.Max ?? 0));
        if (config.FindMax)
        {
            yTop = Math.Min(Math.Max(yTop, config.MaxP99Ms * 1.2), config.MaxP99Ms * 4); // the bound stays in view; a huge max is cut at the top
        }

        var xAxis = Axis.For(xMax, 10, integral: true);
        var yAxis = Axis.For(Math.Max(yTop, 0.01), 8, integral: false);
        double X(double x) => 64 + (x / xAxis.Max * (Width - 220 - 64));
        double Y(double y) => Height - 56 - (Math.Min(y, yAxis.Max) / yAxis.Max * (Height - 56 - 76));

        using var xml = XmlWriter.Create(output, new XmlWriterSettings { OmitXmlDeclaration = true, Indent = true, CloseOutput = false });
        xml.WriteStartElement("svg", Svg);
        Attributes(xml, ("width", F(Width)), ("height", F(Height)), ("viewBox", $"0 0 {F(Width)} {F(Height)}"), ("font-family", "sans-serif"), ("font-size", "12"));
        var title = config.FindMax
            ? $"ipv8 bench --find-max: {BenchMessages.Name(config.Message)} to {config.Target}, max rate " + (maxRate is { } m ? m.ToString("0.#", s_invariant) + "/s" : "none")
            : string.Create(s_invariant, $"ipv8 bench: {BenchMessages.Name(config.Message)} to {config.Target} at {config.Rate:0.#}/s");
        xml.WriteElementString("title", Svg, title);
        Element(xml, "rect", ("width", F(Width)), ("height", F(Height)), ("fill", "white"));
        Group(xml, ("class", "grid"), ("stroke", "#e6e6e6"), ("stroke-width", "1"));
        foreach (var tick in xAxis.Ticks)
        {
            Line(xml, X(tick), Y(0), X(tick), Y(yAxis.Max));
        }

        foreach (var tick in yAxis.Ticks)
        {
            Line(xml, X(0), Y(tick), X(xAxis.Max), Y(tick));
        }

        xml.WriteEndElement();
        Group(xml, ("class", "xticks"), ("text-anchor", "middle"), ("fill", "#333333"));
        foreach (var tick in xAxis.Ticks)
        {
            Text(xml, N(tick), ("x", F(X(tick))), ("y", F(Y(0) + 18)));
        }

        xml.WriteEndElement();
        Group(xml, ("class", "yticks"), ("text-anchor", "end"), ("fill", "#333333"));
        foreach (var tick in yAxis.Ticks)
        {
            Text(xml, N(tick), ("x", F(X(0) - 8)), ("y", F(Y(tick) + 4)));
        }

        xml.WriteEndElement();
        Text(xml, config.FindMax ? "requests per second" : "seconds since start", ("class", "xlabel"), ("x", F((X(0) + X(xAxis.Max)) / 2)), ("y", F(Y(0) + 44)), ("text-anchor", "middle"), ("font-size", "13"));
        Text(xml, "latency (ms, from the intended send time)", ("class", "ylabel"), ("transform", $"translate(20 {F((Y(0) + Y(yAxis.Max)) / 2)}) rotate(-90)"), ("text-anchor", "middle"), ("font-size", "13"));
        for (var i = 0; i < s_lines.Length; i++)
        {
            var (name, color) = s_lines[i];
            var values = points.Select(p => (p.X, Value: i switch { 0 => p.P50, 1 => p.P99, _ => p.Max })).Where(p => p.Value is not null).ToList();
            Element(xml, "polyline", ("class", name), ("fill", "none"), ("stroke", color), ("stroke-width", "2"),
                ("points", string.Join(' ', values.Select(p => $"{F(X(p.X))},{F(Y(p.Value!.Value))}"))));
            if (config.FindMax)
            {
                foreach (var p in values)
                {
                    Element(xml, "circle", ("class", name + "-point"), ("cx", F(X(p.X))), ("cy", F(Y(p.Value!.Value))), ("r", "3"), ("fill", color));
                }
            }

            Element(xml, "line", ("x1", F(Width - 200)), ("y1", F(96 + (i * 22))), ("x2", F(Width - 174)), ("y2", F(96 + (i * 22))), ("stroke", color), ("stroke-width", "2"));
            Text(xml, name, ("x", F(Width - 166)), ("y", F(100 + (i * 22))));
        }

        if (config.FindMax)
        {
            Element(xml, "line", ("class", "bound"), ("x1", F(X(0))), ("y1", F(Y(config.MaxP99Ms))), ("x2", F(X(xAxis.Max))), ("y2", F(Y(config.MaxP99Ms))),
                ("stroke", "#d62728"), ("stroke-width", "1.5"), ("stroke-dasharray", "6 4"));
            Element(xml, "line", ("class", "bound-key"), ("x1", F(Width - 200)), ("y1", F(96 + (3 * 22))), ("x2", F(Width - 174)), ("y2", F(96 + (3 * 22))), ("stroke", "#d62728"), ("stroke-width", "1.5"), ("stroke-dasharray", "6 4"));
            Text(xml, string.Create(s_invariant, $"p99 bound {config.MaxP99Ms:0.###} ms"), ("x", F(Width - 166)), ("y", F(100 + (3 * 22))));
            if (maxRate is { } max)
            {
                Element(xml, "line", ("class", "max-rate"), ("x1", F(X(max))), ("y1", F(Y(0))), ("x2", F(X(max))), ("y2", F(Y(yAxis.Max))), ("stroke", "#2ca02c"), ("stroke-width", "1.5"));
                Element(xml, "line", ("class", "max-rate-key"), ("x1", F(Width - 200)), ("y1", F(96 + (4 * 22))), ("x2", F(Width - 174)), ("y2", F(96 + (4 * 22))), ("stroke", "#2ca02c"), ("stroke-width", "1.5"));
                Text(xml, string.Create(s_invariant, $"max rate {max:0.#}/s"), ("x", F(Width - 166)), ("y", F(100 + (4 * 22))));
            }

            // Refused steps (the generator missed its schedule) have no latency: a grey cross on the rate axis each.
            var refused = steps.Where(s => s.Refused is not null).Select(s => s.Result.Rate).ToList();
            foreach (var rate in refused)
            {
                var x = X(Math.Min(rate, xAxis.Max));
                Element(xml, "path", ("class", "refused-point"), ("d", $"M{F(x - 4)},{F(Y(0) - 4)} l8,8 m0,-8 l-8,8"), ("stroke", "#7f7f7f"), ("stroke-width", "2"));
            }

            if (refused.Count > 0)
            {
                Element(xml, "path", ("class", "refused-key"), ("d", $"M{F(Width - 191)},{F(92 + (5 * 22))} l8,8 m0,-8 l-8,8"), ("stroke", "#7f7f7f"), ("stroke-width", "2"));
                Text(xml, string.Create(s_invariant, $"refused (schedule): {refused.Count}"), ("x", F(Width - 166)), ("y", F(100 + (5 * 22))));
            }
        }

        Text(xml, title, ("class", "title"), ("x", "64"), ("y", "28"), ("font-size", "18"), ("font-weight", "bold"));
        Text(xml, config.FindMax ? "Latency percentiles of each step (one point per rate tried)." : "Latency percentiles of the answers that arrived in each second.", ("class", "subtitle"), ("x", "64"), ("y", "50"), ("fill", "#555555"));
        xml.WriteEndElement();
        xml.Flush();
    }
}
