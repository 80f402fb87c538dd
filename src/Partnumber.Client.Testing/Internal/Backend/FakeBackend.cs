using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Partnumber.Client.Shared.SocketIO;
using Partnumber.Client.Testing.Internal.EngineIO;
using Partnumber.Client.Testing.Internal.SocketIO;
using Partnumber.Client.Testing.Journal;
using Partnumber.Client.Testing.Scripting;

namespace Partnumber.Client.Testing.Internal.Backend;

/// <summary>
/// The Flask-SocketIO application the fake imitates: the <c>connect</c>/<c>join</c>/<c>ping_event</c>/<c>message</c>
/// handlers, the REST endpoint, and the task runner that plays scripts into rooms.
/// </summary>
internal sealed class FakeBackend : IDisposable
{
    private static readonly IReadOnlyList<KeyValuePair<string, string>> NoHeaders = [];
    private readonly ConcurrentDictionary<string, SocketConnection> _sockets = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();
    private CancellationTokenSource _tasks; // cancelled when the server stops or a restart is simulated: its tasks go quiet
    private readonly List<ClassificationScript> _scripts = [];
    private readonly object _scriptGate = new();
    private ClassificationScript[] _scriptSnapshot = [];
    private readonly ScriptStep[] _defaultSteps;
    private readonly ConcurrentDictionary<string, byte> _replayed = new(StringComparer.Ordinal);

    public FakeBackend(FakePartnumberServerOptions options)
    {
        _tasks = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
        Options = options;
        Journal = new FakeServerJournal(options.JournalWaitTimeout, options.JournalCapacity);
        var steps = new List<ScriptStep>();
        var total = Payloads.DefaultMessages.Length;
        for (var i = 0; i < total; i++)
        {
            var current = i + 1;
            var json = Payloads.Update(current, total, Payloads.DefaultMessages[i]);
            steps.Add(new ScriptStep(options.DefaultStepDelay, ScriptStepKind.Emit, SocketIOEvents.UpdateStatus, _ => json, isProgress: true));
        }

        steps.Add(new ScriptStep(options.DefaultStepDelay, ScriptStepKind.Emit, SocketIOEvents.Finished, ScriptContext.DefaultFinished, isTerminal: true));
        _defaultSteps = [.. steps];
    }

    public FakePartnumberServerOptions Options { get; }

    public FakeServerJournal Journal { get; }

    public RoomRegistry Rooms { get; } = new();

    public DateTimeOffset Now => Options.TimeProvider.GetUtcNow();

    /// <summary>The CONNECT_ERROR payload for namespace CONNECTs, or null to accept them.</summary>
    public volatile string? ConnectRejection;

    /// <summary>The application's credentials check (<see cref="FakePartnumberServer.AuthorizeRequests"/>), or null to accept all.</summary>
    public volatile Func<FakeServerCredentials, bool>? Authorize;

    private static readonly IReadOnlyDictionary<string, string> NoAuth = new Dictionary<string, string>();

    public ClassificationScript AddScript(Func<string, bool> matches)
    {
        var script = new ClassificationScript(matches);
        lock (_scriptGate)
        {
            _scripts.Add(script);
            _scriptSnapshot = [.. _scripts];
        }

        return script;
    }

    public void ClearScripts()
    {
        lock (_scriptGate)
        {
            _scripts.Clear();
            _scriptSnapshot = [];
            _replayed.Clear();
        }
    }

    /// <summary>Notes that a replayed recording holds <paramref name="partnumber"/> (until the scripts are cleared).</summary>
    public void MarkReplayed(string partnumber) => _replayed.TryAdd(partnumber, 0);

    /// <summary>Whether any replayed recording holds <paramref name="partnumber"/>: the "unrecorded" answers leave it alone.</summary>
    public bool IsReplayed(string partnumber) => _replayed.ContainsKey(partnumber);

    // ---------------- Socket.IO handlers ----------------

    public void OnSocketConnected(SocketConnection socket)
    {
        var sid = socket.Sid!;
        _sockets[sid] = socket;
        socket.Engine.Record.SocketSessionId = sid;
        var connected = SocketCodec.EncodeEvent(SocketIOEvents.Connected, Payloads.SocketSession(sid));
        var ack = SocketCodec.Encode(SocketPacketType.Connect, json: Payloads.Sid(sid));
        if (Options.ConnectedEventBeforeConnectAck)
        {
            socket.SendEncoded(connected);
            socket.SendEncoded(ack);
        }
        else
        {
            socket.SendEncoded(ack);
            socket.SendEncoded(connected);
        }

        Journal.SessionList.Notify();
        Journal.EventList.Add(new RecordedEvent(EventDirection.Emitted, SocketIOEvents.Connected, Payloads.SocketSession(sid), sid, null, 1, Now));
    }

