using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Threading.Channels;
using Partnumber.Client.Internal.Net;
using SocketIOClient.Transport;

namespace Partnumber.Client.Internal.Realtime.EngineIO;

/// <summary>
/// Engine.IO v4 over HTTP long-polling: one GET always pending for the server's packets, the client's packets POSTed in
/// batches (one POST at a time, each within the server's maxPayload), cookies kept per session (so cookie-based sticky
/// sessions work), and the upgrade to a WebSocket (<c>2probe</c> / <c>3probe</c> / <c>5</c>) when asked for: polling
/// is paused, the pending GET answered and the last POST done before <c>5</c> is sent, so no packet is lost or sent twice.
/// After an upgrade, packets go both ways over the WebSocket; this object stays the session's transport for sending, so
/// the order of sends never changes.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "The semaphore never allocates a wait handle and the token source has no timer; both live as long as the session, and tokens may still be observed after close.")]
internal sealed class PollingTransport : EngineIOTransport
{
    /// <summary>The largest long-poll answer accepted (a batch of packets; a single packet is still held to 1 MiB).</summary>
    internal const int MaxBodyBytes = 16 * 1_048_576;

    /// <summary>How long the close packet's POST may take (best effort: the server's ping timeout ends the session anyway).</summary>
    private static readonly TimeSpan ClosePacketTimeout = TimeSpan.FromSeconds(1);

    private const int StatePolling = 0;
    private const int StateProbing = 1;
    private const int StatePausing = 2;
    private const int StateUpgraded = 3;

    private static readonly MediaTypeHeaderValue TextPlain = new("text/plain") { CharSet = "UTF-8" };

