using Partnumber.Client.Shared.EngineIO;
using Partnumber.Client.Shared.SocketIO;
using Partnumber.Client.Testing.Internal.SocketIO;
using Partnumber.Client.Testing.Scripting;

namespace Partnumber.Client.Testing.Internal.Recording;

/// <summary>
/// What one classification's traffic showed, decoded with the fake's own Engine.IO and Socket.IO codecs: when the POST
/// left and what it got, when the client sent its <c>join</c>, every event the server sent after the POST (with its
/// arrival time), and how the server ended the connection. Fed by the recording HTTP handler and WebSocket, from
/// several threads (a long-poll and a WebSocket may overlap during an upgrade), so every member takes the lock. Times
/// are real time (<see cref="WallClock"/>): a recording measures a real backend, also when the recording client runs on
/// a test's fake clock.
/// </summary>
internal sealed class WireCapture
{
    private readonly object _gate = new();
    private readonly List<CapturedEvent> _events = [];
    private long? _postSentAt;
    private long? _responseAt;
    private long? _joinSentAt;
    private long? _lastServerPacketAt;
    private bool _clientClosing;
    private bool _complete;

    public int? ResponseStatus { get; private set; }

    public string? ResponseBody { get; private set; }

    /// <summary>How the server ended the connection, and when; null when it did not (as far as the wire shows).</summary>
    public (ServerDisconnectMode Mode, long At)? Drop { get; private set; }

    public void PostSent() => Locked(() => _postSentAt ??= WallClock.Time.GetTimestamp());

    public void ResponseReceived(int status, string body) => Locked(() =>
    {
        _responseAt = WallClock.Time.GetTimestamp();
        ResponseStatus = status;
        ResponseBody = body;
    });

    /// <summary>An Engine.IO text packet the client sent (a WebSocket frame or one packet of a polling POST).</summary>
    public void ClientPacket(string text)
    {
        if (!EngineCodec.TryDecode(text, out var packet) || packet.IsBinary)
        {
            return;
        }

        if (packet.Type == EnginePacketType.Close)
        {
            Locked(() => _clientClosing = true);
            return;
        }

        if (packet.Type == EnginePacketType.Message && IsEvent(packet.Text!, SocketIOEvents.Join))
        {
            Locked(() => _joinSentAt ??= WallClock.Time.GetTimestamp());
        }
    }

    /// <summary>An Engine.IO text packet the server sent (a WebSocket frame or one packet of a polling answer).</summary>
    public void ServerPacket(string text)
    {
        var at = WallClock.Time.GetTimestamp();
        if (!EngineCodec.TryDecode(text, out var packet) || packet.IsBinary)
        {
            return;
        }

        lock (_gate)
        {
            if (_complete)
            {
                return;
            }

            _lastServerPacketAt = at;
            if (packet.Type == EnginePacketType.Close)
            {
                DroppedLocked(ServerDisconnectMode.EngineClose, at);
                return;
            }
        }

        if (packet.Type != EnginePacketType.Message || !SocketCodec.TryDecode(packet.Text!, out var socketPacket, out _) || socketPacket!.Namespace != "/")
        {
            return;
        }

        using var document = socketPacket.Document;
        lock (_gate)
        {
            if (socketPacket.Type == SocketPacketType.Disconnect)
            {
                DroppedLocked(ServerDisconnectMode.Namespace, at);
                return;
            }

            if (socketPacket.Type != SocketPacketType.Event || document is null || _postSentAt is null || _complete)
            {
                return;
            }

            var arguments = document.RootElement;
            var name = arguments[0].GetString()!;
            if (name == SocketIOEvents.Connected)
            {
                return; // the connect handler's event, not the task's: a replaying fake sends its own
            }

            _events.Add(new CapturedEvent(name, arguments.GetArrayLength() > 1 ? arguments[1].GetRawText() : null, at));
        }
    }

    /// <summary>The transport ended without a close packet (a reset, a WebSocket closed under the client, a long-poll refused).</summary>
    public void TransportLost() => Locked(() =>
    {
        if (!_clientClosing)
        {
            DroppedLocked(ServerDisconnectMode.TransportAbort, WallClock.Time.GetTimestamp());
        }
    });

    /// <summary>The client is closing the connection itself: what the transport does next is not the server's doing.</summary>
    public void ClientClosing() => Locked(() => _clientClosing = true);

    /// <summary>The classification is over: later traffic (the connection closing) is not part of it.</summary>
    public void Complete() => Locked(() => _complete = true);

    /// <summary>The captured events and the moment offsets count from: the join, else the 202, else the POST.</summary>
    public (IReadOnlyList<CapturedEvent> Events, long Origin, long? LastServerPacketAt) Snapshot()
    {
        lock (_gate)
        {
            return (_events.ToArray(), _joinSentAt ?? _responseAt ?? _postSentAt ?? 0, _lastServerPacketAt);
        }
    }

    /// <summary>The time from <paramref name="origin"/> to <paramref name="at"/>, two timestamps of this capture.</summary>
    public static TimeSpan Offset(long origin, long at)
        => at >= origin ? WallClock.Time.GetElapsedTime(origin, at) : -WallClock.Time.GetElapsedTime(at, origin);

    /// <summary>The sid of an Engine.IO open packet (<c>0{"sid":...}</c>), or null.</summary>
    public static string? OpenedSid(string text) => EngineOpenPacket.TryParse(text)?.Sid;

    private static bool IsEvent(string socketText, string name)
    {
        if (!SocketCodec.TryDecode(socketText, out var packet, out _))
        {
            return false;
        }

        using var document = packet!.Document;
        return packet.Type == SocketPacketType.Event && document is not null && document.RootElement[0].GetString() == name;
    }

    private void DroppedLocked(ServerDisconnectMode mode, long at)
    {
        if (!_complete && Drop is null)
        {
            Drop = (mode, at);
        }
    }

    private void Locked(Action action)
    {
        lock (_gate)
        {
            action();
        }
    }
}
