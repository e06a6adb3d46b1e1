namespace Ipv8.Tests.Shared;

/// <summary>Finds the project root (the folder holding Ipv8.sln) and the shared vectors beside it.</summary>
internal static class RepoPaths
{
    private static readonly Lazy<string> s_root = new(FindRoot);

    /// <summary>The project root.</summary>
    public static string Root => s_root.Value;

    /// <summary><c>../shared/vectors</c>, relative to the project root.</summary>
    public static string Vectors => Path.GetFullPath(Path.Combine(Root, "..", "shared", "vectors"));

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Ipv8.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Ipv8.sln was not found above " + AppContext.BaseDirectory);
    }
}
