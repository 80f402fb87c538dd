using System.Net.WebSockets;
using System.Runtime.ExceptionServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.WebUtilities;
using Partnumber.Client.Shared.SocketIO;
using Partnumber.Client.Testing.Internal;
using Partnumber.Client.Testing.Internal.Recording;
using Partnumber.Client.Testing.Scripting;

namespace Partnumber.Client.Testing.Recording;

/// <summary>
/// Records classifications against a real backend through the SDK (a <see cref="PartnumberClassificationClient"/>), so
/// a test suite can replay them in <see cref="FakePartnumberServer"/>. The SDK's traffic is observed from outside: an
/// HTTP handler under its <see cref="HttpClient"/> takes note of the POST and decodes the long-polling bodies, and a
/// <c>WebSocketFactory</c> wraps each WebSocket and decodes its frames, with the fake's own Engine.IO and Socket.IO
/// codecs. Classifications run one at a time, each on its own connection, so every event belongs to exactly one
/// partnumber. Header, cookie and <c>Auth</c> values are never recorded.
/// </summary>
public sealed class PartnumberRecorder : IAsyncDisposable
{
    private const string Redacted = "[redacted]";

    private readonly PartnumberRecorderOptions _options;
    private readonly WireTap _tap = new();
    private readonly HttpClient _http;
    private readonly PartnumberClassificationClient _client;
    private readonly Func<Uri, IReadOnlyDictionary<string, string>, CancellationToken, Task<WebSocket>>? _innerFactory;
    private readonly Action<ClientWebSocketOptions>? _configureWebSocket;
    private readonly SemaphoreSlim _oneAtATime = new(1, 1);
    private readonly object _recordingGate = new();
    private int _disposed;

    /// <summary>Creates a recorder and its SDK client.</summary>
    /// <param name="options">The backend's address and how to reach it.</param>
    /// <exception cref="ArgumentException"><see cref="PartnumberRecorderOptions.BaseAddress"/> is missing, or the client options are invalid.</exception>
    public PartnumberRecorder(PartnumberRecorderOptions options)
    {
        if (options is null)
        {
            throw new ArgumentNullException(nameof(options));
        }

        if (options.BaseAddress is null || !options.BaseAddress.IsAbsoluteUri)
        {
            throw new ArgumentException("BaseAddress (the backend's absolute REST address) is required.", nameof(options));
        }

        _options = options;
        var clientOptions = new PartnumberClassificationClientOptions { BaseAddress = options.BaseAddress };
        options.ConfigureClient?.Invoke(clientOptions);

        // One connection per partnumber, and nothing the SDK would hide: a drop ends the classification, each POST
        // answer is the server's own.
        clientOptions.ReuseConnections = false;
        clientOptions.StandbyConnections = 0;
        clientOptions.ReconnectPolicy = PartnumberReconnectPolicy.None;
        clientOptions.HttpRetryPolicy = Polly.Policy.NoOpAsync<HttpResponseMessage>();
        _innerFactory = clientOptions.WebSocketFactory;
        _configureWebSocket = clientOptions.ConfigureWebSocket;
        clientOptions.WebSocketFactory = OpenWebSocketAsync;

        var inner = options.HttpMessageHandler ?? new SocketsHttpHandler { UseCookies = false, PooledConnectionLifetime = TimeSpan.FromMinutes(2) };
        _http = new HttpClient(new RecordingHttpHandler(_tap, clientOptions.ClassifyPath, inner), disposeHandler: options.HttpMessageHandler is null)
        {
            BaseAddress = clientOptions.BaseAddress,
            Timeout = Timeout.InfiniteTimeSpan,
        };
        _client = new PartnumberClassificationClient(_http, clientOptions);
    }

    /// <summary>Everything recorded so far, one entry per partnumber (a partnumber recorded again replaces its entry).</summary>
    public PartnumberRecording Recording { get; } = new() { RecordedAt = WallClock.Time.GetUtcNow() };

