using System.Globalization;
using System.Xml;

namespace Ipv8.Cli.Plotting;

/// <summary>
/// Draws a <see cref="SwarmSeries"/> as a plain SVG file (no dependencies): verified peers per node over time, the
/// convergence target as a horizontal line, the moment of convergence as a vertical line, axes, ticks, a title and a
/// legend. Numbers are written in the invariant culture and text is escaped by <see cref="XmlWriter"/>.
/// </summary>
internal static class SwarmPlot
{
    public const int Width = 960;
    public const int Height = 540;

    internal const string Svg = "http://www.w3.org/2000/svg";
    private const double PlotLeft = 64;
    private const double PlotRight = Width - 220;
    private const double PlotTop = 76;
    private const double PlotBottom = Height - 56;
    private const string TargetColor = "#d62728";
    private const string ConvergedColor = "#2ca02c";
    private const string BandColor = "#4e79a7";
    private const string MedianColor = "#1f3b5a";

    // Tableau 10: distinct hues for up to 100 thin, translucent node lines.
    private static readonly string[] s_palette =
        ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"];

    private static readonly CultureInfo s_invariant = CultureInfo.InvariantCulture;

    /// <summary>
    /// Why <paramref name="file"/>, the value of option <paramref name="option"/>, cannot be an SVG file by its name (not
    /// .svg, or nothing before the .svg); null when it can. The path is said as it was given, in quotes.
    /// </summary>
    public static string? CheckName(string option, FileInfo file)
    {
        ArgumentNullException.ThrowIfNull(file);
        var given = file.ToString(); // the path as given
        var extension = Path.GetExtension(file.Name);
        if (extension.Equals(".png", StringComparison.OrdinalIgnoreCase))
        {
            return $"{option} '{given}': only .svg is written (PNG would need a native raster library); convert the SVG, e.g. with rsvg-convert";
        }

        if (!extension.Equals(".svg", StringComparison.OrdinalIgnoreCase))
        {
            return $"{option} '{given}': the file name must end in .svg";
        }

        return Path.GetFileNameWithoutExtension(file.Name).Length == 0
            ? $"{option} '{given}': the file needs a name before .svg"
            : null;
    }

    /// <summary>Writes the picture to <paramref name="file"/>, replacing it.</summary>
    public static void Save(SwarmSeries series, FileInfo file)
    {
        ArgumentNullException.ThrowIfNull(file);
        using var writer = new StreamWriter(file.FullName, append: false); // UTF-8 without a byte order mark
        Write(series, writer);
    }

