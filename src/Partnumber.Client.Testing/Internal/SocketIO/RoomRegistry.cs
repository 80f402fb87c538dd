using System.Collections.Concurrent;

namespace Partnumber.Client.Testing.Internal.SocketIO;

/// <summary>Rooms and their members. A room exists while it has members or a task waits for it.</summary>
internal sealed class RoomRegistry
{
    private readonly ConcurrentDictionary<string, Room> _rooms = new(StringComparer.Ordinal);

    public Room GetOrCreate(string name) => _rooms.GetOrAdd(name, static n => new Room(n));

    public void Add(string name, SocketConnection socket)
    {
        var room = GetOrCreate(name);
        room.Members.TryAdd(socket, 0);
        List<Action>? waiters;
        lock (room.Gate)
        {
            waiters = room.JoinWaiters;
            room.JoinWaiters = null;
        }

        if (waiters is not null)
        {
            foreach (var waiter in waiters)
            {
                waiter();
            }
        }
    }

    public void Remove(string name, SocketConnection socket)
    {
        if (_rooms.TryGetValue(name, out var room))
        {
            room.Members.TryRemove(socket, out _);
            ForgetIfUnused(room);
        }
    }

    /// <summary>A task using the room starts (the room is kept while any task uses it).</summary>
    public Room Acquire(string name)
    {
        while (true)
        {
            var room = GetOrCreate(name);
            Interlocked.Increment(ref room.Tasks);
            if (_rooms.TryGetValue(name, out var current) && ReferenceEquals(current, room))
            {
                return room;
            }

            Interlocked.Decrement(ref room.Tasks); // removed meanwhile: retry with a fresh room
        }
    }

    /// <summary>A task using the room ended.</summary>
    public void Release(Room room)
    {
        Interlocked.Decrement(ref room.Tasks);
        ForgetIfUnused(room);
    }

    public int Count => _rooms.Count;

    private void ForgetIfUnused(Room room)
    {
        if (room.Members.IsEmpty && Volatile.Read(ref room.Tasks) == 0)
        {
            _rooms.TryRemove(new KeyValuePair<string, Room>(room.Name, room));
        }
    }

    /// <summary>Sends an encoded Engine.IO packet to every member; returns how many got it. No snapshot is allocated.</summary>
    public int SendToMembers(string name, string enginePacket)
    {
        if (!_rooms.TryGetValue(name, out var room))
        {
            return 0;
        }

        var count = 0;
        foreach (var member in room.Members)
        {
            member.Key.Engine.Send(enginePacket);
            count++;
        }

        return count;
    }

    public SocketConnection[] MembersOf(string name)
        => _rooms.TryGetValue(name, out var room) ? [.. room.Members.Keys] : [];

    internal sealed class Room
    {
        public Room(string name) => Name = name;

        public string Name { get; }

        public ConcurrentDictionary<SocketConnection, byte> Members { get; } = new();

#pragma warning disable CA1051 // a counter updated with Interlocked
        public int Tasks;
#pragma warning restore CA1051

        public object Gate { get; } = new();

        /// <summary>Called synchronously (on the joining socket's receive loop) when the first member joins.</summary>
        public List<Action>? JoinWaiters { get; set; }

        /// <summary>Runs <paramref name="onJoined"/> now if the room has members, else when the next member joins.</summary>
        /// <returns>True when it ran now.</returns>
        public bool WhenJoined(Action onJoined)
        {
            lock (Gate)
            {
                if (Members.IsEmpty)
                {
                    (JoinWaiters ??= []).Add(onJoined);
                    return false;
                }
            }

            onJoined();
            return true;
        }
    }
}
