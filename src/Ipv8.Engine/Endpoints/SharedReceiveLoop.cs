using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Ipv8.Engine.Endpoints;

/// <summary>A socket read by a <see cref="SharedReceiveLoop"/>, and the endpoint its datagrams go to.</summary>
internal sealed class SharedSocket(Socket socket, EndpointLifecycle lifecycle, SharedReceiveLoop loop)
{
    public Socket Socket { get; } = socket;

    public int Fd { get; } = (int)socket.SafeHandle.DangerousGetHandle();

    public EndpointLifecycle Lifecycle { get; } = lifecycle;

    public SharedReceiveLoop Loop { get; } = loop;

    public int Slot { get; set; }

    public uint Generation { get; set; }

    /// <summary>Set once the socket leaves the epoll set; the loop then skips events of it still in its current batch.</summary>
    public volatile bool Removed;

    /// <summary>Completes when the loop has let go of the socket: it can be closed (and its descriptor reused) safely.</summary>
    public TaskCompletionSource Released { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}

/// <summary>
/// One receive thread of a <see cref="UdpEndpointGroup"/>: an epoll set over many sockets, level-triggered. Each wake-up
/// reads at most <c>datagramsPerTurn</c> datagrams from each ready socket with one <c>recvmmsg</c> into the loop's own
/// buffers and delivers them in place, so a busy socket cannot starve the others: what it has left makes epoll report it
/// again, behind the sockets that became ready meanwhile. The buffers belong to the loop, not to the sockets, so ten
/// thousand sockets cost no more receive memory than one.
/// </summary>
internal sealed unsafe class SharedReceiveLoop : IDisposable
{
    private const ulong WakeTag = ulong.MaxValue;
    private const int MaxEvents = 256;
    private const int AddressStride = 32;

    private readonly Lock _lock = new();
    private readonly Stack<int> _freeSlots = new();
    private readonly List<SharedSocket> _removals = [];
    private readonly int _epoll;
    private readonly int _wake;
    private readonly int _perTurn;
    private readonly byte* _events;
    private readonly LinuxNative.MMsgHdr* _messages;
    private readonly LinuxNative.IoVec* _iovecs;
    private readonly byte* _addresses;
    private readonly byte* _buffers;
    private readonly byte* _control;
    private long _lagTicks; // TimeSpan ticks: how long the last datagram read had waited in the kernel
    private SharedSocket?[] _slots = new SharedSocket?[16];
    private Thread? _thread;
    private int _nextSlot;
    private int _count;
    private uint _generation;
    private volatile bool _stopping;
    private bool _removalsPending;
    private bool _disposed;

    public SharedReceiveLoop(int datagramsPerTurn)
    {
        _perTurn = datagramsPerTurn;
        _epoll = LinuxNative.epoll_create1(LinuxNative.EpollCloexec);
        if (_epoll < 0)
        {
            throw new SocketException(Marshal.GetLastPInvokeError());
        }

        _wake = LinuxNative.eventfd(0, LinuxNative.EfdCloexec | LinuxNative.EfdNonblock);
        if (_wake < 0 || LinuxNative.EpollAdd(_epoll, _wake, WakeTag) < 0)
        {
            var error = Marshal.GetLastPInvokeError();
            LinuxNative.close(_epoll);
            throw new SocketException(error);
        }

        _events = (byte*)NativeMemory.Alloc((nuint)(MaxEvents * LinuxNative.EpollEventSize));
        _messages = (LinuxNative.MMsgHdr*)NativeMemory.AllocZeroed((nuint)_perTurn, (nuint)sizeof(LinuxNative.MMsgHdr));
        _iovecs = (LinuxNative.IoVec*)NativeMemory.AllocZeroed((nuint)_perTurn, (nuint)sizeof(LinuxNative.IoVec));
        _addresses = (byte*)NativeMemory.AllocZeroed((nuint)(_perTurn * AddressStride));
        _control = (byte*)NativeMemory.AllocZeroed((nuint)(_perTurn * LinuxNative.ControlSize));
        // Untouched pages cost nothing: a turn writes only the bytes it receives.
        _buffers = (byte*)NativeMemory.Alloc((nuint)_perTurn * DatagramFrame.MaxDatagram);
        for (var i = 0; i < _perTurn; i++)
        {
            _iovecs[i].Base = _buffers + ((long)i * DatagramFrame.MaxDatagram);
            _iovecs[i].Length = DatagramFrame.MaxDatagram;
            _messages[i].Header.Iov = &_iovecs[i];
            _messages[i].Header.IovLength = 1;
            _messages[i].Header.Name = _addresses + (i * AddressStride);
            _messages[i].Header.Control = _control + (i * LinuxNative.ControlSize);
        }
    }

