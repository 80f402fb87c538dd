namespace Partnumber.Client.Testing.Journal;

/// <summary>One Engine.IO session (one client connection) and its Socket.IO state.</summary>
public sealed class RecordedSession
{
    private volatile string? _socketSessionId;
    private volatile string _transport;
    private volatile string? _disconnectReason;
    private long _disconnectedAtTicks = long.MinValue;

    internal RecordedSession(string engineSessionId, string transport, IReadOnlyDictionary<string, string> headers, DateTimeOffset openedAt)
    {
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

    /// <summary>The first transport: <c>polling</c> or <c>websocket</c>.</summary>
    public string InitialTransport { get; }

    /// <summary>The current transport (<c>websocket</c> after an upgrade).</summary>
    public string Transport { get => _transport; internal set => _transport = value; }

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
}