    public void OnSocketDisconnected(SocketConnection socket)
    {
        if (socket.Sid is { } sid)
        {
            _sockets.TryRemove(sid, out _);
        }
    }

    public void OnEvent(SocketConnection socket, string name, JsonElement payload, int? ackId)
    {
        var payloadJson = payload.ValueKind == JsonValueKind.Undefined ? null : payload.GetRawText();
        string? room = null;
        switch (name)
        {
            case SocketIOEvents.Join:
                if (payload.ValueKind == JsonValueKind.Object && payload.TryGetProperty("room_id", out var roomId) && roomId.ValueKind == JsonValueKind.String)
                {
                    room = roomId.GetString()!;
                }

                break;
            case SocketIOEvents.Ping:
                Emit(socket, SocketIOEvents.Pong, "{\"message\":\"pong\"}");
                break;
            case "message":
                Emit(socket, "message", payloadJson);
                break;
        }

        Journal.EventList.Add(new RecordedEvent(EventDirection.Received, name, payloadJson, socket.Sid, room, 0, Now));
        if (room is not null)
        {
            socket.Join(room);
        }

        if (ackId is int id)
        {
            socket.SendEncoded(SocketCodec.Encode(SocketPacketType.Ack, id: id, json: "[]"));
        }
    }

    public void Emit(SocketConnection socket, string name, string? payloadJson)
    {
        socket.SendEncoded(SocketCodec.EncodeEvent(name, payloadJson));
        Journal.EventList.Add(new RecordedEvent(EventDirection.Emitted, name, payloadJson, socket.Sid, null, 1, Now));
    }

    public int EmitToRoom(string room, string name, string payloadJson)
    {
        var count = Rooms.SendToMembers(room, SocketCodec.EncodeEngineEvent(name, payloadJson));

        Journal.EventList.Add(new RecordedEvent(EventDirection.Emitted, name, payloadJson, null, room, count, Now));
        return count;
    }

    // ---------------- REST ----------------

    public async Task<RestResponse> HandleClassifyAsync(RestRequest request, CancellationToken cancellationToken)
    {
        var record = new RecordedHttpRequest(request.Method, request.Path, request.Headers, Encoding.UTF8.GetString(request.Body), Now);
        var response = await ClassifyAsync(request, record, cancellationToken).ConfigureAwait(false);
        Publish(record);
        record.StatusCode = response.StatusCode;
        Journal.RequestList.Notify();
        return response;
    }

    private void Publish(RecordedHttpRequest record)
    {
        if (!record.Published)
        {
            record.Published = true;
            Journal.RequestList.Add(record);
        }
    }

    private async Task<RestResponse> ClassifyAsync(RestRequest request, RecordedHttpRequest record, CancellationToken cancellationToken)
    {
        if (Authorize is { } authorize && !authorize(new FakeServerCredentials(isConnect: false, request.Headers, NoAuth)))
        {
            return Json(401, Payloads.Error("Unauthorized"));
        }

        if (!string.Equals(request.Method, "POST", StringComparison.OrdinalIgnoreCase))
        {
            return Json(405, Payloads.Error("Method not allowed; use POST."));
        }

        if (!IsJson(request.ContentType))
        {
            return Json(415, Payloads.Error("Content-Type must be application/json."));
        }

        string partnumber;
        string? description = null;
        string? socketSessionId = null;
        try
        {
            using var doc = JsonDocument.Parse(request.Body);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return Json(400, Payloads.Error("The body must be a JSON object."));
            }

            if (!root.TryGetProperty("partnumber", out var pn) || pn.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(pn.GetString()))
            {
                return Json(400, Payloads.Error("partnumber is required."));
            }

            partnumber = pn.GetString()!;
            if (root.TryGetProperty("description", out var d) && d.ValueKind == JsonValueKind.String)
            {
                description = d.GetString();
            }

            if (root.TryGetProperty("socket_session_id", out var s) && s.ValueKind == JsonValueKind.String)
            {
                socketSessionId = s.GetString();
            }
        }
        catch (JsonException)
        {
            return Json(400, Payloads.Error("The body is not valid JSON."));
        }

        record.Partnumber = partnumber;
        record.SocketSessionId = socketSessionId;
        var script = FindScript(partnumber);
        if (script is not null && script.ResponseDelay > TimeSpan.Zero)
        {
            // The delay's timer exists before the request is journaled: a test that saw the request can advance a FakeTimeProvider.
            var delay = Task.Delay(script.ResponseDelay, Options.TimeProvider, cancellationToken);
            Publish(record);
            await delay.ConfigureAwait(false);
        }

