using Partnumber.Client.Shared.SocketIO;

namespace Partnumber.Client.Testing.Journal;

/// <summary>
/// Everything the fake server saw and did: HTTP requests, Engine.IO sessions, WebSocket handshakes and Socket.IO
/// events. Lists are snapshots; the <c>WaitFor…</c> helpers complete as soon as the condition holds (also when it
/// already held), so tests never sleep. They wait at most <see cref="FakePartnumberServerOptions.JournalWaitTimeout"/>
/// (real time) and then throw a <see cref="TimeoutException"/> that lists what was recorded.
/// </summary>
public sealed class FakeServerJournal
{
    private readonly TimeSpan _timeout;
    private long _webSocketHandshakes;
    private long _refusedWebSocketHandshakes;

    internal FakeServerJournal(TimeSpan timeout, int capacity)
    {
        _timeout = timeout;
        RequestList = new(capacity);
        SessionList = new(capacity);
        EventList = new(capacity);
        HandshakeList = new(capacity);
    }

    /// <summary>The REST requests received, in arrival order.</summary>
    public IReadOnlyList<RecordedHttpRequest> Requests => RequestList.Snapshot();

    /// <summary>The Engine.IO sessions opened, in order.</summary>
    public IReadOnlyList<RecordedSession> Sessions => SessionList.Snapshot();

    /// <summary>The Socket.IO events received and emitted, in order.</summary>
    public IReadOnlyList<RecordedEvent> Events => EventList.Snapshot();

    /// <summary>The WebSocket handshakes (<c>transport=websocket</c> requests on the Engine.IO path), in arrival order.</summary>
    public IReadOnlyList<RecordedWebSocketHandshake> WebSocketHandshakes => HandshakeList.Snapshot();

    /// <summary>
    /// How many WebSocket handshakes were attempted since the server started (or since <see cref="Clear"/>), accepted or
    /// not. Unlike the lists, not limited by <see cref="FakePartnumberServerOptions.JournalCapacity"/>.
    /// </summary>
    public long WebSocketHandshakeCount => Interlocked.Read(ref _webSocketHandshakes);

    /// <summary>
    /// How many of <see cref="WebSocketHandshakeCount"/> were not accepted: refused with a status other than 101
    /// (polling-only server, <see cref="WebSocketRefusal"/>, unknown <c>sid</c>...) or reset.
    /// </summary>
    public long RefusedWebSocketHandshakeCount => Interlocked.Read(ref _refusedWebSocketHandshakes);

    internal JournalList<RecordedHttpRequest> RequestList { get; }

    internal JournalList<RecordedWebSocketHandshake> HandshakeList { get; }

    internal JournalList<RecordedSession> SessionList { get; }

    internal JournalList<RecordedEvent> EventList { get; }

    /// <summary>
    /// Forgets everything recorded so far (for a server shared by several tests, e.g. through an xUnit class fixture).
    /// Open sessions stay open but are no longer listed.
    /// </summary>
    public void Clear()
    {
        RequestList.Clear();
        SessionList.Clear();
        EventList.Clear();
        HandshakeList.Clear();
        Interlocked.Exchange(ref _webSocketHandshakes, 0);
        Interlocked.Exchange(ref _refusedWebSocketHandshakes, 0);
    }

    internal void RecordWebSocketHandshake(RecordedWebSocketHandshake handshake)
    {
        Interlocked.Increment(ref _webSocketHandshakes);
        if (handshake.Outcome != WebSocketHandshakeOutcome.Accepted)
        {
            Interlocked.Increment(ref _refusedWebSocketHandshakes);
        }

        HandshakeList.Add(handshake);
    }

    /// <summary>Waits until <paramref name="count"/> WebSocket handshakes (matching <paramref name="predicate"/>, if given) were answered.</summary>
    /// <param name="count">How many handshakes.</param>
    /// <param name="predicate">Which handshakes count, for example <c>h =&gt; h.Outcome == WebSocketHandshakeOutcome.Accepted</c>; null for all.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The first <paramref name="count"/> matching handshakes.</returns>
    public Task<IReadOnlyList<RecordedWebSocketHandshake>> WaitForWebSocketHandshakesAsync(int count, Func<RecordedWebSocketHandshake, bool>? predicate = null, CancellationToken cancellationToken = default)
    {
        if (count < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(count), "count must be at least 1.");
        }

