using System.Net;
using System.Net.Sockets;
using Ipv8.Wire;
using Ipv8.Wire.Crypto;
using Ipv8.Wire.Discovery;

namespace Ipv8.Cli.Fuzzing;

/// <summary>
/// Asks the target whether it still works: an introduction request (246) signed by the fuzzer's probe identity, from a
/// socket of its own (so the target's per-source limits on the fuzzing sockets do not touch it), which must be answered
/// by an introduction response (245, or 233) with the same identifier within the deadline. The request is sent again
/// twice within the deadline, in case a datagram was lost.
/// </summary>
internal sealed class LivenessProbe : IDisposable
{
    private const int Attempts = 3;

    private readonly Socket _socket;
    private readonly IPEndPoint _target;
    private readonly CommunityId _community;
    private readonly LibNaClPrivateKey _key;
    private readonly Random _random;
    private readonly byte[] _send = new byte[1024];
    private readonly byte[] _receive = new byte[65536];
    private ulong _clock;

    public LivenessProbe(IPEndPoint target, CommunityId community, LibNaClPrivateKey key, Random random)
    {
        _target = target;
        _community = community;
        _key = key;
        _random = random;
        _socket = new Socket(target.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        _socket.Bind(new IPEndPoint(target.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Loopback : IPAddress.Loopback, 0));
    }

    /// <summary>The probe socket's address.</summary>
    public IPEndPoint LocalEndPoint => (IPEndPoint)_socket.LocalEndPoint!;

    /// <summary>Sends a probe and waits up to <paramref name="deadline"/> for its answer; true when it came.</summary>
    public async Task<bool> CheckAsync(TimeSpan deadline, CancellationToken cancel)
    {
        var identifier = (ushort)_random.Next(65536);
        var length = WriteRequest(identifier);
        var until = DateTime.UtcNow + deadline;
        for (var attempt = 0; attempt < Attempts; attempt++)
        {
            await _socket.SendToAsync(_send.AsMemory(0, length), SocketFlags.None, _target, cancel).ConfigureAwait(false);
            var attemptEnd = attempt == Attempts - 1 ? until : DateTime.UtcNow + (until - DateTime.UtcNow) / (Attempts - attempt);
            if (await WaitForAnswerAsync(identifier, attemptEnd, cancel).ConfigureAwait(false))
            {
                return true;
            }
        }

        return false;
    }

    private int WriteRequest(ushort identifier)
    {
        var local = UdpAddress.FromIPEndPoint(LocalEndPoint);
        var target = UdpAddress.FromIPEndPoint(_target);
        var request = new IntroductionRequestPayload
        {
            DestinationAddress = target.IsIPv4 ? target : default,
            SourceLanAddress = local.IsIPv4 ? local : default,
            SourceWanAddress = local.IsIPv4 ? local : default,
            Flags = IntroductionRequestPayload.MakeFlags(ConnectionType.Unknown, supportsNewStyle: false, advice: true),
            Identifier = identifier,
        };
        return Packet.Write(_send, _community.ToPrefix(), _key, new GlobalTime(++_clock), request);
    }

    private async Task<bool> WaitForAnswerAsync(ushort identifier, DateTime until, CancellationToken cancel)
    {
        while (true)
        {
            var left = until - DateTime.UtcNow;
            if (left <= TimeSpan.Zero)
            {
                return false;
            }

            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancel);
            timeout.CancelAfter(left);
            SocketReceiveFromResult received;
            try
            {
                received = await _socket.ReceiveFromAsync(_receive, SocketFlags.None, new IPEndPoint(_target.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0), timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
            {
                return false;
            }
            catch (SocketException)
            {
                // An ICMP port unreachable from an earlier send (Linux reports it on the next receive): the target is not there.
                await Task.Delay(TimeSpan.FromMilliseconds(50), cancel).ConfigureAwait(false);
                continue;
            }

            if (received.RemoteEndPoint.Equals(_target) && IsAnswer(_receive.AsSpan(0, received.ReceivedBytes), identifier))
            {
                return true;
            }
        }
    }

    /// <summary>A 245 or 233 with <paramref name="identifier"/> and a valid signature.</summary>
    internal static bool IsAnswer(ReadOnlySpan<byte> datagram, ushort identifier)
    {
        if (!Packet.TryReadMessageId(datagram, out var id))
        {
            return false;
        }

        return id switch
        {
            DiscoveryMessages.IntroductionResponse =>
                DiscoveryKinds.IntroductionResponse.TryDecode(datagram, verify: true, out _, out _, out var old, out _) && old.Identifier == identifier,
            DiscoveryMessages.NewIntroductionResponse =>
                DiscoveryKinds.NewIntroductionResponse.TryDecode(datagram, verify: true, out _, out _, out var response, out _) && response.Identifier == identifier,
            _ => false,
        };
    }

    public void Dispose() => _socket.Dispose();
}
