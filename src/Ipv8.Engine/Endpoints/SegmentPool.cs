using System.Buffers;

namespace Ipv8.Engine.Endpoints;

/// <summary>
/// A capped pool of pinned pipe segments for one endpoint. Both the arrays and their owner objects are reused, so a
/// running receive path allocates nothing; the shared array pool can instead drop and re-allocate large arrays.
/// Beyond <see cref="Capacity"/> segments, returned memory is left to the GC.
/// </summary>
internal sealed class SegmentPool(int segmentSize, int capacity) : MemoryPool<byte>
{
    // A segment is taken or returned once per few hundred datagrams, so a plain lock costs nothing measurable.
    private readonly Lock _lock = new();
    private readonly Owner[] _free = new Owner[capacity];
    private int _count;

    public int Capacity { get; } = capacity;

    public override int MaxBufferSize => segmentSize;

    /// <summary>Allocates every segment up front, so that even the first burst that fills the pipe allocates nothing.</summary>
    public void Preallocate()
    {
        lock (_lock)
        {
            while (_count < _free.Length)
            {
                _free[_count++] = new Owner(this, GC.AllocateUninitializedArray<byte>(segmentSize, pinned: true));
            }
        }
    }

    public override IMemoryOwner<byte> Rent(int minBufferSize = -1)
    {
        if (minBufferSize > segmentSize)
        {
            throw new ArgumentOutOfRangeException(nameof(minBufferSize), minBufferSize, $"Segments hold at most {segmentSize} bytes.");
        }

        lock (_lock)
        {
            if (_count > 0)
            {
                var owner = _free[--_count];
                _free[_count] = null!;
                owner.Rented = true;
                return owner;
            }
        }

        return new Owner(this, GC.AllocateUninitializedArray<byte>(segmentSize, pinned: true)) { Rented = true };
    }

    protected override void Dispose(bool disposing)
    {
        lock (_lock)
        {
            Array.Clear(_free);
            _count = 0;
        }
    }

    private void Return(Owner owner)
    {
        lock (_lock)
        {
            if (_count < _free.Length)
            {
                _free[_count++] = owner;
            }
        }
    }

    private sealed class Owner(SegmentPool pool, byte[] array) : IMemoryOwner<byte>
    {
        public bool Rented { get; set; }

        public Memory<byte> Memory => array;

        public void Dispose()
        {
            if (Rented)
            {
                Rented = false;
                pool.Return(this);
            }
        }
    }
}