        if (script?.HttpStatusCode is int status)
        {
            return new RestResponse(status, script.HttpContentType, script.HttpBody ?? string.Empty, script.HttpHeaders);
        }

        var taskId = Guid.NewGuid().ToString();
        var roomId = Guid.NewGuid().ToString();
        record.TaskId = taskId;
        record.RoomId = roomId;
        var room = Rooms.Acquire(roomId);
        if (Options.AutoJoin && socketSessionId is not null && _sockets.TryGetValue(socketSessionId, out var socket))
        {
            socket.Join(roomId);
        }

        IReadOnlyList<ScriptStep> steps;
        var progressTotal = Payloads.DefaultMessages.Length;
        if (script is null)
        {
            steps = _defaultSteps;
        }
        else
        {
            steps = script.BuildSteps(out progressTotal);
        }

        var context = new ScriptContext(partnumber, description, taskId, roomId, progressTotal);
        new TaskRun(this, room, steps, context).Start(waitForJoin: script is null || !script.EmitsBeforeJoin);
        if (script?.AcceptedAnswer is { } accepted)
        {
            return new RestResponse(accepted.StatusCode, accepted.ContentType, accepted.Body(taskId, roomId), NoHeaders);
        }

        return Json(202, Payloads.Accepted(taskId, roomId));
    }

    internal void ExecuteStep(ScriptStep step, ScriptContext context)
    {
        if (_stopping.IsCancellationRequested)
        {
            return;
        }

        if (step.Kind == ScriptStepKind.Emit)
        {
            EmitToRoom(context.RoomId, step.EventName!, step.Payload!(context));
            return;
        }

        foreach (var member in Rooms.MembersOf(context.RoomId))
        {
            Disconnect(member.Engine, step.Mode);
        }
    }

    /// <summary>Ends (or silences) one session the way <paramref name="mode"/> says.</summary>
    public static void Disconnect(EngineSession session, ServerDisconnectMode mode)
    {
        switch (mode)
        {
            case ServerDisconnectMode.Namespace:
                session.Socket.ServerDisconnect();
                break;
            case ServerDisconnectMode.TransportAbort:
                session.Close("server transport abort", abort: true);
                break;
            case ServerDisconnectMode.EngineClose:
                session.Close("server close", sendClosePacket: true);
                break;
            default:
                session.GoSilent();
                break;
        }
    }

    /// <summary>The namespace-connected socket whose Socket.IO sid is <paramref name="socketSessionId"/>, if any.</summary>
    public bool TryGetSocket(string socketSessionId, out SocketConnection? socket) => _sockets.TryGetValue(socketSessionId, out socket);

    /// <summary>Sends one event to every namespace-connected socket (encoded once); returns how many got it.</summary>
    public int EmitToAll(string name, string payloadJson)
    {
        var packet = SocketCodec.EncodeEngineEvent(name, payloadJson);
        var count = 0;
        foreach (var socket in _sockets.Values)
        {
            socket.Engine.Send(packet);
            count++;
        }

        Journal.EventList.Add(new RecordedEvent(EventDirection.Emitted, name, payloadJson, null, null, count, Now));
        return count;
    }

    /// <summary>Cancelled when the tasks started so far must stop: the server stops, or a restart is simulated.</summary>
    internal CancellationToken Stopping => Volatile.Read(ref _tasks).Token;

    /// <summary>
    /// What a process restart does to the tasks: every task under way goes quiet for good (a new process never heard of
    /// them). Tasks accepted afterwards run as usual.
    /// </summary>
    public void ForgetRunningTasks()
    {
        var fresh = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
        var old = Interlocked.Exchange(ref _tasks, fresh);
        old.Cancel(); // not disposed: the runs of those tasks still read its token
    }

    private ClassificationScript? FindScript(string partnumber)
    {
        var scripts = Volatile.Read(ref _scriptSnapshot);
        for (var i = scripts.Length - 1; i >= 0; i--)
        {
            if (scripts[i].Matches(partnumber))
            {
                return scripts[i];
            }
        }

        return null;
    }

    private static bool IsJson(string? contentType)
    {
        if (contentType is null || !MediaTypeHeaderValue.TryParse(contentType, out var parsed) || parsed.MediaType is null)
        {
            return false;
        }

        return parsed.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || parsed.MediaType.EndsWith("+json", StringComparison.OrdinalIgnoreCase);
    }

    private static RestResponse Json(int status, string body) => new(status, "application/json", body, NoHeaders);

    public void Dispose()
    {
        _stopping.Cancel();
        _stopping.Dispose();
    }
}
