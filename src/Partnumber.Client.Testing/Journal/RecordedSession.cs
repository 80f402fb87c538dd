namespace Partnumber.Client.Testing.Journal;

/// <summary>One Engine.IO session (one client connection) and its Socket.IO state.</summary>
public sealed class RecordedSession
{
    private volatile string? _socketSessionId;
    private volatile string _transport;
    private volatile string? _disconnectReason;
    private long _disconnectedAtTicks = long.MinValue;

    // Most sessions join one room: it is kept in a field, and a list (also the lock for it) only exists from the second.
    private readonly int _roomCapacity;
    private string? _firstRoom;
    private List<string>? _moreRooms;
    private int _joinedRoomCount;
    private volatile IReadOnlyDictionary<string, string> _auth = new Dictionary<string, string>();

    internal RecordedSession(string engineSessionId, string transport, IReadOnlyDictionary<string, string> headers, DateTimeOffset openedAt, int roomCapacity = int.MaxValue)
    {
        _roomCapacity = roomCapacity;
        EngineSessionId = engineSessionId;
        _transport = transport;
        InitialTransport = transport;
        Headers = headers;
        OpenedAt = openedAt;
    }

    /// <summary>The Engine.IO session id (<c>sid</c> of the open packet).</summary>
    public string EngineSessionId { get; }

    /// <summary>The Socket.IO namespace sid (also sent as <c>socket_session_id</c>); null until the namespace CONNECT.</summary>
    public string? SocketSessionId { get => _socketSessionId; internal set => _socketSessionId = value; }

    /// <summary>The <c>auth</c> fields of the namespace CONNECT (strings as they are, other values as JSON text); empty before it or when none was sent.</summary>
    public IReadOnlyDictionary<string, string> Auth { get => _auth; internal set => _auth = value; }

    /// <summary>The first transport: <c>polling</c> or <c>websocket</c>.</summary>
    public string InitialTransport { get; }

    /// <summary>The current transport, or the last one once closed: <c>polling</c>, or <c>websocket</c> (also after an upgrade).</summary>
    public string Transport { get => _transport; internal set => _transport = value; }

    /// <summary>True when the session started on polling and completed an upgrade to WebSocket (<c>2probe</c>, <c>3probe</c>, <c>5</c>).</summary>
    public bool Upgraded => InitialTransport == "polling" && Transport == "websocket";

    /// <summary>
    /// How many distinct rooms the session's socket joined (by <c>join</c> or by <see cref="FakePartnumberServerOptions.AutoJoin"/>).
    /// The protocol has no <c>leave</c>: a socket stays in every room it joined until it disconnects, so on a reused
    /// connection this grows by one per classification.
    /// </summary>
    public int JoinedRoomCount => Volatile.Read(ref _joinedRoomCount);

    /// <summary>
    /// The rooms joined, in order (at most <see cref="FakePartnumberServerOptions.JournalCapacity"/> names are kept;
    /// <see cref="JoinedRoomCount"/> counts them all). A snapshot.
    /// </summary>
    public IReadOnlyList<string> JoinedRooms
    {
        get
        {
            var first = Volatile.Read(ref _firstRoom);
            var more = Volatile.Read(ref _moreRooms);
            if (first is null)
            {
                return [];
            }

            if (more is null)
            {
                return [first];
            }

            lock (more)
            {
                return [first, .. more];
            }
        }
    }

    /// <summary>The handshake request's headers.</summary>
    public IReadOnlyDictionary<string, string> Headers { get; }

    /// <summary>When the session opened.</summary>
    public DateTimeOffset OpenedAt { get; }

    /// <summary>When the session closed, or null while it is open.</summary>
    public DateTimeOffset? ClosedAt
    {
        get
        {
            var ticks = Interlocked.Read(ref _disconnectedAtTicks);
            return ticks == long.MinValue ? null : new DateTimeOffset(ticks, TimeSpan.Zero);
        }
    }

    /// <summary>Why the session closed (for example <c>transport close</c>, <c>ping timeout</c>, <c>parse error</c>), or null while open.</summary>
    public string? CloseReason => _disconnectReason;

    /// <summary>True once the session closed.</summary>
    public bool IsClosed => ClosedAt is not null;

    internal void MarkClosed(string reason, DateTimeOffset at)
    {
        _disconnectReason = reason;
        Interlocked.Exchange(ref _disconnectedAtTicks, at.UtcTicks);
    }

    internal void AddJoinedRoom(string room)
    {
        // Called once per distinct room, under the socket's own lock: joins of one session never race each other.
        var count = Interlocked.Increment(ref _joinedRoomCount);
        if (count == 1)
        {
            Volatile.Write(ref _firstRoom, room);
            return;
        }

        if (count > _roomCapacity)
        {
            return;
        }

        var more = Volatile.Read(ref _moreRooms);
        if (more is null)
        {
            more = [];
            Volatile.Write(ref _moreRooms, more);
        }

        lock (more)
        {
            more.Add(room);
        }
    }
}
