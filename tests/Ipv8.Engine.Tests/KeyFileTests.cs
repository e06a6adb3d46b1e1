using Ipv8.Wire.Crypto;

namespace Ipv8.Engine.Tests;

/// <summary>KeyFile: the one reader and writer of key files (ipv8 node --key, ipv8 keygen, Ipv8:KeyFile).</summary>
public sealed class KeyFileTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("ipv8-keyfile-");

    public void Dispose() => _directory.Delete(recursive: true);

    private string PathOf(string name) => Path.Combine(_directory.FullName, name);

    [Fact]
    public void Create_writes_the_74_byte_LibNaCLSK_bin_owner_only_and_Open_reads_the_same_key()
    {
        LibNaClPublicKey written;
        using (var created = KeyFile.Create(PathOf("node.key")))
        {
            Assert.True(created.Created);
            written = created.Key.PublicKey;
            created.Key.Dispose();
        }

        var bin = File.ReadAllBytes(PathOf("node.key"));
        Assert.Equal(LibNaClPrivateKey.BinLength, bin.Length);
        Assert.True(bin.AsSpan().StartsWith(LibNaClPrivateKey.BinPrefix));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(PathOf("node.key")));
        }

        using var opened = KeyFile.Open(PathOf("node.key"));
        using var key = opened.Key;
        Assert.False(opened.Created);
        Assert.Equal(written, key.PublicKey);
    }

    [Fact]
    public void Open_with_create_makes_a_missing_file_and_reads_it_the_next_time()
    {
        LibNaClPublicKey first;
        using (var created = KeyFile.Open(PathOf("new.key"), create: true))
        {
            Assert.True(created.Created);
            first = created.Key.PublicKey;
            created.Key.Dispose();
        }

        using var again = KeyFile.Open(PathOf("new.key"), create: true);
        using var key = again.Key;
        Assert.False(again.Created);
        Assert.Equal(first, key.PublicKey);
    }

    [Fact]
    public void A_key_file_is_refused_while_another_holder_has_it_open_and_usable_once_released()
    {
        var held = KeyFile.Create(PathOf("shared.key"));
        held.Key.Dispose();

        var error = Assert.Throws<IOException>(() => KeyFile.Open(PathOf("shared.key")));
        Assert.StartsWith($"{PathOf("shared.key")} is in use by another running node", error.Message, StringComparison.Ordinal);

        held.Dispose();
        using var reopened = KeyFile.Open(PathOf("shared.key"));
        reopened.Key.Dispose();
    }

    [Theory]
    [InlineData("not a key", "this one does not start with LibNaCLSK:")]
    [InlineData("LibNaCLPK:public", "this one holds a public key (LibNaCLPK:)")]
    [InlineData("LibNaCLSK:short", "this one has 15 bytes")]
    public void A_file_that_is_not_a_private_key_is_refused_with_its_path_what_a_key_file_holds_and_what_this_one_holds(string content, string found)
    {
        File.WriteAllText(PathOf("bad.key"), content);

        var error = Assert.Throws<InvalidDataException>(() => KeyFile.Open(PathOf("bad.key")));

        Assert.Equal(
            $"{PathOf("bad.key")} is not a private key file: a key file holds one private key, the 74-byte LibNaCLSK: key bin that 'ipv8 keygen' and py-ipv8 write; {found}",
            error.Message);
        Assert.DoesNotContain("SubjectPublicKeyInfo", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_directory_is_refused_as_a_directory_not_as_a_file_that_exists(bool create)
    {
        var directory = PathOf("folder");
        Directory.CreateDirectory(directory);

        var error = Assert.Throws<IOException>(() => KeyFile.Open(directory, create));

        Assert.Equal($"{directory} is a directory, not a key file", error.Message);
    }

    [Fact]
    public void Create_on_a_directory_says_it_is_a_directory()
    {
        var directory = PathOf("folder2");
        Directory.CreateDirectory(directory);

        var error = Assert.Throws<IOException>(() => KeyFile.Create(directory));

        Assert.Equal($"{directory} is a directory, not a key file", error.Message);
    }

    [Fact]
    public void A_longer_file_that_starts_like_a_key_is_refused_as_the_wrong_length()
    {
        using var key = LibNaClPrivateKey.Generate();
        File.WriteAllBytes(PathOf("long.key"), [.. key.ToBin(), (byte)'\n']);

        var error = Assert.Throws<InvalidDataException>(() => KeyFile.Open(PathOf("long.key")));

        Assert.Contains("this one is longer than 74 bytes", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_and_existing_files_give_errors_that_start_with_the_path()
    {
        var missing = Assert.Throws<FileNotFoundException>(() => KeyFile.Open(PathOf("missing.key")));
        Assert.Equal($"{PathOf("missing.key")} does not exist", missing.Message);

        File.WriteAllText(PathOf("exists.key"), "x");
        var exists = Assert.Throws<IOException>(() => KeyFile.Create(PathOf("exists.key")));
        Assert.StartsWith($"{PathOf("exists.key")} cannot be created: ", exists.Message, StringComparison.Ordinal);
        Assert.Equal("x", File.ReadAllText(PathOf("exists.key")));
    }

    [Fact]
    public void Creating_a_key_where_the_system_takes_no_new_files_says_it_cannot_be_created_not_that_it_does_not_exist()
    {
        Assert.True(OperatingSystem.IsLinux() && Directory.Exists("/proc/self"), "this test needs Linux's /proc, which takes no new files");
        const string path = "/proc/ipv8-test.key";

        var error = Assert.ThrowsAny<IOException>(() => KeyFile.Create(path));

        Assert.StartsWith($"{path} cannot be created: ", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("does not exist", error.Message, StringComparison.Ordinal);
    }
}
