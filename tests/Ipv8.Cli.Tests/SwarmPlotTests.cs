using System.Globalization;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Ipv8.Cli.Plotting;

namespace Ipv8.Cli.Tests;

/// <summary><c>ipv8 swarm --plot</c>: the SVG writer on synthetic series, the path checks, and one real small swarm.</summary>
public class SwarmPlotTests
{
    private static readonly XNamespace s_svg = "http://www.w3.org/2000/svg";

    /// <summary>5 nodes, sampled every 0.25 s for 6 s; node i gains a peer every (i + 1) / 4 s up to 4; converged at 6.0 s.</summary>
    private static SwarmSeries FiveNodes(string transport = "in-memory", bool converged = true)
    {
        var series = new SwarmSeries(5, transport, target: 4, TimeSpan.FromMilliseconds(250));
        for (var k = 1; k <= 24; k++)
        {
            var started = Math.Min(5, k); // one node more per sample, as a staggered start
            series.Add(k * 0.25, Enumerable.Range(0, started).Select(i => Math.Min(4, k / (i + 1))).ToArray());
        }

        series.ConvergedSeconds = converged ? 6.0 : null;
        return series;
    }

    private static XElement Render(SwarmSeries series)
    {
        using var writer = new StringWriter(CultureInfo.InvariantCulture);
        SwarmPlot.Write(series, writer);
        var root = XDocument.Parse(writer.ToString()).Root!;
        Assert.Equal(s_svg + "svg", root.Name);
        return root;
    }

    private static IEnumerable<XElement> WithClass(XElement root, string name, string cssClass) =>
        root.Descendants(s_svg + name).Where(e => (string?)e.Attribute("class") == cssClass);

    private static double Number(XElement element, string attribute) =>
        double.Parse((string)element.Attribute(attribute)!, NumberStyles.Float, CultureInfo.InvariantCulture);

    private static (double X, double Y)[] Points(XElement polyline) =>
        ((string)polyline.Attribute("points")!).Split(' ').Select(p =>
        {
            var xy = p.Split(',');
            Assert.Equal(2, xy.Length);
            return (double.Parse(xy[0], NumberStyles.Float, CultureInfo.InvariantCulture), double.Parse(xy[1], NumberStyles.Float, CultureInfo.InvariantCulture));
        }).ToArray();

    private static double TickX(XElement root, string value) =>
        Number(root.Descendants(s_svg + "g").Single(g => (string?)g.Attribute("class") == "xticks")
            .Elements(s_svg + "text").Single(t => t.Value == value), "x");

    [Fact]
    public void A_small_swarm_is_one_line_per_node_with_the_target_and_the_convergence_line()
    {
        var root = Render(FiveNodes());

        var nodes = WithClass(root, "polyline", "node").ToList();
        Assert.Equal(5, nodes.Count);
        Assert.Equal(["0", "1", "2", "3", "4"], nodes.Select(n => (string)n.Attribute("data-node")!));
        Assert.Empty(WithClass(root, "polygon", "band"));
        Assert.Empty(WithClass(root, "polyline", "median"));

        var converged = Assert.Single(WithClass(root, "line", "converged"));
        var x = Number(converged, "x1");
        Assert.Equal(x, Number(converged, "x2"));
        Assert.Equal(TickX(root, "6"), x, precision: 1); // at 6 s on the x axis
        Assert.All(nodes, n => Assert.Equal(x, Points(n)[^1].X, precision: 1)); // every line ends at the last sample, 6 s

        var target = Assert.Single(WithClass(root, "line", "target"));
        Assert.Equal(Number(target, "y1"), Number(target, "y2"));
        Assert.All(nodes, n => Assert.Equal(Number(target, "y1"), Points(n)[^1].Y, precision: 1)); // all end at 4 peers

        var title = Assert.Single(WithClass(root, "text", "title")).Value;
        Assert.Contains("5 nodes over an in-memory network, converged in 6.0 s", title, StringComparison.Ordinal);
        Assert.Equal("seconds since start", Assert.Single(WithClass(root, "text", "xlabel")).Value);
        Assert.Equal("verified peers", Assert.Single(WithClass(root, "text", "ylabel")).Value);
        Assert.Contains("target: 4 verified peers", root.Value, StringComparison.Ordinal); // the legend
    }