    /// <summary>Writes the picture as an SVG document to <paramref name="output"/>.</summary>
    public static void Write(SwarmSeries series, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(series);
        ArgumentNullException.ThrowIfNull(output);
        var samples = series.Samples;
        var lastSeconds = Math.Max(samples.Count == 0 ? 0 : samples[^1].Seconds, series.ConvergedSeconds ?? 0);
        var xAxis = Axis.For(Math.Max(lastSeconds * 1.02, 0.1), maxTicks: 10, integral: false); // 2 %: the convergence line stays off the frame
        var yAxis = Axis.For(Math.Max(samples.Count == 0 ? 0 : samples.Max(s => s.Max), series.Target) + 1, maxTicks: 8, integral: true);
        double X(double seconds) => PlotLeft + (seconds / xAxis.Max * (PlotRight - PlotLeft));
        double Y(double peers) => PlotBottom - (peers / yAxis.Max * (PlotBottom - PlotTop));

        using var xml = XmlWriter.Create(output, new XmlWriterSettings { OmitXmlDeclaration = true, Indent = true, CloseOutput = false });
        xml.WriteStartElement("svg", Svg);
        Attributes(xml, ("width", F(Width)), ("height", F(Height)), ("viewBox", $"0 0 {F(Width)} {F(Height)}"), ("font-family", "sans-serif"), ("font-size", "12"));
        var title = Title(series, lastSeconds);
        xml.WriteElementString("title", Svg, title);
        Element(xml, "rect", ("width", F(Width)), ("height", F(Height)), ("fill", "white"));

        // Grid, axes, ticks and labels.
        Group(xml, ("class", "grid"), ("stroke", "#e6e6e6"), ("stroke-width", "1"));
        foreach (var tick in xAxis.Ticks)
        {
            Line(xml, X(tick), PlotTop, X(tick), PlotBottom);
        }

        foreach (var tick in yAxis.Ticks)
        {
            Line(xml, PlotLeft, Y(tick), PlotRight, Y(tick));
        }

        xml.WriteEndElement();
        Group(xml, ("class", "axes"), ("stroke", "#333333"), ("stroke-width", "1"));
        Line(xml, PlotLeft, PlotBottom, PlotRight, PlotBottom);
        Line(xml, PlotLeft, PlotTop, PlotLeft, PlotBottom);
        xml.WriteEndElement();
        Group(xml, ("class", "xticks"), ("text-anchor", "middle"), ("fill", "#333333"));
        foreach (var tick in xAxis.Ticks)
        {
            Text(xml, N(tick), ("x", F(X(tick))), ("y", F(PlotBottom + 18)), ("data-value", N(tick)));
        }

        xml.WriteEndElement();
        Group(xml, ("class", "yticks"), ("text-anchor", "end"), ("fill", "#333333"));
        foreach (var tick in yAxis.Ticks)
        {
            Text(xml, N(tick), ("x", F(PlotLeft - 8)), ("y", F(Y(tick) + 4)), ("data-value", N(tick)));
        }

        xml.WriteEndElement();
        Text(xml, "seconds since start", ("class", "xlabel"), ("x", F((PlotLeft + PlotRight) / 2)), ("y", F(PlotBottom + 44)), ("text-anchor", "middle"), ("font-size", "13"));
        Text(xml, "verified peers", ("class", "ylabel"), ("transform", $"translate(20 {F((PlotTop + PlotBottom) / 2)}) rotate(-90)"), ("text-anchor", "middle"), ("font-size", "13"));

        // The data: the band and median for a large swarm (once a node started), then the node lines.
        var anyStarted = samples.Any(s => s.Started > 0);
        if (series.HasBands && anyStarted)
        {
            var started = samples.Where(s => s.Started > 0).ToList();
            Band("band", "0.15", s => s.Min, s => s.Max);
            Band("band-inner", "0.3", s => s.P10, s => s.P90);
            void Band(string cssClass, string opacity, Func<SwarmSample, int> low, Func<SwarmSample, int> high)
            {
                var upper = Simplify(started.Select(s => (s.Seconds, (double)high(s))).ToList());
                var lower = Simplify(started.Select(s => (s.Seconds, (double)low(s))).ToList());
                lower.Reverse();
                Element(xml, "polygon", ("class", cssClass), ("fill", BandColor), ("fill-opacity", opacity), ("stroke", "none"), ("points", Points(upper.Concat(lower), X, Y)));
            }
        }

        Group(xml, ("class", "nodes"), ("fill", "none"), ("stroke-width", "1"), ("stroke-opacity", series.HasBands ? "0.35" : "0.6"), ("stroke-linejoin", "round"));
        for (var k = 0; k < series.LineNodes.Count; k++)
        {
            var points = Simplify(samples.Where(s => s.Lines[k] >= 0).Select(s => (s.Seconds, (double)s.Lines[k])).ToList());
            if (points.Count == 0)
            {
                continue;
            }

            var color = series.HasBands ? BandColor : s_palette[k % s_palette.Length];
            Element(xml, "polyline", ("class", "node"), ("data-node", N(series.LineNodes[k])), ("stroke", color), ("points", Points(points, X, Y)));
        }

        xml.WriteEndElement();
        if (series.HasBands && anyStarted)
        {
            var median = Simplify(samples.Where(s => s.Started > 0).Select(s => (s.Seconds, s.Median)).ToList());
            Element(xml, "polyline", ("class", "median"), ("fill", "none"), ("stroke", MedianColor), ("stroke-width", "2"), ("points", Points(median, X, Y)));
        }

        // The target and the moment of convergence, over the data.
        Element(xml, "line", ("class", "target"), ("x1", F(PlotLeft)), ("y1", F(Y(series.Target))), ("x2", F(PlotRight)), ("y2", F(Y(series.Target))),
            ("stroke", TargetColor), ("stroke-width", "1.5"), ("stroke-dasharray", "6 4"));
        if (series.ConvergedSeconds is { } converged)
        {
            var x = X(converged);
            Element(xml, "line", ("class", "converged"), ("x1", F(x)), ("y1", F(PlotTop)), ("x2", F(x)), ("y2", F(PlotBottom)),
                ("stroke", ConvergedColor), ("stroke-width", "1.5"));
            var leftOfLine = x > (PlotLeft + PlotRight) / 2;
            Text(xml, string.Create(s_invariant, $"converged at {converged:F1} s"), ("class", "converged-label"), ("x", F(leftOfLine ? x - 4 : x + 4)), ("y", F(PlotTop - 6)),
                ("text-anchor", leftOfLine ? "end" : "start"), ("fill", ConvergedColor), ("font-size", "11"));
        }

        // The title, and the legend on the right of the plot area.
        Text(xml, title, ("class", "title"), ("x", F(PlotLeft)), ("y", "28"), ("font-size", "18"), ("font-weight", "bold"));
        Text(xml, Subtitle(series), ("class", "subtitle"), ("x", F(PlotLeft)), ("y", "50"), ("fill", "#555555"));
        Legend(xml, series);
        xml.WriteEndElement();
        xml.Flush();
    }

