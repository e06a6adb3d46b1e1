using System.Security.Cryptography;
using Ipv8.Wire.Crypto;

namespace Ipv8.Engine;

/// <summary>
/// A node's private key file: the 74-byte <c>LibNaCLSK:</c> key bin, as py-ipv8 reads and writes it (its
/// configuration's <c>keys[].file</c> in <c>IPv8.__init__</c>: read the file when it exists, otherwise generate a key and
/// write it) and as <c>ipv8 keygen</c> writes it. The one reader and writer of key files for <c>ipv8 node --key</c>,
/// <c>ipv8 keygen</c> and the hosting option <c>Ipv8:KeyFile</c>.
/// </summary>
/// <remarks>
/// An open <see cref="KeyFile"/> keeps the file open and locked (<see cref="FileShare.None"/>; on Linux and macOS an
/// advisory lock that only other .NET processes see) until it is disposed: two nodes that load one key are one
/// identity to every peer and never become each other's peer, silently, so the second is refused while the first runs.
/// New files are readable and writable by their owner only (mode 0600). <see cref="Key"/> is not disposed with the
/// key file: a node may keep using it.
/// </remarks>
public sealed class KeyFile : IDisposable
{
    // IOException.HResult for a file another process holds: ERROR_SHARING_VIOLATION on Windows; on Linux and macOS .NET
    // reports the errno of the failed flock, EWOULDBLOCK (11 on Linux, 35 on macOS).
    private const int WindowsSharingViolation = unchecked((int)0x80070020);
    private const int LinuxWouldBlock = 11;
    private const int MacOSWouldBlock = 35;

    private readonly FileStream _lock;

    private KeyFile(string path, FileStream held, LibNaClPrivateKey key, bool created)
    {
        Path = path;
        _lock = held;
        Key = key;
        Created = created;
    }

    /// <summary>The file's full path.</summary>
    public string Path { get; }

    /// <summary>The private key in the file.</summary>
    public LibNaClPrivateKey Key { get; }

    /// <summary>True when <see cref="Open"/> created the file with a new key (or <see cref="Create"/> was called).</summary>
    public bool Created { get; }

    /// <summary>
    /// Reads a key file and keeps it locked until disposed; with <paramref name="create"/>, a missing file is created
    /// with a new key first (py-ipv8's behaviour for a configured key file).
    /// </summary>
    /// <param name="path">The file.</param>
    /// <param name="create">Create the file with a new key when it does not exist.</param>
    /// <remarks>Every exception's message starts with the file's full path and has no final period, so that a caller can put its setting's name in front.</remarks>
    /// <exception cref="FileNotFoundException">The file does not exist and <paramref name="create"/> is false.</exception>
    /// <exception cref="IOException">The file cannot be read or created, is a directory, or another running node holds it.</exception>
    /// <exception cref="UnauthorizedAccessException">The file may not be read or created.</exception>
    /// <exception cref="InvalidDataException">The file is not a <c>LibNaCLSK:</c> private key (the message says what a key file holds and what this one holds).</exception>
    public static KeyFile Open(string path, bool create = false)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var fullPath = System.IO.Path.GetFullPath(path);
        if (create && !File.Exists(fullPath))
        {
            try
            {
                return Create(fullPath);
            }
            catch (IOException) when (File.Exists(fullPath))
            {
                // Another process created it in the meantime: read theirs.
            }
        }

        var stream = OpenLocked(fullPath, FileMode.Open, FileAccess.Read, UnixFileMode.None);
        try
        {
            // One byte more than a key bin, so that a longer file is refused as the wrong length.
            Span<byte> bin = stackalloc byte[LibNaClPrivateKey.BinLength + 1];
            var length = stream.ReadAtLeast(bin, bin.Length, throwOnEndOfStream: false);
            var parsed = LibNaClPrivateKey.TryParse(bin[..length], out var key, out var error);
            CryptographicOperations.ZeroMemory(bin);
            if (!parsed)
            {
                throw new InvalidDataException($"{fullPath} is not a private key file: {WhatIsWrong(error, length)}");
            }

            return new KeyFile(fullPath, stream, key!, created: false);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Generates a new key and writes it to a new file, readable by its owner only (<c>ipv8 keygen</c>); the file stays
    /// locked until disposed.
    /// </summary>
    /// <remarks>Every exception's message starts with the file's full path.</remarks>
    /// <exception cref="IOException">The file exists already, or cannot be written.</exception>
    /// <exception cref="UnauthorizedAccessException">The file may not be created.</exception>
    public static KeyFile Create(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var fullPath = System.IO.Path.GetFullPath(path);
        var key = LibNaClPrivateKey.Generate();
        try
        {
            var stream = OpenLocked(fullPath, FileMode.CreateNew, FileAccess.Write, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            try
            {
                stream.Write(key.ToBin());
                stream.Flush(flushToDisk: true);
            }
            catch
            {
                stream.Dispose();
                throw;
            }

            return new KeyFile(fullPath, stream, key, created: true);
        }
        catch
        {
            key.Dispose();
            throw;
        }
    }

    /// <summary>Releases the file (the key stays usable).</summary>
    public void Dispose() => _lock.Dispose();

    private static FileStream OpenLocked(string path, FileMode mode, FileAccess access, UnixFileMode unixMode)
    {
        var options = new FileStreamOptions { Mode = mode, Access = access, Share = FileShare.None };
        if (mode != FileMode.Open && !OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = unixMode;
        }

        if (Directory.Exists(path))
        {
            throw new IOException($"{path} is a directory, not a key file");
        }

        try
        {
            return new FileStream(path, options);
        }
        catch (IOException ex) when (ex.HResult is WindowsSharingViolation or LinuxWouldBlock or MacOSWouldBlock)
        {
            throw new IOException(
                $"{path} is in use by another running node: two nodes with one key are one identity (each takes the other's messages for its own), so give each node a key file of its own",
                ex);
        }
        catch (FileNotFoundException ex) when (mode == FileMode.Open)
        {
            // Only a file being read "does not exist"; a file being created in a place that takes none (e.g. /proc)
            // falls through to "cannot be created".
            throw new FileNotFoundException($"{path} does not exist", path, ex);
        }
        catch (IOException ex)
        {
            throw new IOException($"{path} cannot be {Verb(mode)}: {ex.Message.TrimEnd('.')}", ex);
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new UnauthorizedAccessException($"{path} cannot be {Verb(mode)}: {ex.Message.TrimEnd('.')}", ex);
        }
    }

    /// <summary>What a key file must hold, and how the file read differs from it.</summary>
    private static string WhatIsWrong(KeyError error, int length)
    {
        var found = error switch
        {
            KeyError.PublicKeyMaterial => "this one holds a public key (LibNaCLPK:)",
            KeyError.WrongLength when length > LibNaClPrivateKey.BinLength => $"this one is longer than {LibNaClPrivateKey.BinLength} bytes",
            KeyError.WrongLength => $"this one has {length} bytes",
            _ => "this one does not start with LibNaCLSK:",
        };
        return $"a key file holds one private key, the {LibNaClPrivateKey.BinLength}-byte LibNaCLSK: key bin that 'ipv8 keygen' and py-ipv8 write; {found}";
    }

    private static string Verb(FileMode mode) => mode == FileMode.Open ? "read" : "created";
}