    /// <summary>
    /// How long the datagram this loop read last had waited in its socket (from the kernel's receive timestamp): near zero
    /// while the loop keeps up, growing when it falls behind.
    /// </summary>
    public TimeSpan Lag => TimeSpan.FromTicks(Volatile.Read(ref _lagTicks));

    /// <summary>Sockets read by this loop now.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>Starts the loop's thread.</summary>
    public void Start(string name)
    {
        _thread = new Thread(Run) { IsBackground = true, Name = name };
        _thread.Start();
    }

    /// <summary>Adds a socket: from now on its datagrams go to <paramref name="lifecycle"/>, on this loop's thread.</summary>
    public SharedSocket Add(Socket socket, EndpointLifecycle lifecycle)
    {
        var shared = new SharedSocket(socket, lifecycle, this);
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var slot = _freeSlots.Count > 0 ? _freeSlots.Pop() : _nextSlot++;
            if (slot >= _slots.Length)
            {
                var grown = new SharedSocket?[_slots.Length * 2];
                _slots.CopyTo(grown, 0);
                Volatile.Write(ref _slots, grown);
            }

            shared.Slot = slot;
            shared.Generation = ++_generation;
            var on = 1; // the option's int, from the stack (not an array per socket)
            socket.SetRawSocketOption(LinuxNative.SolSocket, LinuxNative.SoTimestampNs, MemoryMarshal.AsBytes(new ReadOnlySpan<int>(ref on)));
            _slots[slot] = shared;
            if (LinuxNative.EpollAdd(_epoll, shared.Fd, ((ulong)shared.Generation << 32) | (uint)slot) < 0)
            {
                var error = Marshal.GetLastPInvokeError();
                _slots[slot] = null;
                _freeSlots.Push(slot);
                throw new SocketException(error);
            }

            _count++;
        }

        return shared;
    }

    /// <summary>
    /// Takes a socket out of the loop. The returned task completes once the loop's thread no longer touches it (at the end
    /// of its current batch), after which the socket may be closed.
    /// </summary>
    public Task RemoveAsync(SharedSocket shared)
    {
        lock (_lock)
        {
            if (shared.Removed)
            {
                return shared.Released.Task;
            }

            shared.Removed = true;
            if (_disposed)
            {
                shared.Released.TrySetResult();
                return shared.Released.Task;
            }

            LinuxNative.EpollRemove(_epoll, shared.Fd);
            _removals.Add(shared);
            Volatile.Write(ref _removalsPending, true);
            if (_thread is null)
            {
                ReleaseRemoved(); // no thread (tests poll by hand): nothing can be using it now
                return shared.Released.Task;
            }
        }

        Wake();
        return shared.Released.Task;
    }