    [Fact]
    public void A_swarm_that_did_not_converge_has_no_convergence_line_and_says_so()
    {
        var root = Render(FiveNodes(converged: false));

        Assert.Empty(WithClass(root, "line", "converged"));
        Assert.Contains("did not converge in 6.0 s (5/5 at the target)", Assert.Single(WithClass(root, "text", "title")).Value, StringComparison.Ordinal);
    }

    [Fact]
    public void A_large_swarm_is_a_min_max_band_a_median_and_a_sample_of_node_lines()
    {
        var series = new SwarmSeries(1000, "udp", target: 20, TimeSpan.FromMilliseconds(250));
        for (var k = 1; k <= 120; k++)
        {
            series.Add(k * 0.25, Enumerable.Range(0, 1000).Select(i => Math.Min(20 + (i % 12), (k + (i % 7)) / 4)).ToArray());
        }

        series.ConvergedSeconds = 30.0;
        var root = Render(series);

        Assert.Equal(SwarmSeries.SampledLines, WithClass(root, "polyline", "node").Count());
        Assert.Single(WithClass(root, "polygon", "band"));
        Assert.Single(WithClass(root, "polygon", "band-inner"));
        Assert.Single(WithClass(root, "polyline", "median"));
        Assert.Equal(TickX(root, "30"), Number(Assert.Single(WithClass(root, "line", "converged")), "x1"), precision: 1);
    }

    [Theory]
    [InlineData(1000)]
    [InlineData(5)]
    public void A_run_stopped_before_any_node_started_says_so_in_the_legend_and_draws_no_node(int nodes)
    {
        var series = new SwarmSeries(nodes, "udp", target: Math.Min(nodes - 1, 20), TimeSpan.FromMilliseconds(250)) { Interrupted = true };
        series.Add(0.25, []);
        series.Add(0.5, []);

        var root = Render(series);

        var legend = Assert.Single(root.Descendants(s_svg + "g"), g => (string?)g.Attribute("class") == "legend").Value;
        Assert.Contains("no node started", legend, StringComparison.Ordinal);
        Assert.DoesNotContain(" nodes", legend, StringComparison.Ordinal); // not "50 of 1000 nodes", "median of all nodes"
        Assert.DoesNotContain("per node", legend, StringComparison.Ordinal);
        Assert.Empty(WithClass(root, "polyline", "node"));
        Assert.Empty(WithClass(root, "polygon", "band"));
        Assert.Empty(WithClass(root, "polyline", "median"));
        Assert.Contains($"0 of {nodes} started", Assert.Single(WithClass(root, "text", "title")).Value, StringComparison.Ordinal);
    }

    [Fact]
    public void A_run_stopped_during_the_startup_counts_only_the_lines_of_started_nodes_in_the_legend()
    {
        var large = new SwarmSeries(1000, "udp", target: 20, TimeSpan.FromMilliseconds(250)) { Interrupted = true };
        large.Add(0.25, new int[250]); // nodes 0-249 started: lines 0, 20, …, 240 of the sampled 50

        var small = new SwarmSeries(5, "udp", target: 4, TimeSpan.FromMilliseconds(250)) { Interrupted = true };
        small.Add(0.25, new int[3]);

        var largeRoot = Render(large);
        var smallRoot = Render(small);

        Assert.Equal(13, WithClass(largeRoot, "polyline", "node").Count());
        Assert.Contains("13 of 1000 nodes", largeRoot.Value, StringComparison.Ordinal);
        Assert.Equal(3, WithClass(smallRoot, "polyline", "node").Count());
        Assert.Contains("one line per started node (3 of 5)", smallRoot.Value, StringComparison.Ordinal);
    }