        return HandshakeList.WaitAsync(h => predicate is null || predicate(h), count, $"{count} WebSocket handshake(s)", _timeout, cancellationToken);
    }

    /// <summary>Waits until <paramref name="count"/> REST requests (matching <paramref name="predicate"/>, if given) were answered.</summary>
    /// <param name="count">How many requests.</param>
    /// <param name="predicate">Which requests count; null for all.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The first <paramref name="count"/> matching requests.</returns>
    public Task<IReadOnlyList<RecordedHttpRequest>> WaitForRequestsAsync(int count, Func<RecordedHttpRequest, bool>? predicate = null, CancellationToken cancellationToken = default)
    {
        if (count < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(count), "count must be at least 1.");
        }

        return RequestList.WaitAsync(r => r.StatusCode != 0 && (predicate is null || predicate(r)), count, $"{count} HTTP request(s)", _timeout, cancellationToken);
    }

    /// <summary>Waits until a session whose namespace CONNECT completed (and matching <paramref name="predicate"/>) exists.</summary>
    /// <param name="predicate">Which sessions count; null for any.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The session.</returns>
    public async Task<RecordedSession> WaitForConnectedSessionAsync(Func<RecordedSession, bool>? predicate = null, CancellationToken cancellationToken = default)
        => (await SessionList.WaitAsync(s => s.SocketSessionId is not null && (predicate is null || predicate(s)), 1, "a connected Socket.IO session", _timeout, cancellationToken).ConfigureAwait(false))[0];

    /// <summary>Waits until a session (matching <paramref name="predicate"/>, if given) has closed.</summary>
    /// <param name="predicate">Which sessions count; null for any.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The closed session.</returns>
    public async Task<RecordedSession> WaitForClosedSessionAsync(Func<RecordedSession, bool>? predicate = null, CancellationToken cancellationToken = default)
        => (await SessionList.WaitAsync(s => s.IsClosed && (predicate is null || predicate(s)), 1, "a closed session", _timeout, cancellationToken).ConfigureAwait(false))[0];

    /// <summary>Waits until a client joined <paramref name="roomId"/> (any room when null).</summary>
    /// <param name="roomId">The room; null for any.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The <c>join</c> event.</returns>
    public Task<RecordedEvent> WaitForJoinAsync(string? roomId = null, CancellationToken cancellationToken = default)
        => WaitForEventAsync(e => e.Direction == EventDirection.Received && e.EventName == SocketIOEvents.Join && e.Room is not null && (roomId is null || e.Room == roomId), cancellationToken);

    /// <summary>Waits until the server emitted <c>classification_finished</c> (to <paramref name="roomId"/>, when given).</summary>
    /// <param name="roomId">The room; null for any.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The emitted event (check <see cref="RecordedEvent.Recipients"/> to see whether anyone got it).</returns>
    public Task<RecordedEvent> WaitForFinishedAsync(string? roomId = null, CancellationToken cancellationToken = default)
        => WaitForEventAsync(e => e.Direction == EventDirection.Emitted && e.EventName == SocketIOEvents.Finished && (roomId is null || e.Room == roomId), cancellationToken);

    /// <summary>Waits for the first event matching <paramref name="predicate"/>.</summary>
    /// <param name="predicate">The condition.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The event.</returns>
    public async Task<RecordedEvent> WaitForEventAsync(Func<RecordedEvent, bool> predicate, CancellationToken cancellationToken = default)
    {
        if (predicate is null)
        {
            throw new ArgumentNullException(nameof(predicate));
        }

        return (await EventList.WaitAsync(predicate, 1, "an event", _timeout, cancellationToken).ConfigureAwait(false))[0];
    }

    /// <summary>Waits until <paramref name="count"/> events match <paramref name="predicate"/>.</summary>
    /// <param name="count">How many events.</param>
    /// <param name="predicate">The condition.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The first <paramref name="count"/> matching events.</returns>
    public Task<IReadOnlyList<RecordedEvent>> WaitForEventsAsync(int count, Func<RecordedEvent, bool> predicate, CancellationToken cancellationToken = default)
    {
        if (predicate is null)
        {
            throw new ArgumentNullException(nameof(predicate));
        }

        return EventList.WaitAsync(predicate, count, $"{count} event(s)", _timeout, cancellationToken);
    }
}