    /// <summary>
    /// One round of the loop: waits up to <paramref name="timeoutMilliseconds"/> for ready sockets and gives each its turn.
    /// Returns the number of datagrams delivered. The thread calls it forever; tests call it by hand.
    /// </summary>
    public int PollOnce(int timeoutMilliseconds)
    {
        var ready = LinuxNative.epoll_wait(_epoll, _events, MaxEvents, timeoutMilliseconds);
        if (ready <= 0)
        {
            if (ready == 0)
            {
                Volatile.Write(ref _lagTicks, 0); // nothing waiting: not behind
            }

            return 0; // EINTR; anything else shows up again on the next call
        }

        var delivered = 0;
        var slots = Volatile.Read(ref _slots);
        for (var i = 0; i < ready; i++)
        {
            var tag = *(ulong*)(_events + (i * LinuxNative.EpollEventSize) + LinuxNative.EpollDataOffset);
            if (tag == WakeTag)
            {
                ulong value;
                LinuxNative.read(_wake, &value, sizeof(ulong));
                continue;
            }

            var slot = (int)(uint)tag;
            if ((uint)slot < (uint)slots.Length && slots[slot] is { } shared && shared.Generation == (uint)(tag >> 32) && !shared.Removed)
            {
                delivered += Turn(shared);
            }
        }

        if (Volatile.Read(ref _removalsPending))
        {
            lock (_lock)
            {
                ReleaseRemoved();
            }
        }

        return delivered;
    }

    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
        }

        _stopping = true;
        Wake();
        if (_thread is not null && _thread != Thread.CurrentThread)
        {
            _thread.Join();
        }

        lock (_lock)
        {
            ReleaseRemoved();
            foreach (var shared in _slots)
            {
                if (shared is not null)
                {
                    shared.Removed = true;
                    shared.Released.TrySetResult();
                }
            }
        }

        LinuxNative.close(_wake);
        LinuxNative.close(_epoll);
        NativeMemory.Free(_events);
        NativeMemory.Free(_messages);
        NativeMemory.Free(_iovecs);
        NativeMemory.Free(_addresses);
        NativeMemory.Free(_control);
        NativeMemory.Free(_buffers);
    }

    private void Run()
    {
        while (!_stopping)
        {
            PollOnce(100); // wakes when idle, so that Lag falls back to zero
        }
    }

    /// <summary>Reads and delivers up to one turn's datagrams of one socket.</summary>
    private int Turn(SharedSocket shared)
    {
        for (var i = 0; i < _perTurn; i++)
        {
            _messages[i].Header.NameLength = LinuxNative.SockaddrSize;
            _messages[i].Header.ControlLength = LinuxNative.ControlSize;
            _messages[i].Header.Flags = 0;
        }

        var received = LinuxNative.recvmmsg(shared.Fd, _messages, (uint)_perTurn, LinuxNative.MsgDontwait, null);
        if (received <= 0)
        {
            if (received < 0 && Marshal.GetLastPInvokeError() is not (LinuxNative.Eagain or LinuxNative.Eintr))
            {
                shared.Lifecycle.Counters.ReceiveFailed();
            }

            return 0;
        }

        MeasureLag(ref _messages[0].Header);
        var lifecycle = shared.Lifecycle;
        for (var i = 0; i < received; i++)
        {
            ref var message = ref _messages[i];
            var length = (int)message.Length;
            if ((message.Header.Flags & LinuxNative.MsgTrunc) != 0 || !LinuxNative.TryReadAddress((byte*)message.Header.Name, message.Header.NameLength, out var source))
            {
                lifecycle.Counters.ReceiveFailed();
                continue;
            }

            lifecycle.Counters.Received(length);
            lifecycle.Deliver(source, new ReadOnlySpan<byte>(_iovecs[i].Base, length));
        }

        return received;
    }

    /// <summary>Records how long the first datagram of a turn waited, from its SCM_TIMESTAMPNS (CLOCK_REALTIME).</summary>
    private void MeasureLag(ref LinuxNative.MsgHdr header)
    {
        if (header.ControlLength < 32)
        {
            return;
        }

        var cmsg = (byte*)header.Control;
        if (*(int*)(cmsg + 8) != LinuxNative.SolSocket || *(int*)(cmsg + 12) != LinuxNative.SoTimestampNs)
        {
            return;
        }

        var seconds = *(long*)(cmsg + 16);
        var nanoseconds = *(long*)(cmsg + 24);
        var arrived = DateTime.UnixEpoch.Ticks + (seconds * TimeSpan.TicksPerSecond) + (nanoseconds / 100);
        Volatile.Write(ref _lagTicks, Math.Max(0, DateTime.UtcNow.Ticks - arrived));
    }

    private void Wake()
    {
        ulong one = 1;
        LinuxNative.write(_wake, &one, sizeof(ulong));
    }

    // Under _lock.
    private void ReleaseRemoved()
    {
        foreach (var shared in _removals)
        {
            if (_slots[shared.Slot] == shared)
            {
                _slots[shared.Slot] = null;
                _freeSlots.Push(shared.Slot);
                _count--;
            }

            shared.Released.TrySetResult();
        }

        _removals.Clear();
        Volatile.Write(ref _removalsPending, false);
    }
}
