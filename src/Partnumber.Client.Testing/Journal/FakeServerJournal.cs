namespace Partnumber.Client.Testing.Journal;

/// <summary>
/// Everything the fake server saw and did: HTTP requests, Socket.IO sessions and events. Lists are snapshots; the
/// <c>WaitFor…</c> helpers complete as soon as the condition holds (also when it already held), so tests never sleep.
/// They wait at most <see cref="FakePartnumberServerOptions.JournalWaitTimeout"/> (real time) and then throw a
/// <see cref="TimeoutException"/> that lists what was recorded.
/// </summary>
public sealed class FakeServerJournal
{
    private readonly TimeSpan _timeout;

    internal FakeServerJournal(TimeSpan timeout, int capacity)
    {
        _timeout = timeout;
        RequestList = new(capacity);
        SessionList = new(capacity);
        EventList = new(capacity);
    }

    /// <summary>The REST requests received, in arrival order.</summary>
    public IReadOnlyList<RecordedHttpRequest> Requests => RequestList.Snapshot();

    /// <summary>The Engine.IO sessions opened, in order.</summary>
    public IReadOnlyList<RecordedSession> Sessions => SessionList.Snapshot();

    /// <summary>The Socket.IO events received and emitted, in order.</summary>
    public IReadOnlyList<RecordedEvent> Events => EventList.Snapshot();

    internal JournalList<RecordedHttpRequest> RequestList { get; }

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
        => WaitForEventAsync(e => e.Direction == EventDirection.Received && e.EventName == "join" && e.Room is not null && (roomId is null || e.Room == roomId), cancellationToken);

    /// <summary>Waits until the server emitted <c>classification_finished</c> (to <paramref name="roomId"/>, when given).</summary>
    /// <param name="roomId">The room; null for any.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The emitted event (check <see cref="RecordedEvent.Recipients"/> to see whether anyone got it).</returns>
    public Task<RecordedEvent> WaitForFinishedAsync(string? roomId = null, CancellationToken cancellationToken = default)
        => WaitForEventAsync(e => e.Direction == EventDirection.Emitted && e.EventName == "classification_finished" && (roomId is null || e.Room == roomId), cancellationToken);

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