    private readonly RealtimeEndpoint _endpoint;
    private readonly HttpClient _http;
    private readonly Uri _sessionUri;
    private readonly CookieContainer _cookies;
    private readonly List<string> _initialPackets;
    private readonly int _maxPayload;
    private readonly Channel<string> _outbox = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = false });
    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _postLock = new(1, 1);
    private readonly TaskCompletionSource<bool> _pollPaused = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ConnectionTarget _target; // the session's: every request and the upgrade go where its handshake went, carrying what it did
    private MemoryStream? _partialSend;
    private EngineIOSession? _session;
    private WebSocketTransport? _webSocket;
    private int _state;
    private int _closed;
    private Task _closing = Task.CompletedTask;
    private bool _endedByServer;
    private long _requestCounter;

    private PollingTransport(RealtimeEndpoint endpoint, ConnectionTarget target, HttpClient http, EngineHandshake handshake, CookieContainer cookies, List<string> initialPackets)
    {
        _endpoint = endpoint;
        _target = target;
        _http = http;
        _cookies = cookies;
        _initialPackets = initialPackets;
        _maxPayload = handshake.MaxPayload;
        Handshake = handshake;
        _sessionUri = new Uri(target.PollingUri.AbsoluteUri + "&sid=" + Uri.EscapeDataString(handshake.Sid));
    }

    public override PartnumberTransports Kind => Volatile.Read(ref _state) == StateUpgraded ? PartnumberTransports.WebSocket : PartnumberTransports.LongPolling;

    /// <summary>What the server's open packet said.</summary>
    public EngineHandshake Handshake { get; }

    /// <summary>
    /// Opens a session: the handshake GET, whose answer must start with the open packet. Throws
    /// <see cref="PartnumberConnectionException"/> for an answer that is not Engine.IO (an error page, a refusal).
    /// </summary>
    public static async Task<PollingTransport> OpenAsync(RealtimeEndpoint endpoint, ConnectionTarget target, CancellationToken cancellationToken)
    {
        var http = endpoint.PollingHttpClient();
        var cookies = new CookieContainer();
        var uri = target.PollingUri;
        using var request = new HttpRequestMessage(HttpMethod.Get, WithTimestamp(uri, 0));
        endpoint.ApplyHeaders(request, target.Credentials, CookieHeader(cookies, uri));
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        StoreCookies(cookies, uri, response);
        var body = await ReadBodyAsync(response, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.ProxyAuthenticationRequired)
        {
            throw new PartnumberConnectionException(Net.ProxyRoute.AuthenticationRequired($"the long-polling handshake to {uri}"));
        }

        if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
        {
            throw new PartnumberAuthenticationException(
                $"The Socket.IO endpoint {uri} refused the client's credentials: the long-polling handshake was answered {Describe(response, body)}.",
                response.StatusCode,
                body is null ? string.Empty : Excerpt.Of(body, ClassificationRejectedException.MaxResponseBodyLength),
                credentialsRefreshed: false);
        }

        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new PartnumberConnectionException($"The Socket.IO endpoint {uri} refused the long-polling handshake: {Describe(response, body)}.");
        }

        var packets = body is null ? null : EnginePayload.Split(body);
        if (packets is not { Count: > 0 } || EngineHandshake.TryParse(packets[0]) is not { } handshake)
        {
            throw new PartnumberConnectionException($"The answer of {uri} to the long-polling handshake is not an Engine.IO open packet: {Describe(response, body)}.");
        }

        return new PollingTransport(endpoint, target, http, handshake, cookies, packets);
    }

    public override void Start(EngineIOSession session)
    {
        _session = session;
        foreach (var packet in _initialPackets)
        {
            Deliver(session, packet);
        }

        _initialPackets.Clear();
        PollLoopAsync(session).Forget();
        SendLoopAsync(session).Forget();
    }

    /// <summary>
    /// Probes a WebSocket for this session and upgrades to it when the server answers, in the background. Completes with
    /// null once upgraded, or with why the probe failed (the session then goes on polling, unharmed).
    /// </summary>
    public Task<string?> UpgradeAsync()
    {
        if (Interlocked.CompareExchange(ref _state, StateProbing, StatePolling) != StatePolling)
        {
            return Task.FromResult<string?>("the session is not polling");
        }

        return UpgradeCoreAsync();
    }

    public override Task SendAsync(byte[] bytes, TransportMessageType type, bool endOfMessage, CancellationToken cancellationToken)
    {
        // SocketIOClient awaits each send before the next (its own lock), so one partial buffer is enough.
        if (type == TransportMessageType.Binary)
        {
            _outbox.Writer.TryWrite(EnginePayload.EncodeBinary(bytes));
            return Task.CompletedTask;
        }

        if (!endOfMessage || _partialSend is not null)
        {
            _partialSend ??= new MemoryStream();
            _partialSend.Write(bytes, 0, bytes.Length);
            if (!endOfMessage)
            {
                return Task.CompletedTask;
            }

            bytes = _partialSend.ToArray();
            _partialSend = null;
        }

        _outbox.Writer.TryWrite(Encoding.UTF8.GetString(bytes));
        return Task.CompletedTask;
    }

    public override Task Close()
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0)
        {
            return Volatile.Read(ref _closing);
        }

        _outbox.Writer.TryComplete();
        _stop.Cancel();
        _pollPaused.TrySetResult(false);
        var closing = Task.CompletedTask;
        if (Volatile.Read(ref _webSocket) is { } webSocket)
        {
            closing = webSocket.Close();
        }
        else if (Volatile.Read(ref _state) != StateUpgraded && _session is not null && !Volatile.Read(ref _endedByServer))
        {
            closing = SendClosePacketAsync(); // tells the server at once, instead of after its ping timeout
        }

        Volatile.Write(ref _closing, closing);
        return closing;
    }

    private static Uri WithTimestamp(Uri uri, long counter)
        => new(uri.AbsoluteUri + "&t=" + counter.ToString(CultureInfo.InvariantCulture));

    private Uri NextUri() => WithTimestamp(_sessionUri, Interlocked.Increment(ref _requestCounter));

    private async Task PollLoopAsync(EngineIOSession session)
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                if (Volatile.Read(ref _state) == StatePausing)
                {
                    _pollPaused.TrySetResult(true);
                    return;
                }

                using var request = new HttpRequestMessage(HttpMethod.Get, NextUri());
                var body = await ExchangeAsync(request, _stop.Token).ConfigureAwait(false);
                if (body is null)
                {
                    return; // the session was closed (ExchangeAsync said why)
                }

                DeliverBody(session, body, "long-poll");
            }
        }
        catch (Exception ex)
        {
            session.Close(_stop.IsCancellationRequested ? "closed" : "the long-poll failed: " + ex.GetBaseException().Message, ex);
        }
        finally
        {
            _pollPaused.TrySetResult(false);
        }
    }

    private async Task SendLoopAsync(EngineIOSession session)
    {
        var batch = new StringBuilder();
        try
        {
            var reader = _outbox.Reader;
            while (await reader.WaitToReadAsync(_stop.Token).ConfigureAwait(false))
            {
                await _postLock.WaitAsync(_stop.Token).ConfigureAwait(false);
                try
                {
                    if (Volatile.Read(ref _webSocket) is { } webSocket && Volatile.Read(ref _state) == StateUpgraded)
                    {
                        while (reader.TryRead(out var packet))
                        {
                            await webSocket.SendTextAsync(packet, _stop.Token).ConfigureAwait(false);
                        }

                        continue;
                    }

                    if (!TakeBatch(reader, batch, session))
                    {
                        return;
                    }

                    using var request = new HttpRequestMessage(HttpMethod.Post, NextUri())
                    {
                        Content = new ByteArrayContent(Encoding.UTF8.GetBytes(batch.ToString())),
                    };
                    request.Content.Headers.ContentType = TextPlain;
                    using var deadline = _endpoint.TimeProvider.CreateTimeoutSource(_endpoint.ConnectTimeout);
                    using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token, deadline.Token);
                    try
                    {
                        if (await ExchangeAsync(request, timeout.Token).ConfigureAwait(false) is null)
                        {
                            return;
                        }
                    }
                    catch (OperationCanceledException ex) when (!_stop.IsCancellationRequested)
                    {
                        session.Close($"a long-polling POST got no answer within {_endpoint.ConnectTimeout.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)} s (ConnectTimeout)", ex);
                        return;
                    }
                }
                finally
                {
                    _postLock.Release();
                }
            }
        }
        catch (Exception ex) when (!_stop.IsCancellationRequested)
        {
            session.Close("sending failed: " + ex.GetBaseException().Message, ex);
        }
        catch (Exception)
        {
            // Closed while sending: the session already knows why.
        }
    }

    /// <summary>Moves queued packets into <paramref name="batch"/> up to the server's maxPayload; false (after closing the session) when one packet alone is over it.</summary>
    private bool TakeBatch(ChannelReader<string> reader, StringBuilder batch, EngineIOSession session)
    {
        batch.Clear();
        var bytes = 0;
        while (reader.TryPeek(out var packet))
        {
            var size = EnginePayload.ByteCount(packet) + (batch.Length > 0 ? 1 : 0);
            if (bytes + size > _maxPayload)
            {
                if (batch.Length == 0)
                {
                    session.Close($"a packet of {size} bytes is larger than the server's maxPayload ({_maxPayload} bytes)", null);
                    return false;
                }

                break;
            }

            reader.TryRead(out _);
            if (batch.Length > 0)
            {
                batch.Append(EnginePayload.RecordSeparator);
            }

            batch.Append(packet);
            bytes += size;
        }

        return true;
    }

    /// <summary>
    /// Sends a polling request with the session's headers and cookies and returns the answer's body, or null after closing
    /// the session when the answer is not 200 (an unknown session id means the deployment lacks sticky sessions).
    /// </summary>
    private async Task<string?> ExchangeAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var session = _session!;
        _endpoint.ApplyHeaders(request, _target.Credentials, CookieHeader(_cookies, _sessionUri));
        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        StoreCookies(_cookies, _sessionUri, response);
        var body = await ReadBodyAsync(response, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.OK && body is not null)
        {
            return body;
        }

        Volatile.Write(ref _endedByServer, true);
        var what = request.Method == HttpMethod.Get ? "long-poll GET" : "long-polling POST";
        if (response.StatusCode == HttpStatusCode.BadRequest && body is not null
            && (ContainsIgnoreCase(body, "Session ID unknown") || ContainsIgnoreCase(body, "Invalid session")))
        {
            session.Close(
                $"the server does not know Engine.IO session {Handshake.Sid} ({what} answered {Describe(response, body)}): several server workers or instances without sticky sessions? Long-polling needs session affinity (cookie- or IP-based) at the load balancer, or the WebSocket transport",
                null);
        }
        else
        {
            session.Close($"the {what} was answered {Describe(response, body)}", null);
        }

        return null;
    }

    private void DeliverBody(EngineIOSession session, string body, string what)
    {
        var packets = EnginePayload.Split(body);

        // A body that does not start with a packet type is an error page or some other answer, not Engine.IO; a leading
        // digit is a packet of a type this client does not know (a newer server's), which the session ignores with a
        // warning, alone in its answer as much as after other packets.
        if (packets.Count > 0 && !EnginePayload.HasKnownType(packets[0]) && packets[0][0] is not (>= '0' and <= '9'))
        {
            session.Close($"the {what} answer is not Engine.IO: {Excerpt.Of(body, 200)}", null);
            return;
        }

        foreach (var packet in packets)
        {
            if (EnginePayload.IsTooLarge(packet))
            {
                session.Close($"the server sent a packet larger than {EnginePayload.MaxPacketBytes} bytes", null);
                return;
            }

            Deliver(session, packet);
        }
    }

    private void Deliver(EngineIOSession session, string packet)
    {
        if (packet == "1")
        {
            Volatile.Write(ref _endedByServer, true);
        }

        if (packet[0] == 'b')
        {
            if (EnginePayload.DecodeBinary(packet) is { } data)
            {
                session.Receive(data);
            }
            else
            {
                session.Receive(packet); // reported as malformed by the session
            }
        }
        else
        {
            session.Receive(packet);
        }
    }

    private async Task<string?> UpgradeCoreAsync()
    {
        var session = _session!;
        if (await TestWebSocketAsync().ConfigureAwait(false) is { } refusal)
        {
            Interlocked.CompareExchange(ref _state, StatePolling, StateProbing);
            return refusal; // the session was not touched
        }

        WebSocketTransport? webSocket = null;
        try
        {
            using var deadline = new Deadline(_endpoint.TimeProvider, _endpoint.ConnectTimeout, _stop.Token);
            var socket = await _endpoint.OpenWebSocketAsync(_target.WebSocketUriFor(Handshake.Sid), _target.Credentials, CookieHeader(_cookies, _sessionUri), deadline.Token).ConfigureAwait(false);
            webSocket = new WebSocketTransport(socket, _endpoint.TimeProvider);
            await webSocket.SendTextAsync("2probe", deadline.Token).ConfigureAwait(false);
            var answer = await webSocket.ReceiveTextAsync(deadline.Token).ConfigureAwait(false);
            if (answer != "3probe")
            {
                throw new InvalidOperationException($"the server answered the upgrade probe with '{Excerpt.Of(answer, 100)}', not 3probe");
            }

            // Pause polling: no new GET (the server answers the pending one with a noop) and no new POST.
            Volatile.Write(ref _state, StatePausing);
            if (!await _pollPaused.Task.WaitAsync(deadline.Token).ConfigureAwait(false))
            {
                _ = webSocket.Close();
                return "the session ended during the upgrade";
            }

            await _postLock.WaitAsync(deadline.Token).ConfigureAwait(false);
            try
            {
                await webSocket.SendTextAsync("5", deadline.Token).ConfigureAwait(false);
                Volatile.Write(ref _webSocket, webSocket);
                Volatile.Write(ref _state, StateUpgraded);
            }
            finally
            {
                _postLock.Release();
            }

            webSocket.Start(session);
            if (Volatile.Read(ref _closed) != 0)
            {
                _ = webSocket.Close(); // closed while upgrading
            }

            return null;
        }
        catch (Exception ex)
        {
            webSocket?.Close();
            var refused = UpgradeRefusedException.Find(ex);
            var reason = refused?.Message ?? ex.GetBaseException().Message;
            if (Interlocked.CompareExchange(ref _state, StatePolling, StateProbing) != StateProbing)
            {
                // Polling was already paused: the server is between transports, so the session cannot go on.
                session.Close("the upgrade to WebSocket failed after polling was paused: " + reason, ex);
                return reason;
            }

            if (refused is { StatusCode: >= 200 and < 300, Body: { } body })
            {
                // The probe reached the server as a long-poll GET (a proxy dropped Upgrade): its answer holds packets of
                // this session, delivered here in order.
                DeliverBody(session, body, "upgrade probe's");
            }
            else if (refused is null or { StatusCode: >= 200 and < 300 } && !_stop.IsCancellationRequested)
            {
                // Only a plain refusal (a non-2xx answer) proves the server did nothing with this session. Otherwise it may
                // have served the probe as a long-poll whose packets could not be read (ClientWebSocket shows no body), or
                // be half-way into an upgrade (101 without 3probe), where its polling answers only noops: the session ends
                // and the classification reconnects, instead of losing events silently.
                session.Close("the upgrade probe failed in a way that may have taken packets from the session: " + reason, ex);
            }

            return _stop.IsCancellationRequested ? "the session ended during the upgrade probe" : reason;
        }
    }

    /// <summary>
    /// Opens (and closes) a WebSocket of its own, without this session's id: null when the server answers it, else why
    /// not. A proxy that drops <c>Upgrade</c> refuses such a request cleanly (400), where the probe, which carries the
    /// session id, would reach python-engineio as a long-poll of this session and take its packets with it; so the
    /// probe is only sent once this passed.
    /// </summary>
    private async Task<string?> TestWebSocketAsync()
    {
        using var deadline = new Deadline(_endpoint.TimeProvider, _endpoint.ConnectTimeout, _stop.Token);
        try
        {
            var socket = await _endpoint.OpenWebSocketAsync(_target.WebSocketUri, _target.Credentials, CookieHeader(_cookies, _sessionUri), deadline.Token).ConfigureAwait(false);
            await new WebSocketTransport(socket, _endpoint.TimeProvider).Close().ConfigureAwait(false); // the server's throwaway session ends with it
            return null;
        }
        catch (Exception ex)
        {
            return _stop.IsCancellationRequested ? "the session ended during the WebSocket test"
                : deadline.Expired ? $"the WebSocket test got no answer within {Deadline.Seconds(_endpoint.ConnectTimeout)} (ConnectTimeout)"
                : EngineIOConnector.RefusalOf(ex) ?? ex.GetBaseException().Message;
        }
    }

    private async Task SendClosePacketAsync()
    {
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, NextUri()) { Content = new ByteArrayContent([(byte)'1']) };
            request.Content.Headers.ContentType = TextPlain;
            _endpoint.ApplyHeaders(request, _target.Credentials, CookieHeader(_cookies, _sessionUri));
            using var timeout = _endpoint.TimeProvider.CreateTimeoutSource(ClosePacketTimeout);
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Best effort: the server ends the session by its ping timeout anyway.
        }
    }

    private static async Task<string?> ReadBodyAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
