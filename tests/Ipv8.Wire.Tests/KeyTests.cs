using System.Security.Cryptography;
using Ipv8.Wire.Crypto;

namespace Ipv8.Wire.Tests;

public class KeyTests
{
    [Theory]
    [MemberData(nameof(Vectors.KeyIndexes), MemberType = typeof(Vectors))]
    public void A_vector_private_key_derives_its_public_key_bin_and_mid(int index)
    {
        var entry = Vectors.Keys[index];
        using var key = LibNaClPrivateKey.Parse(Vectors.Bytes(entry, "private_key_bin"));

        Assert.Equal(Vectors.Bytes(entry, "public_key_bin"), key.PublicKey.Bin.ToArray());
        Assert.Equal(Vectors.Bytes(entry, "mid"), key.PublicKey.Mid.ToArray());
        Assert.Equal(Vectors.Bytes(entry, "private_key_bin"), key.ToBin());
    }

    [Fact]
    public void A_generated_key_reloads_from_its_bin_and_its_public_key_round_trips_through_its_bin()
    {
        using var key = LibNaClPrivateKey.Generate();
        using var reloaded = LibNaClPrivateKey.Parse(key.ToBin());
        Assert.Equal(key.PublicKey.Bin.ToArray(), reloaded.PublicKey.Bin.ToArray());

        // The public key holds its bin inline: a parsed copy has the same bin, hash, equality and verify key.
        var parsed = PublicKey.Parse(key.PublicKey.Bin);
        Assert.IsType<LibNaClPublicKey>(parsed);
        Assert.Equal(LibNaClPublicKey.BinLength, parsed.Bin.Length);
        Assert.True(parsed.Bin.StartsWith(LibNaClPublicKey.BinPrefix));
        Assert.Equal(key.PublicKey.Bin.ToArray(), parsed.Bin.ToArray());
        Assert.Equal(key.PublicKey, parsed);
        Assert.Equal(key.PublicKey.GetHashCode(), parsed.GetHashCode());
        Assert.True(parsed.BinEquals(key.PublicKey.Bin));
        Assert.Equal(Convert.ToHexStringLower(key.PublicKey.Bin), parsed.ToString());

        var message = "round trip"u8.ToArray();
        var signature = new byte[Ed25519.SignatureLength];
        key.Sign(message, signature);
        Assert.True(parsed.Verify(message, signature));
        signature[0] ^= 1;
        Assert.False(parsed.Verify(message, signature));
    }

    [Fact]
    public void Two_generated_keys_differ()
    {
        using var first = LibNaClPrivateKey.Generate();
        using var second = LibNaClPrivateKey.Generate();
        Assert.NotEqual(first.ToBin(), second.ToBin());
        Assert.NotEqual(first.PublicKey, second.PublicKey);
    }

    [Fact]
    public void Mid_is_the_sha1_of_the_public_key_bin()
    {
        using var key = LibNaClPrivateKey.Generate();
        Assert.Equal(SHA1.HashData(key.PublicKey.Bin), key.PublicKey.Mid.ToArray());
    }

