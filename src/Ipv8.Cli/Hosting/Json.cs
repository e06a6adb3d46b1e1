using System.Text;
using CommunityToolkit.HighPerformance.Buffers;
using System.Text.Json;

namespace Ipv8.Cli.Hosting;

/// <summary>Builds compact one-line JSON documents.</summary>
internal static class Json
{
    /// <summary>
    /// How the CLI writes JSON: characters such as <c>'</c>, <c>&lt;</c> and non-ASCII letters as they are, not as
    /// <c>\u0027</c> escapes (the output is read by people, <c>jq</c> and <c>grep</c>, never put into HTML); quotes,
    /// backslashes and control characters are still escaped.
    /// </summary>
    public static readonly JsonWriterOptions WriterOptions = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Writes a document into a pooled buffer and returns it as text (no intermediate array, unlike a <c>MemoryStream</c>'s <c>ToArray</c>).</summary>
    public static string Write(Action<Utf8JsonWriter> write)
    {
        using var buffer = new ArrayPoolBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            write(writer);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>
    /// Writes <paramref name="json"/> and a newline to <paramref name="file"/>, or to <paramref name="output"/> when no
    /// file is given (standard output: see <see cref="StandardOutput"/>); an <see cref="IOException"/> when it fails.
    /// </summary>
    public static void Emit(string json, FileInfo? file, TextWriter output)
    {
        if (file is null)
        {
            // A broken pipe or a closed standard output is an IOException here, not a report lost without a word.
            StandardOutput.WriteLine(output, json);
            return;
        }

        File.WriteAllText(file.FullName, json + "\n");
    }
}