    private static string Title(SwarmSeries series, double lastSeconds) => string.Create(
        s_invariant,
        $"ipv8 swarm: {series.Nodes} {(series.Nodes == 1 ? "node" : "nodes")} over {series.Transport switch { "in-memory" => "an in-memory network", "udp" => "UDP", var other => other }}, ")
        + (series.ConvergedSeconds is { } converged
            ? string.Create(s_invariant, $"converged in {converged:F1} s") + (series.Interrupted ? ", then interrupted" : string.Empty)
            : string.Create(s_invariant, $"{(series.Interrupted ? "interrupted after" : "did not converge in")} {lastSeconds:F1} s") + AtTarget(series));

    /// <summary>" (K/N at the target)", or " (K of S started nodes at the target, S of N started)" when not every node started.</summary>
    private static string AtTarget(SwarmSeries series)
    {
        if (series.Samples.Count == 0)
        {
            return string.Empty;
        }

        var last = series.Samples[^1];
        return last.Started == series.Nodes
            ? string.Create(s_invariant, $" ({last.AtTarget}/{series.Nodes} at the target)")
            : string.Create(s_invariant, $" ({last.AtTarget} at the target; {last.Started} of {series.Nodes} started)");
    }

    private static string Subtitle(SwarmSeries series) => string.Create(
        s_invariant,
        $"Verified peers per node, sampled every {series.Interval.TotalSeconds:0.###} s. Converged: every node has at least min(N − 1, 20) = {series.Target}.");

    private static void Legend(XmlWriter xml, SwarmSeries series)
    {
        const double left = PlotRight + 20;
        var y = PlotTop + 10;
        Group(xml, ("class", "legend"), ("font-size", "12"), ("fill", "#333333"));
        void Entry(string text, Action<double> sample)
        {
            sample(y);
            Text(xml, text, ("x", F(left + 34)), ("y", F(y + 4)));
            y += 22;
        }

        void Swatch(double at, string opacity) =>
            Element(xml, "rect", ("x", F(left)), ("y", F(at - 6)), ("width", "26"), ("height", "12"), ("fill", BandColor), ("fill-opacity", opacity));

        void Stroke(double at, string color, string width, string? dash, string opacity = "1") =>
            Element(xml, "line", ("x1", F(left)), ("y1", F(at)), ("x2", F(left + 26)), ("y2", F(at)), ("stroke", color), ("stroke-width", width),
                ("stroke-opacity", opacity), ("stroke-dasharray", dash ?? "none"));

        // Only the nodes that started have lines: a run stopped during the startup has fewer, and one stopped before
        // any node started has none (nor a band or median).
        var drawn = series.LineNodes.Count(k => series.Samples.Any(s => s.Started > k));
        if (drawn == 0)
        {
            Entry("no node started", _ => { });
        }
        else if (series.HasBands)
        {
            Entry(
                string.Create(s_invariant, $"{drawn} of {series.Nodes} nodes"),
                at => Stroke(at, BandColor, "1", null, "0.6"));
            Entry("min–max of all nodes", at => Swatch(at, "0.15"));
            Entry("10th–90th percentile", at => Swatch(at, "0.45"));
            Entry("median of all nodes", at => Stroke(at, MedianColor, "2", null));
        }
        else
        {
            Entry(
                drawn == series.Nodes
                    ? string.Create(s_invariant, $"one line per node ({series.Nodes})")
                    : string.Create(s_invariant, $"one line per started node ({drawn} of {series.Nodes})"),
                at =>
                {
                    for (var i = 0; i < 3; i++)
                    {
                        Element(xml, "line", ("x1", F(left)), ("y1", F(at - 4 + (4 * i))), ("x2", F(left + 26)), ("y2", F(at - 4 + (4 * i))), ("stroke", s_palette[i]), ("stroke-width", "1"));
                    }
                });
        }

        Entry(string.Create(s_invariant, $"target: {series.Target} verified peers"), at => Stroke(at, TargetColor, "1.5", "6 4"));
        if (series.ConvergedSeconds is { } converged)
        {
            Entry(string.Create(s_invariant, $"converged at {converged:F1} s"), at => Stroke(at, ConvergedColor, "1.5", null));
        }
        else
        {
            Entry(series.Interrupted ? "interrupted before converging" : "did not converge", _ => { });
        }
        xml.WriteEndElement();
    }

