namespace Ipv8.Engine.Peers;

/// <summary>A set that forgets its oldest member when full. Not thread-safe.</summary>
internal sealed class BoundedSet<T>(int capacity) where T : notnull
{
    private readonly Dictionary<T, LinkedListNode<T>> _items = [];
    private readonly LinkedList<T> _order = new();

    public int Count => _items.Count;

    public bool Contains(T item) => _items.ContainsKey(item);

    public bool Add(T item)
    {
        if (_items.ContainsKey(item))
        {
            return false;
        }

        if (_items.Count >= capacity && _order.First is { } oldest)
        {
            _items.Remove(oldest.Value);
            _order.RemoveFirst();
        }

        _items[item] = _order.AddLast(item);
        return true;
    }

    public bool Remove(T item)
    {
        if (!_items.Remove(item, out var node))
        {
            return false;
        }

        _order.Remove(node);
        return true;
    }
}
