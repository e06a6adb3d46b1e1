using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Ipv8.Wire;

namespace Ipv8.Engine.Endpoints;

/// <summary>
/// The few Linux calls <see cref="UdpEndpointGroup"/> needs and .NET does not expose: one epoll set over many sockets, an
/// eventfd to wake it, and <c>recvmmsg</c> to read a socket's waiting datagrams in one call; <c>recvfrom</c> for the
/// dedicated receive thread of a <see cref="ReceiveChannel"/>; and <c>sendto</c> for <see cref="UdpSender"/>. Linux only (glibc or musl name the library <c>libc</c>
/// either way through .NET's probing).
/// </summary>
internal static unsafe partial class LinuxNative
{
    public const int EpollCloexec = 0x80000;
    public const int EpollCtlAdd = 1;
    public const int EpollCtlDel = 2;
    public const uint EpollIn = 0x001;
    public const int EfdCloexec = 0x80000;
    public const int EfdNonblock = 0x800;
    public const int MsgDontwait = 0x40;
    public const int MsgTrunc = 0x20;
    public const int MsgNosignal = 0x4000;
    public const int Eintr = 4;
    public const int Ebadf = 9;
    public const int Eagain = 11;
    public const ushort AfInet = 2;
    public const ushort AfInet6 = 10;

    public const int SolSocket = 1;
    public const int SoTimestampNs = 35; // also SCM_TIMESTAMPNS

    /// <summary>Room for one SCM_TIMESTAMPNS control message (a cmsghdr and a timespec).</summary>
    public const int ControlSize = 64;

    /// <summary>The size of a sockaddr_in6, the largest source address a receive fills in.</summary>
    public const int SockaddrSize = 28;

    private const string Libc = "libc";

    /// <summary>
    /// <c>struct epoll_event</c> is packed (12 bytes) on x86-64 and naturally aligned (16 bytes) elsewhere; the events
    /// are read through these offsets.
    /// </summary>
    public static readonly int EpollEventSize = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 12 : 16;

    public static readonly int EpollDataOffset = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 4 : 8;

    /// <summary>Adds <paramref name="fd"/> to the epoll set, level-triggered for input, with <paramref name="data"/> as its tag.</summary>
    public static int EpollAdd(int epoll, int fd, ulong data)
    {
        var ev = stackalloc byte[16];
        *(uint*)ev = EpollIn;
        Unsafe.WriteUnaligned(ev + EpollDataOffset, data);
        return epoll_ctl(epoll, EpollCtlAdd, fd, ev);
    }

    public static int EpollRemove(int epoll, int fd)
    {
        var ev = stackalloc byte[16]; // kernels before 2.6.9 want a non-null event even for DEL
        return epoll_ctl(epoll, EpollCtlDel, fd, ev);
    }

    /// <summary>
    /// Reads a sockaddr_in or sockaddr_in6 (family in host order, port and address in network order) of
    /// <paramref name="length"/> bytes, as a receive filled it in; false for any other family or a short address.
    /// </summary>
    public static bool TryReadAddress(byte* name, uint length, out UdpAddress address)
    {
        var family = *(ushort*)name;
        var port = (ushort)((name[2] << 8) | name[3]);
        if (family == AfInet && length >= 8)
        {
            address = UdpAddress.FromIPv4(new ReadOnlySpan<byte>(name + 4, 4), port);
            return true;
        }

        if (family == AfInet6 && length >= 24)
        {
            address = UdpAddress.FromIPv6(new ReadOnlySpan<byte>(name + 8, 16), port);
            return true;
        }

        address = default;
        return false;
    }

    /// <summary>
    /// Writes <paramref name="address"/> at <paramref name="name"/> (room for <see cref="SockaddrSize"/> bytes) as the
    /// sockaddr_in (16 bytes) or sockaddr_in6 (28 bytes) a send takes, and returns its length: the family in host order,
    /// the port and address in network order, and zeros elsewhere (sin_zero; sin6_flowinfo and sin6_scope_id, as
    /// <see cref="UdpAddress.CopyTo"/> leaves them for <c>Socket.SendTo</c>).
    /// </summary>
    public static uint WriteAddress(UdpAddress address, byte* name)
    {
        *(ushort*)name = address.IsIPv6 ? AfInet6 : AfInet;
        name[2] = (byte)(address.Port >> 8);
        name[3] = (byte)address.Port;
        if (address.IsIPv6)
        {
            *(uint*)(name + 4) = 0;
            address.WriteAddressBytes(new Span<byte>(name + 8, 16));
            *(uint*)(name + 24) = 0;
            return 28;
        }

        address.WriteAddressBytes(new Span<byte>(name + 4, 4));
        *(ulong*)(name + 8) = 0;
        return 16;
    }

