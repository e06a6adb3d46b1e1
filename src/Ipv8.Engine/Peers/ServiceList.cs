using Ipv8.Wire;

namespace Ipv8.Engine.Peers;

/// <summary>
/// The services of one peer, in the order they were added, without duplicates: the first inline, the rest in an array
/// that doubles. Most peers offer one or two services, which a <see cref="HashSet{T}"/> held in a set object and two
/// arrays (about 200 bytes a peer). A mutable struct: keep it in a field and call it there. Not thread-safe:
/// <see cref="Network"/> holds its lock.
/// </summary>
internal struct ServiceList
{
    private CommunityId _first;
    private CommunityId[]? _more;
    private int _count;

    public readonly int Count => _count;

    public readonly CommunityId this[int index] => index == 0 ? _first : _more![index - 1];

    public readonly bool Contains(CommunityId service)
    {
        for (var i = 0; i < _count; i++)
        {
            if (this[i] == service)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Adds the service unless present; false when present.</summary>
    public bool Add(CommunityId service)
    {
        if (Contains(service))
        {
            return false;
        }

        if (_count == 0)
        {
            _first = service;
        }
        else
        {
            _more ??= new CommunityId[2];
            if (_count - 1 == _more.Length)
            {
                Array.Resize(ref _more, _more.Length * 2);
            }

            _more[_count - 1] = service;
        }

        _count++;
        return true;
    }

    public readonly CommunityId[] ToArray()
    {
        var services = new CommunityId[_count];
        for (var i = 0; i < _count; i++)
        {
            services[i] = this[i];
        }

        return services;
    }
}