    [Fact]
    public void Numbers_are_written_in_the_invariant_culture_even_under_a_comma_culture()
    {
        var before = (CultureInfo.CurrentCulture, CultureInfo.CurrentUICulture);
        var german = CultureInfo.GetCultureInfo("de-DE");
        Assert.Equal(",", german.NumberFormat.NumberDecimalSeparator); // else this test would prove nothing
        XElement root;
        try
        {
            CultureInfo.CurrentCulture = german;
            CultureInfo.CurrentUICulture = german;
            root = Render(FiveNodes());
        }
        finally
        {
            (CultureInfo.CurrentCulture, CultureInfo.CurrentUICulture) = before;
        }

        Assert.Contains("converged in 6.0 s", Assert.Single(WithClass(root, "text", "title")).Value, StringComparison.Ordinal);
        Assert.Contains("every 0.25 s", Assert.Single(WithClass(root, "text", "subtitle")).Value, StringComparison.Ordinal);
        foreach (var polyline in root.Descendants(s_svg + "polyline"))
        {
            Assert.NotEmpty(Points(polyline)); // "x,y x,y": a decimal comma would break the pairs
        }

        foreach (var attribute in root.Descendants().Attributes().Where(a => a.Name.LocalName is "x" or "y" or "x1" or "x2" or "y1" or "y2"))
        {
            Assert.True(double.TryParse(attribute.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out _), attribute.ToString());
        }
    }

    [Fact]
    public void Text_is_escaped()
    {
        var root = Render(FiveNodes(transport: "<b>&\"'"));

        Assert.Contains("over <b>&\"', converged", Assert.Single(WithClass(root, "text", "title")).Value, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("swarm.txt", "must end in .svg")]
    [InlineData("swarm", "must end in .svg")]
    [InlineData("swarm.png", "only .svg")]
    [InlineData("no-such-directory/swarm.svg", "does not exist")]
    public void A_bad_plot_path_is_refused_before_the_swarm_runs(string name, string message)
    {
        var directory = Directory.CreateTempSubdirectory("ipv8-cli-plot-");
        try
        {
            var path = Path.Combine(directory.FullName, name);

            // A swarm that ran would take seconds and write a report to standard output.
            var (code, output, error) = CliHarness.Run("swarm", "--nodes", "3", "--in-memory", "--duration", "30", "--plot", path);

            Assert.Equal(2, code);
            Assert.Equal(string.Empty, output);
            var line = Assert.Single(CliHarness.Lines(error));
            Assert.StartsWith("error:", line, StringComparison.Ordinal);
            Assert.Contains(message, line, StringComparison.Ordinal);
            Assert.Empty(directory.GetFileSystemInfos());
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public void A_small_swarm_writes_its_plot()
    {
        var directory = Directory.CreateTempSubdirectory("ipv8-cli-plot-");
        try
        {
            var path = Path.Combine(directory.FullName, "swarm.SVG");

            var (code, output, error) = CliHarness.Run("swarm", "--nodes", "5", "--in-memory", "--duration", "60", "--quiet", "--plot", path);

            Assert.True(code == 0, error);
            var report = CliHarness.ParseObject(output);
            Assert.Contains("plot written to", error, StringComparison.Ordinal);
            var root = XDocument.Load(path).Root!;
            Assert.Equal(s_svg + "svg", root.Name);
            Assert.Equal(5, WithClass(root, "polyline", "node").Count());
            Assert.Single(WithClass(root, "line", "target"));
            var converged = Assert.Single(WithClass(root, "line", "converged"));
            Assert.Equal(Number(converged, "x1"), WithClass(root, "polyline", "node").Max(n => Points(n)[^1].X), precision: 1);
            var title = Assert.Single(WithClass(root, "text", "title")).Value;
            var match = Regex.Match(title, @"^ipv8 swarm: 5 nodes over an in-memory network, converged in (\d+\.\d) s$");
            Assert.True(match.Success, title);
            Assert.Equal((double)report["seconds_to_converge"]!, double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture), tolerance: 0.051);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }
}