    /// <summary>
    /// Sends one datagram through <paramref name="socket"/> with a single <c>sendto</c>, the sockaddr built on the stack,
    /// and returns 0, or the errno of the failure: <see cref="Ebadf"/> for a closed socket, <see cref="Eagain"/> when a
    /// non-blocking descriptor has no room (the caller decides whether to wait). Never throws. An interrupted call is
    /// made again. The call holds a reference on the handle, so a concurrent close cannot free the descriptor (for
    /// another socket to take its number) during the call: the close shuts the socket down, which wakes a send waiting
    /// for room (<c>EPIPE</c>; <c>MSG_NOSIGNAL</c>, so no SIGPIPE), and waits for the reference to go.
    /// </summary>
    /// <remarks>
    /// A plain P/Invoke, with the GC transition: on a blocking descriptor <c>sendto</c> may wait for send-buffer room for
    /// as long as the receiver takes, and a thread that suppressed the transition would hold up every GC meanwhile.
    /// </remarks>
    public static int SendTo(SafeHandle socket, UdpAddress destination, ReadOnlySpan<byte> datagram)
    {
        var name = stackalloc byte[SockaddrSize];
        var nameLength = WriteAddress(destination, name);
        if (socket.IsClosed)
        {
            return Ebadf; // the usual way to meet a closed socket, without the exception below
        }

        var referenced = false;
        try
        {
            socket.DangerousAddRef(ref referenced);
            var fd = (int)socket.DangerousGetHandle();
            fixed (byte* data = datagram)
            {
                while (true)
                {
                    if (sendto(fd, data, datagram.Length, MsgNosignal, name, nameLength) >= 0)
                    {
                        return 0;
                    }

                    var error = Marshal.GetLastPInvokeError();
                    if (error != Eintr)
                    {
                        return error;
                    }
                }
            }
        }
        catch (ObjectDisposedException)
        {
            return Ebadf; // closed between the check and the reference
        }
        finally
        {
            if (referenced)
            {
                socket.DangerousRelease();
            }
        }
    }

    [LibraryImport(Libc, SetLastError = true)]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    public static partial int epoll_create1(int flags);

    [LibraryImport(Libc, SetLastError = true)]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    public static partial int epoll_ctl(int epfd, int op, int fd, byte* ev);

    [LibraryImport(Libc, SetLastError = true)]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    public static partial int epoll_wait(int epfd, byte* events, int maxevents, int timeout);

    [LibraryImport(Libc, SetLastError = true)]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    public static partial int eventfd(uint initval, int flags);

    [LibraryImport(Libc, SetLastError = true)]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    public static partial nint read(int fd, void* buf, nint count);

    [LibraryImport(Libc, SetLastError = true)]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    public static partial nint write(int fd, void* buf, nint count);

    [LibraryImport(Libc, SetLastError = true)]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    public static partial int close(int fd);

    [LibraryImport(Libc, SetLastError = true)]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    public static partial int recvmmsg(int fd, MMsgHdr* msgvec, uint vlen, int flags, void* timeout);

    [LibraryImport(Libc, SetLastError = true)]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    public static partial nint recvfrom(int fd, void* buf, nint len, int flags, byte* srcAddr, uint* addrLen);

    [LibraryImport(Libc, SetLastError = true)]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    public static partial nint sendto(int fd, void* buf, nint len, int flags, byte* destAddr, uint addrLen);

    /// <summary><c>struct iovec</c>.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct IoVec
    {
        public void* Base;
        public nuint Length;
    }

    /// <summary><c>struct msghdr</c> (64-bit layout).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct MsgHdr
    {
        public void* Name;
        public uint NameLength;
        public IoVec* Iov;
        public nuint IovLength;
        public void* Control;
        public nuint ControlLength;
        public int Flags;
    }

    /// <summary><c>struct mmsghdr</c>.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct MMsgHdr
    {
        public MsgHdr Header;
        public uint Length;
    }
}
