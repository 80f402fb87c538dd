using System.Text.Json;
using Partnumber.Client.Shared.EngineIO;
using Partnumber.Client.Testing.Internal.Backend;
using Partnumber.Client.Testing.Internal.EngineIO;

namespace Partnumber.Client.Testing.Internal.SocketIO;

/// <summary>The Socket.IO side of one Engine.IO session: the default namespace, its sid, rooms, and binary reassembly.</summary>
internal sealed class SocketConnection
{
    private const int AwaitingConnect = 0;
    private const int Connected = 1;
    private const int Disconnected = 2;

    private readonly FakeBackend _backend;
    private readonly object _gate = new();
    private readonly HashSet<string> _rooms = new(StringComparer.Ordinal);
    private int _state;
    private SocketPacket? _pendingBinary;
    private int _pendingAttachments;

    public SocketConnection(EngineSession engine, FakeBackend backend)
    {
        Engine = engine;
        _backend = backend;
    }

    public EngineSession Engine { get; }

    public string? Sid { get; private set; }

    public bool IsConnected => Volatile.Read(ref _state) == Connected;

    /// <summary>Queues an event to this socket: <c>42["name",payload]</c>.</summary>
    public void SendEncoded(string socketPacket) => Engine.Send(EngineCodec.Encode(EnginePacketType.Message, socketPacket));

    public void OnMessage(string text)
    {
        if (_pendingBinary is not null)
        {
            Engine.Close("parse error");
            return;
        }

        if (!SocketCodec.TryDecode(text, out var packet, out _))
        {
            Engine.Close("parse error");
            return;
        }

        if (Volatile.Read(ref _state) == AwaitingConnect && packet!.Type != SocketPacketType.Connect)
        {
            // The first packet of a session must be a CONNECT.
            Engine.Close("parse error");
            return;
        }

        switch (packet!.Type)
        {
            case SocketPacketType.Connect:
                OnConnect(packet);
                break;
            case SocketPacketType.Disconnect:
                if (packet.Namespace == "/")
                {
                    Leave("client namespace disconnect");
                }

                break;
            case SocketPacketType.Event:
            case SocketPacketType.Ack:
                Dispatch(packet);
                break;
            case SocketPacketType.BinaryEvent:
            case SocketPacketType.BinaryAck:
                if (packet.Attachments == 0)
                {
                    Dispatch(packet);
                }
                else
                {
                    _pendingBinary = packet;
                    _pendingAttachments = packet.Attachments;
                }

                break;
            default:
                Engine.Close("parse error");
                break;
        }
    }

    public void OnBinary(byte[] data)
    {
        _ = data;
        if (_pendingBinary is null)
        {
            Engine.Close("parse error");
            return;
        }

        if (--_pendingAttachments == 0)
        {
            var packet = _pendingBinary;
            _pendingBinary = null;
            Dispatch(packet);
        }
    }

    /// <summary>Sends a namespace DISCONNECT (<c>41</c>) and leaves every room; the Engine.IO session stays open.</summary>
    public void ServerDisconnect()
    {
        if (Interlocked.CompareExchange(ref _state, Disconnected, Connected) == Connected)
        {
            SendEncoded(SocketCodec.Encode(SocketPacketType.Disconnect));
            LeaveRooms();
            _backend.OnSocketDisconnected(this);
        }
    }

    public void OnClose() => Leave("transport close");

    public bool Join(string room)
    {
        lock (_gate)
        {
            if (Volatile.Read(ref _state) != Connected)
            {
                return false;
            }

            if (_rooms.Add(room))
            {
                Engine.Record.AddJoinedRoom(room);
            }
        }

        _backend.Rooms.Add(room, this);
        return true;
    }

    private void OnConnect(SocketPacket packet)
    {
        if (packet.Namespace != "/")
        {
            SendEncoded(SocketCodec.Encode(SocketPacketType.ConnectError, packet.Namespace, json: "{\"message\":\"Invalid namespace\"}"));
            return;
        }

        var auth = AuthOf(packet);
        Engine.Record.Auth = auth;
        if (_backend.Authorize is { } authorize && !authorize(new FakeServerCredentials(isConnect: true, Engine.Record.Headers, auth)))
        {
            SendEncoded(SocketCodec.Encode(SocketPacketType.ConnectError, json: Payloads.Message("Unauthorized")));
            return;
        }

        if (_backend.ConnectRejection is { } rejection)
        {
            // Like a Flask-SocketIO connect handler that refuses (ConnectionRefusedError): CONNECT_ERROR, the session stays open.
            SendEncoded(SocketCodec.Encode(SocketPacketType.ConnectError, json: rejection));
            return;
        }

        if (Interlocked.CompareExchange(ref _state, Connected, AwaitingConnect) != AwaitingConnect)
        {
            return;
        }

        Sid = Payloads.NewId();
        _backend.OnSocketConnected(this);
    }

    /// <summary>The CONNECT packet's <c>auth</c> object: string fields as they are, others as JSON text.</summary>
    private static Dictionary<string, string> AuthOf(SocketPacket packet)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        if (packet.Data is null)
        {
            return fields;
        }

        using var document = System.Text.Json.JsonDocument.Parse(packet.Data); // the codec checked it is an object
        foreach (var property in document.RootElement.EnumerateObject())
        {
            fields[property.Name] = property.Value.ValueKind == System.Text.Json.JsonValueKind.String ? property.Value.GetString()! : property.Value.GetRawText();
        }

        return fields;
    }

    private void Dispatch(SocketPacket packet)
    {
        using var doc = packet.Document;
        if (packet.Namespace != "/" || Volatile.Read(ref _state) != Connected)
        {
            return; // Events for a namespace that is not connected are dropped, as python-socketio does.
        }

        if (packet.Type is SocketPacketType.Ack or SocketPacketType.BinaryAck || doc is null)
        {
            return;
        }

        var args = doc.RootElement;
        var name = args[0].GetString()!;
        var payload = args.GetArrayLength() > 1 ? args[1] : default;
        _backend.OnEvent(this, name, payload, packet.Id);
    }

    private void Leave(string reason)
    {
        _ = reason;
        var previous = Interlocked.Exchange(ref _state, Disconnected);
        if (previous == Connected)
        {
            LeaveRooms();
            _backend.OnSocketDisconnected(this);
        }
    }

    private void LeaveRooms()
    {
        string[] rooms;
        lock (_gate)
        {
            rooms = [.. _rooms];
            _rooms.Clear();
        }

        foreach (var room in rooms)
        {
            _backend.Rooms.Remove(room, this);
        }
    }
}