    /// <summary>
    /// Classifies <paramref name="request"/> against the backend and records what the server did: the POST's answer,
    /// every event after it with its offset from the client's <c>join</c>, and the end (the final event, a failed
    /// update, a drop, a rejection, or no final event before the client's <c>ClassificationTimeout</c>). Calls wait for
    /// each other: one classification at a time.
    /// </summary>
    /// <param name="request">The partnumber and its optional hints (recorded with it).</param>
    /// <param name="progress">Told of each progress update as the SDK reports it (to show a recording as it runs); optional.</param>
    /// <param name="cancellationToken">Cancels the classification; nothing is recorded then.</param>
    /// <returns>The entry added to <see cref="Recording"/>.</returns>
    /// <exception cref="PartnumberConnectionException">The backend could not be reached, so there was nothing to record.</exception>
    /// <exception cref="ArgumentException"><paramref name="request"/> is invalid.</exception>
    public async Task<RecordedClassification> RecordAsync(ClassificationRequest request, IProgress<ClassificationUpdate>? progress = null, CancellationToken cancellationToken = default)
    {
        if (request is null)
        {
            throw new ArgumentNullException(nameof(request));
        }

        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        await _oneAtATime.WaitAsync(cancellationToken).ConfigureAwait(false);
        var capture = new WireCapture();
        Exception? error = null;
        try
        {
            _tap.Begin(capture);
            try
            {
                await _client.ClassifyAndWaitAsync(request, progress, cancellationToken).ConfigureAwait(false);
            }
            catch (PartnumberClientException ex)
            {
                error = ex; // the server's doing is on the wire; the exception only says how the SDK took it
            }
        }
        finally
        {
            capture.Complete();
            _tap.End();
            _tap.Forget(capture);
            _oneAtATime.Release();
        }

        var entry = Build(request, capture, error);
        lock (_recordingGate)
        {
            var existing = Recording.Find(entry.Partnumber);
            if (existing is null)
            {
                Recording.Classifications.Add(entry);
            }
            else
            {
                Recording.Classifications[Recording.Classifications.IndexOf(existing)] = entry;
            }
        }

        return entry;
    }

