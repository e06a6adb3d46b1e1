using System.IO.Compression;
using System.Xml.Linq;

namespace Ipv8.Packaging.Tests;

/// <summary>A .nupkg read into memory: its file list and its nuspec.</summary>
public sealed class Package
{
    private readonly Dictionary<string, byte[]> _files;

    private Package(string path, Dictionary<string, byte[]> files, XDocument nuspec)
    {
        FileName = Path.GetFileName(path);
        _files = files;
        Nuspec = nuspec;
        Metadata = nuspec.Root!.Elements().Single(e => e.Name.LocalName == "metadata");
    }

    public string FileName { get; }

    public XDocument Nuspec { get; }

    public XElement Metadata { get; }

    public string Id => Field("id") ?? "";

    public string Version => Field("version") ?? "";

    /// <summary>Every file's path inside the package ('/' separated).</summary>
    public IEnumerable<string> Files => _files.Keys;

    public static Package Read(string path)
    {
        using var zip = ZipFile.OpenRead(path);
        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var entry in zip.Entries)
        {
            using var stream = entry.Open();
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            files[entry.FullName] = copy.ToArray();
        }

        var nuspec = files.Single(f => !f.Key.Contains('/', StringComparison.Ordinal) && f.Key.EndsWith(".nuspec", StringComparison.OrdinalIgnoreCase));
        using var nuspecStream = new MemoryStream(nuspec.Value);
        return new Package(path, files, XDocument.Load(nuspecStream));
    }

    public bool Contains(string file) => _files.ContainsKey(file);

    public byte[] ReadFile(string file) =>
        _files.TryGetValue(file, out var bytes) ? bytes : throw new Xunit.Sdk.XunitException($"{FileName} has no {file}; it has:{Environment.NewLine}{string.Join(Environment.NewLine, _files.Keys)}");

    /// <summary>An XML file of the package (a byte order mark is fine).</summary>
    public XDocument ReadXml(string file)
    {
        using var stream = new MemoryStream(ReadFile(file));
        return XDocument.Load(stream);
    }

    /// <summary>A metadata element of the nuspec, by its local name.</summary>
    public XElement? Element(string name) => Metadata.Elements().FirstOrDefault(e => e.Name.LocalName == name);

    public string? Field(string name) => Element(name)?.Value;

    /// <summary>The nuspec's dependencies (any target framework group).</summary>
    public IReadOnlyList<XElement> Dependencies =>
        [.. Metadata.Descendants().Where(e => e.Name.LocalName == "dependency")];

    public IEnumerable<string> PackageTypes =>
        Metadata.Descendants().Where(e => e.Name.LocalName == "packageType").Select(e => (string?)e.Attribute("name") ?? "");
}