#if NET8_0_OR_GREATER
        using var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
#else
        using var stream = await response.Content.ReadAsStreamAsync().ConfigureAwait(false);
#endif
        var (buffer, count) = await BoundedRead.ReadAsync(stream, MaxBodyBytes, cancellationToken).ConfigureAwait(false);
        try
        {
            return count < 0 ? null : Encoding.UTF8.GetString(buffer, 0, count);
        }
        finally
        {
            BoundedRead.Return(buffer);
        }
    }

    private static string Describe(HttpResponseMessage response, string? body)
        => $"{(int)response.StatusCode} {response.ReasonPhrase}"
            + (response.Content.Headers.ContentType is { } type ? $" ({type.MediaType})" : string.Empty)
            + (body is null ? $", a body over {MaxBodyBytes} bytes" : body.Length > 0 ? ": " + Excerpt.Of(body, 300) : string.Empty);

#if NET8_0_OR_GREATER
    private static bool ContainsIgnoreCase(string text, string value) => text.Contains(value, StringComparison.OrdinalIgnoreCase);
#else
    private static bool ContainsIgnoreCase(string text, string value) => text.IndexOf(value, StringComparison.OrdinalIgnoreCase) >= 0;
#endif

    private static string? CookieHeader(CookieContainer cookies, Uri uri)
        => cookies.Count == 0 ? null : cookies.GetCookieHeader(uri) is { Length: > 0 } header ? header : null;

    private static void StoreCookies(CookieContainer cookies, Uri uri, HttpResponseMessage response)
    {
        if (!response.Headers.TryGetValues("Set-Cookie", out var values))
        {
            return;
        }

        foreach (var value in values)
        {
            try
            {
                cookies.SetCookies(uri, value);
            }
            catch (CookieException)
            {
                // A cookie the container cannot hold is not one a sticky-session balancer set.
            }
        }
    }
}