    /// <summary>Disposes the SDK client and its HTTP client.</summary>
    /// <returns>A task that completes when disposed.</returns>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _client.DisposeAsync().ConfigureAwait(false);
        _http.Dispose();
        _oneAtATime.Dispose();
    }

    private RecordedClassification Build(ClassificationRequest request, WireCapture capture, Exception? error)
    {
        if (capture.ResponseStatus is not int status)
        {
            // No POST answer: the backend was not reached (or the request never left). Nothing to record.
            if (error is not null)
            {
                ExceptionDispatchInfo.Throw(error);
            }

            throw new PartnumberConnectionException($"The classification of {request.Partnumber} sent no POST to record.");
        }

        var entry = new RecordedClassification(request.Partnumber)
        {
            Description = request.Description,
            Manufacturer = request.Manufacturer,
            Supplier = request.Supplier,
            ResponseStatus = status,
        };
        var body = capture.ResponseBody ?? string.Empty;
        if (TryParse(body) is { } json)
        {
            entry.ResponseBody = Redact(json.Node, new PayloadRedactionContext(request.Partnumber, eventName: null));
        }
        else if (body.Length > 0)
        {
            entry.ResponseText = body;
        }

        if (status is < 200 or >= 300)
        {
            entry.End = RecordingEnd.Rejected;
            return entry;
        }

        var (events, origin, lastServerPacketAt) = capture.Snapshot();
        foreach (var e in events)
        {
            var payload = e.PayloadJson is null ? null : JsonNode.Parse(e.PayloadJson);
            entry.Events.Add(new RecordedServerEvent(e.Name, WireCapture.Offset(origin, e.At), Redact(payload, new PayloadRedactionContext(request.Partnumber, e.Name))));
        }

        if (events.Any(e => e.Name == SocketIOEvents.Finished))
        {
            entry.End = RecordingEnd.Finished;
        }
        else if (events.Any(e => e.Name == SocketIOEvents.UpdateStatus && IsFailed(e.PayloadJson)))
        {
            entry.End = RecordingEnd.FailedUpdate;
        }
        else if (capture.Drop is { } drop)
        {
            entry.End = RecordingEnd.Dropped;
            entry.Disconnect = new RecordedDisconnect(drop.Mode, Later(WireCapture.Offset(origin, drop.At), entry));
        }
        else if (error is PartnumberConnectionException)
        {
            // The connection died with no close from the server: the client's heartbeat watchdog gave up on a silent one.
            var at = lastServerPacketAt is long last ? WireCapture.Offset(origin, last) : TimeSpan.Zero;
            entry.End = RecordingEnd.Dropped;
            entry.Disconnect = new RecordedDisconnect(ServerDisconnectMode.Silent, Later(at, entry));
        }
        else
        {
            entry.End = RecordingEnd.NeverFinished;
        }

        return entry;
    }

    /// <summary>A disconnect is not before the last event (the two are observed on different threads during an upgrade).</summary>
    private static TimeSpan Later(TimeSpan offset, RecordedClassification entry)
        => entry.Events.Count > 0 && entry.Events[^1].Offset > offset ? entry.Events[^1].Offset : offset;

    private JsonNode? Redact(JsonNode? payload, PayloadRedactionContext context)
    {
        if (payload is not null && _options.RedactedFields.Count > 0)
        {
            RedactFields(payload);
        }

        return _options.RedactPayload is { } redact ? redact(context, payload) : payload;
    }

    private void RedactFields(JsonNode node)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var name in obj.Select(p => p.Key).ToArray())
                {
                    if (_options.RedactedFields.Contains(name))
                    {
                        obj[name] = Redacted;
                    }
                    else if (obj[name] is { } child)
                    {
                        RedactFields(child);
                    }
                }

                break;
            case JsonArray array:
                foreach (var item in array)
                {
                    if (item is not null)
                    {
                        RedactFields(item);
                    }
                }

                break;
        }
    }

    private static bool IsFailed(string? payloadJson)
    {
        if (payloadJson is null)
        {
            return false;
        }

        using var document = JsonDocument.Parse(payloadJson);
        return document.RootElement.ValueKind == JsonValueKind.Object
            && document.RootElement.TryGetProperty("status", out var status)
            && status.ValueKind == JsonValueKind.String
            && string.Equals(status.GetString(), "failed", StringComparison.OrdinalIgnoreCase);
    }

    private static ParsedJson? TryParse(string body)
    {
        if (string.IsNullOrWhiteSpace(body))
        {
            return null;
        }

        try
        {
            return new ParsedJson(JsonNode.Parse(body));
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private async Task<WebSocket> OpenWebSocketAsync(Uri uri, IReadOnlyDictionary<string, string> headers, CancellationToken cancellationToken)
    {
        var sid = QueryHelpers.ParseQuery(uri.Query).TryGetValue("sid", out var value) ? value.ToString() : null;
        var capture = _tap.ForSession(sid);
        var socket = _innerFactory is not null
            ? await _innerFactory(uri, headers, cancellationToken).ConfigureAwait(false)
            : await ConnectAsync(uri, headers, cancellationToken).ConfigureAwait(false);
        return new RecordingWebSocket(socket, _tap, capture, bound: !string.IsNullOrEmpty(sid));
    }

    /// <summary>A <see cref="ClientWebSocket"/> set up as the SDK sets up its own (no keep-alive: Engine.IO has a heartbeat).</summary>
    private async Task<WebSocket> ConnectAsync(Uri uri, IReadOnlyDictionary<string, string> headers, CancellationToken cancellationToken)
    {
        var socket = new ClientWebSocket();
        try
        {
            socket.Options.KeepAliveInterval = TimeSpan.Zero;
            foreach (var header in headers)
            {
                socket.Options.SetRequestHeader(header.Key, header.Value);
            }

            _configureWebSocket?.Invoke(socket.Options);
            await socket.ConnectAsync(uri, cancellationToken).ConfigureAwait(false);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>A parsed body (whose JSON may be <c>null</c>, which is not "not JSON").</summary>
    private sealed record ParsedJson(JsonNode? Node);
}
