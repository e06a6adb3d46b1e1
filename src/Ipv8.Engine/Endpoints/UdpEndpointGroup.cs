using System.Net.Sockets;

namespace Ipv8.Engine.Endpoints;

/// <summary>
/// Receive threads shared by many <see cref="UdpEndpoint"/>s of one process (many nodes in one process, as
/// <c>ipv8 swarm</c> runs them). Give it to the endpoints through <see cref="UdpEndpointOptions.Group"/>: each of their
/// sockets then joins one of the group's few receive threads instead of getting receive loops, a pipe and buffers of its
/// own. A thread waits on all its sockets at once (Linux epoll), reads up to <c>datagramsPerTurn</c> datagrams of a
/// ready socket per turn into its own buffers and hands them to the endpoint's sink in place, so sockets share the CPU
/// fairly and ten thousand endpoints cost no more receive memory than one. The handlers of the group's endpoints run on
/// these threads; a socket is always read by the same thread, so one endpoint's datagrams arrive in order.
/// </summary>
/// <remarks>
/// Not the fastest path for one busy node: that is <see cref="ReceiveMode.DedicatedThread"/> with SO_REUSEPORT workers,
/// which the group does not use. On systems other than Linux (<see cref="IsSupported"/> false), endpoints of a group fall
/// back to <see cref="ReceiveMode.Async"/> loops of their own. Dispose the group after its endpoints.
/// </remarks>
public sealed class UdpEndpointGroup : IDisposable
{
    private readonly SharedReceiveLoop[] _loops;
    private int _next;
    private int _disposed;

    /// <summary>Creates a group and starts its threads.</summary>
    /// <param name="receiveThreads">Receive threads; 0 (the default) for one per core.</param>
    /// <param name="datagramsPerTurn">The most datagrams one socket gets per turn before the next ready socket's turn (1-64; default 8).</param>
    public UdpEndpointGroup(int receiveThreads = 0, int datagramsPerTurn = 8)
        : this(receiveThreads, datagramsPerTurn, startThreads: true)
    {
    }

    /// <summary>Creates a group; without threads the loops run only when a test calls <see cref="PollOnce"/>.</summary>
    internal UdpEndpointGroup(int receiveThreads, int datagramsPerTurn, bool startThreads)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(receiveThreads);
        ArgumentOutOfRangeException.ThrowIfLessThan(datagramsPerTurn, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(datagramsPerTurn, 64);
        var threads = receiveThreads == 0 ? Environment.ProcessorCount : receiveThreads;
        DatagramsPerTurn = datagramsPerTurn;
        if (!IsSupported)
        {
            _loops = [];
            return;
        }

        _loops = new SharedReceiveLoop[threads];
        try
        {
            for (var i = 0; i < threads; i++)
            {
                _loops[i] = new SharedReceiveLoop(datagramsPerTurn);
                if (startThreads)
                {
                    _loops[i].Start($"ipv8-group-recv-{i}");
                }
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>True where the group shares receive threads (Linux); elsewhere its endpoints run loops of their own.</summary>
    public static bool IsSupported => OperatingSystem.IsLinux();

    /// <summary>The group's receive threads (0 where <see cref="IsSupported"/> is false).</summary>
    public int ReceiveThreads => _loops.Length;

    /// <summary>The most datagrams one socket gets per turn.</summary>
    public int DatagramsPerTurn { get; }

    /// <summary>
    /// How far behind the group's threads are: the longest a datagram read last by one of them had waited in its socket
    /// (kernel receive timestamps). Near zero while they keep up. Work that only adds load, such as walking, can wait
    /// while it is high (<c>ipv8 swarm</c> does).
    /// </summary>
    public TimeSpan Lag
    {
        get
        {
            var lag = TimeSpan.Zero;
            foreach (var loop in _loops)
            {
                lag = loop.Lag > lag ? loop.Lag : lag;
            }

            return lag;
        }
    }

    /// <summary>Sockets the group reads now.</summary>
    public int Sockets => _loops.Sum(l => l?.Count ?? 0);

    /// <summary>Stops the threads. Endpoints still in the group stop receiving; close them first.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        foreach (var loop in _loops)
        {
            loop?.Dispose();
        }
    }

    /// <summary>Adds a socket to the least busy thread (round robin); its datagrams go to <paramref name="lifecycle"/>.</summary>
    internal SharedSocket Add(Socket socket, EndpointLifecycle lifecycle)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var index = (int)((uint)Interlocked.Increment(ref _next) % (uint)_loops.Length);
        return _loops[index].Add(socket, lifecycle);
    }

    /// <summary>One round of every loop, for tests of a group created without threads; returns the datagrams delivered.</summary>
    internal int PollOnce(int timeoutMilliseconds = 0) => _loops.Sum(l => l.PollOnce(timeoutMilliseconds));
}