    /// <summary>Drops the inner points of runs of equal values: peer counts change in steps, so most samples repeat.</summary>
    private static List<(double Seconds, double Value)> Simplify(List<(double Seconds, double Value)> points)
    {
        var kept = new List<(double, double)>(points.Count);
        for (var i = 0; i < points.Count; i++)
        {
            if (i == 0 || i == points.Count - 1 || points[i].Value != points[i - 1].Value || points[i].Value != points[i + 1].Value)
            {
                kept.Add(points[i]);
            }
        }

        return kept;
    }

    private static string Points(IEnumerable<(double Seconds, double Value)> points, Func<double, double> x, Func<double, double> y) =>
        string.Join(' ', points.Select(p => $"{F(x(p.Seconds))},{F(y(p.Value))}"));

    internal static void Group(XmlWriter xml, params (string Name, string Value)[] attributes)
    {
        xml.WriteStartElement("g", Svg);
        Attributes(xml, attributes);
    }

    internal static void Line(XmlWriter xml, double x1, double y1, double x2, double y2) =>
        Element(xml, "line", ("x1", F(x1)), ("y1", F(y1)), ("x2", F(x2)), ("y2", F(y2)));

    internal static void Element(XmlWriter xml, string name, params (string Name, string Value)[] attributes)
    {
        xml.WriteStartElement(name, Svg);
        Attributes(xml, attributes);
        xml.WriteEndElement();
    }

    internal static void Text(XmlWriter xml, string text, params (string Name, string Value)[] attributes)
    {
        xml.WriteStartElement("text", Svg);
        Attributes(xml, attributes);
        xml.WriteString(text);
        xml.WriteEndElement();
    }

    internal static void Attributes(XmlWriter xml, params (string Name, string Value)[] attributes)
    {
        foreach (var (name, value) in attributes)
        {
            xml.WriteAttributeString(name, value);
        }
    }

    /// <summary>A coordinate: at most one decimal, invariant culture.</summary>
    internal static string F(double value) => Math.Round(value, 1).ToString("0.#", s_invariant);

    /// <summary>A tick or node number: at most three decimals, invariant culture.</summary>
    internal static string N(double value) => value.ToString("0.###", s_invariant);

    /// <summary>An axis from 0 to <see cref="Max"/> with ticks at round steps (1, 2 or 5 times a power of ten).</summary>
    internal sealed record Axis(double Max, double Step)
    {
        public IEnumerable<double> Ticks => Enumerable.Range(0, (int)Math.Round(Max / Step) + 1).Select(i => i * Step);

        public static Axis For(double top, int maxTicks, bool integral)
        {
            var raw = top / maxTicks;
            var magnitude = Math.Pow(10, Math.Floor(Math.Log10(raw)));
            var step = (raw / magnitude) switch
            {
                <= 1 => 1,
                <= 2 => 2,
                <= 5 => 5,
                _ => 10,
            } * magnitude;
            if (integral)
            {
                step = Math.Max(1, Math.Round(step));
            }

            return new Axis(Math.Ceiling((top / step) - 1e-9) * step, step);
        }
    }
}