    [Fact]
    public void A_parsed_keys_mid_is_hashed_once_on_first_use_and_every_thread_sees_the_same_one()
    {
        using var key = LibNaClPrivateKey.Generate();
        var bin = key.PublicKey.Bin.ToArray();
        var expected = SHA1.HashData(bin);
        for (var round = 0; round < 50; round++)
        {
            var parsed = PublicKey.Parse(bin);
            using var start = new Barrier(4);
            var seen = new byte[4][];
            var threads = Enumerable.Range(0, 4).Select(t => new Thread(() =>
            {
                start.SignalAndWait();
                seen[t] = parsed.Mid.ToArray();
            })).ToArray();
            foreach (var thread in threads)
            {
                thread.Start();
            }

            foreach (var thread in threads)
            {
                Assert.True(thread.Join(TimeSpan.FromMinutes(1)));
            }

            Assert.All(seen, mid => Assert.Equal(expected, mid));
            var before = GC.GetAllocatedBytesForCurrentThread();
            var again = parsed.Mid;
            Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before); // kept, not hashed again
            Assert.Equal(expected, again.ToArray());
        }
    }

    [Fact]
    public void Private_key_material_is_never_accepted_as_a_peer_key()
    {
        using var key = LibNaClPrivateKey.Generate();
        Assert.False(LibNaClPublicKey.TryParse(key.ToBin(), out var parsed, out var error));
        Assert.Null(parsed);
        Assert.Equal(KeyError.PrivateKeyMaterial, error);
        var ex = Assert.Throws<FormatException>(() => LibNaClPublicKey.Parse(key.ToBin()));
        Assert.Contains("private key", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_packet_signed_with_private_key_material_in_its_key_field_is_rejected()
    {
        using var key = LibNaClPrivateKey.Generate();
        var packet = Vectors.Bytes(Vectors.Packet(6), "packet"); // a 249 puncture
        Assert.Equal(249, packet[22]);
        key.ToBin().CopyTo(packet, 25);
        Assert.False(Packet.TryParseSigned(packet, out _, out var error));
        Assert.Equal(WireError.PrivateKeyMaterial, error);
    }

    [Theory]
    [InlineData("")]
    [InlineData("3081a7301006072a8648ce3d020106052b81040027038192000407")] // start of an M2Crypto (DER EC) key
    [InlineData("4c69624e61434c504b3a00")] // LibNaCLPK: with a short body
    public void Non_libnacl_keys_are_rejected_with_a_reason(string hex)
    {
        var bin = Convert.FromHexString(hex);
        Assert.False(LibNaClPublicKey.TryParse(bin, out _, out var error));
        Assert.NotEqual(KeyError.None, error);
        Assert.False(string.IsNullOrWhiteSpace(error.Describe()));
    }

    [Fact]
    public void A_public_key_bin_is_not_accepted_as_a_private_key()
    {
        using var key = LibNaClPrivateKey.Generate();
        Assert.False(LibNaClPrivateKey.TryParse(key.PublicKey.Bin, out _, out var error));
        Assert.Equal(KeyError.PublicKeyMaterial, error);
    }

    [Fact]
    public void Signatures_verify_with_the_matching_key_only()
    {
        using var a = LibNaClPrivateKey.Generate();
        using var b = LibNaClPrivateKey.Generate();
        var message = "hello ipv8"u8.ToArray();
        var signature = new byte[Ed25519.SignatureLength];
        a.Sign(message, signature);

        Assert.True(a.PublicKey.Verify(message, signature));
        Assert.False(b.PublicKey.Verify(message, signature));
        message[0] ^= 1;
        Assert.False(a.PublicKey.Verify(message, signature));
    }

    [Fact]
    public void Verify_rejects_wrong_sized_signatures_and_keys_without_throwing()
    {
        Assert.False(Ed25519.Verify(new byte[63], new byte[10], new byte[32]));
        Assert.False(Ed25519.Verify(new byte[64], new byte[10], new byte[31]));
    }

    [Fact]
    public void Keys_are_equal_when_their_bins_are()
    {
        using var key = LibNaClPrivateKey.Generate();
        var copy = LibNaClPublicKey.Parse(key.PublicKey.Bin);
        Assert.Equal(key.PublicKey, copy);
        Assert.Equal(key.PublicKey.GetHashCode(), copy.GetHashCode());
        Assert.Equal(LibNaClPublicKey.ComputeHash(key.PublicKey.Bin), copy.GetHashCode());
    }

    [Fact]
    public void Every_legacy_ec_key_of_the_vectors_parses_on_its_curve_with_its_signature_length()
    {
        var file = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(Ipv8.Tests.Shared.RepoPaths.Vectors, "ec-keys.json")))!;
        foreach (var entry in file["keys"]!.AsArray())
        {
            var bin = Vectors.Bytes(entry, "public_key_bin");

            Assert.Equal(KeyError.None, PublicKey.Validate(bin, out var signatureLength));
            Assert.True(PublicKey.TryParse(bin, out var key, out var error), $"{entry!["curve"]}: {error}");
            var ec = Assert.IsType<M2CryptoPublicKey>(key);
            Assert.Equal((string)entry!["curve"]!, ec.Curve.Name);
            Assert.Equal((int)entry["signature_length"]!, signatureLength);
            Assert.Equal(Vectors.Bytes(entry, "mid"), key.Mid.ToArray());
        }
    }
}
