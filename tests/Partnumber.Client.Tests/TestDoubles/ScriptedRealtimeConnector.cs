using System.Collections.Concurrent;
using System.Text.Json;
using System.Threading.Channels;
using Partnumber.Client.Internal.Realtime;

namespace Partnumber.Client.Tests.TestDoubles;

/// <summary>
/// An in-memory realtime transport (like SignalR's test connection): each connect yields a <see cref="ScriptedConnection"/>
/// whose server side the test drives. <see cref="OnJoin"/> runs when the SDK emits <c>join</c>.
/// </summary>
internal sealed class ScriptedRealtimeConnector : IRealtimeConnector
{
    private int _sequence;

    public ConcurrentQueue<ScriptedConnection> Connections { get; } = new();

    /// <summary>Called with the connection and the room id when the SDK joins.</summary>
    public Action<ScriptedConnection, string>? OnJoin { get; set; }

    /// <summary>Called with each new connection before the SDK gets it (to make it misbehave).</summary>
    public Action<ScriptedConnection>? OnConnected { get; set; }

    /// <summary>When set, connecting throws this.</summary>
    public Exception? ConnectError { get; set; }

    /// <summary>When set, connecting waits for this task (to test cancellation during connect).</summary>
    public Task? ConnectGate { get; set; }

    public int ConnectAttempts => Volatile.Read(ref _sequence);

    public async Task<IRealtimeConnection> ConnectAsync(CancellationToken cancellationToken, bool retryRefused = true)
    {
        var id = Interlocked.Increment(ref _sequence);
        if (ConnectGate is { } gate)
        {
            await gate.WaitAsync(cancellationToken);
        }

        if (ConnectError is { } error)
        {
            throw error;
        }

        var connection = new ScriptedConnection($"sid-{id}", this);
        OnConnected?.Invoke(connection);
        Connections.Enqueue(connection);
        return connection;
    }

    internal void Joined(ScriptedConnection connection, string roomId) => OnJoin?.Invoke(connection, roomId);
}

internal sealed class ScriptedConnection : IRealtimeConnection
{
    private readonly Channel<RealtimeEvent> _events = Channel.CreateUnbounded<RealtimeEvent>();
    private readonly ScriptedRealtimeConnector _owner;
    private readonly TaskCompletionSource _disposed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile bool _dropped;

    public ScriptedConnection(string sessionId, ScriptedRealtimeConnector owner)
    {
        SessionId = sessionId;
        _owner = owner;
    }

    public string SessionId { get; }

    public PartnumberTransports Transport { get; set; } = PartnumberTransports.WebSocket;

    public string? FallbackReason { get; set; }

    public bool IsOpen => !_dropped && !IsDisposed;

    public bool SawMalformedPacket { get; set; }

    /// <summary>When set, emitting <c>join</c> throws this (a connection that died under the POST).</summary>
    public Exception? JoinError { get; set; }

    public ChannelReader<RealtimeEvent> Events => _events.Reader;

    public ConcurrentQueue<(string Name, string Json)> Emitted { get; } = new();

    public Task Disposed => _disposed.Task;

    public bool IsDisposed => _disposed.Task.IsCompleted;

    public Task EmitAsync(string eventName, string jsonPayload, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (eventName == "join" && JoinError is { } error)
        {
            throw error;
        }

        Emitted.Enqueue((eventName, jsonPayload));
        if (eventName == "join")
        {
            using var document = JsonDocument.Parse(jsonPayload);
            _owner.Joined(this, document.RootElement.GetProperty("room_id").GetString()!);
        }
        else if (eventName == "ping_event")
        {
            Push("pong_event", """{"message":"pong"}""");
        }

        return Task.CompletedTask;
    }

    /// <summary>The server emits <paramref name="name"/> with <paramref name="json"/> as its argument.</summary>
    public void Push(string name, string json)
    {
        var payload = JsonDocument.Parse(json).RootElement;
        _events.Writer.TryWrite(RealtimeEvent.ServerEvent(name, payload));
    }

    public void PushNoPayload(string name) => _events.Writer.TryWrite(RealtimeEvent.ServerEvent(name, default));

    public void Drop(string reason)
    {
        _dropped = true;
        _events.Writer.TryWrite(RealtimeEvent.Disconnected(reason));
        _events.Writer.TryComplete();
    }

    public ValueTask DisposeAsync()
    {
        _disposed.TrySetResult();
        return default;
    }
}
