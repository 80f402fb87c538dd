using System.Net.Sockets;
using System.Net.WebSockets;
using Microsoft.Extensions.Logging;

namespace Partnumber.Client.Internal.Realtime.EngineIO;

/// <summary>
/// Opens Engine.IO sessions to one endpoint on the transports the options allow, and remembers where WebSocket is
/// refused. With both transports allowed: a WebSocket first; if it is refused (an answer other than 101, a reset during
/// the handshake) the same connect goes on over long-polling, and for <see cref="RefusalMemory"/> every connect goes
/// straight to long-polling (no failed attempt per connection). After that, the next connect polls and probes an upgrade
/// in the background: the connection never waits for the retest, and a success makes WebSocket the first choice again.
/// A polling handshake that offers no WebSocket counts as a refusal too, and so does a forward proxy refusing the CONNECT
/// tunnel. Until the endpoint's first WebSocket succeeded or was refused, concurrent connects wait for the one finding out.
/// </summary>
internal sealed class EngineIOConnector
{
    /// <summary>How long a refused WebSocket is remembered before it is tried again (by an upgrade probe).</summary>
    internal static readonly TimeSpan RefusalMemory = TimeSpan.FromMinutes(5);

    private readonly RealtimeEndpoint _endpoint;
    private readonly ILogger _logger;
    private readonly object _gate = new();
    private string? _refusal; // why WebSocket was last refused; null while it works (or was never tried)
    private long _retryAt; // TimeProvider timestamp after which WebSocket is tried again
    private bool _webSocketWorked; // a WebSocket (or an upgrade) to this endpoint has succeeded
    private TaskCompletionSource<bool>? _finding; // the connect finding out whether WebSocket works, while nobody knows

    public EngineIOConnector(RealtimeEndpoint endpoint, ILogger logger)
    {
        _endpoint = endpoint;
        _logger = logger;
    }

    /// <summary>Opens a session, or throws <see cref="PartnumberConnectionException"/> (or the caller's cancellation).</summary>
    public async Task<OpenedEngineSession> OpenAsync(ConnectionTarget target, Action<string, Exception?> onClosed, Action<string, Exception> onMalformed, CancellationToken cancellationToken)
    {
        var allowed = _endpoint.Transports;
        if (allowed == PartnumberTransports.WebSocket)
        {
            return new OpenedEngineSession(await OpenWebSocketAsync(target, onClosed, onMalformed, cancellationToken).ConfigureAwait(false), null, null);
        }

        if (allowed == PartnumberTransports.LongPolling)
        {
            return await OpenPollingAsync(target, onClosed, onMalformed, probe: false, fallbackReason: null, cancellationToken).ConfigureAwait(false);
        }

        // While the endpoint's WebSocket verdict is unknown, one connect finds out and the others wait for it: 20
        // classifications started at once behind a proxy that refuses the tunnel cost one refused attempt, not 20.
        TaskCompletionSource<bool>? finding = null;
        (bool UseWebSocket, bool Probe, string? Refusal) choice;
        while (true)
        {
            Task? someoneElseFinding = null;
            lock (_gate)
            {
                if (_refusal is null && !_webSocketWorked)
                {
                    if (_finding is { } running)
                    {
                        someoneElseFinding = running.Task;
                    }
                    else
                    {
                        finding = _finding = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
                    }
                }
            }

            if (someoneElseFinding is null)
            {
                choice = Choose();
                break;
            }

            await someoneElseFinding.WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        try
        {
            return await OpenChosenAsync(choice, target, onClosed, onMalformed, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            if (finding is not null)
            {
                lock (_gate)
                {
                    _finding = null;
                }

                finding.TrySetResult(true);
            }
        }
    }

    private async Task<OpenedEngineSession> OpenChosenAsync((bool UseWebSocket, bool Probe, string? Refusal) choice, ConnectionTarget target, Action<string, Exception?> onClosed, Action<string, Exception> onMalformed, CancellationToken cancellationToken)
    {
        var (useWebSocket, probe, refusal) = choice;
        if (useWebSocket)
        {
            try
            {
                var session = await OpenWebSocketAsync(target, onClosed, onMalformed, cancellationToken).ConfigureAwait(false);
                lock (_gate)
                {
                    _webSocketWorked = true;
                }

                return new OpenedEngineSession(session, null, null);
            }
            catch (Exception ex) when (RefusalOf(ex, _endpoint.WebSocketThroughProxy) is { } reason)
            {
                refusal = reason;
            }
        }

        OpenedEngineSession opened;
        try
        {
            opened = await OpenPollingAsync(target, onClosed, onMalformed, probe, refusal, cancellationToken).ConfigureAwait(false);
        }
        catch (PartnumberConnectionException ex) when (useWebSocket)
        {
            // Remembered only when polling works: a reset WebSocket and a failed poll are an outage (a restart), not a
            // refusal of WebSocket, and must not keep the endpoint on long-polling once it is back.
            throw new PartnumberConnectionException($"Could not connect to the Socket.IO endpoint: the WebSocket was refused ({refusal}) and long-polling failed: {ex.Message}", ex);
        }

        if (useWebSocket)
        {
            Refused(refusal!);
        }

        return opened;
    }

    /// <summary>
    /// Why <paramref name="exception"/>, thrown while opening a WebSocket, means the server or a proxy refuses WebSocket
    /// (where long-polling may still work); null when the endpoint itself is unreachable, slow or untrusted.
    /// </summary>
    /// <param name="exception">What opening the WebSocket threw.</param>
    /// <param name="throughProxy">Whether the WebSocket went through a forward proxy's CONNECT tunnel.</param>
    internal static string? RefusalOf(Exception exception, bool throughProxy = false)
    {
        var sawIOFailure = false;
        for (var inner = exception; inner is not null; inner = inner.InnerException)
        {
            switch (inner)
            {
                case HttpRequestException http when Net.ProxyRoute.TunnelRefusalStatus(http) is { } status:
                    // A corporate proxy that tunnels only to 443 (403), wants credentials (407) or cannot reach the server
                    // (5xx): plain proxied requests, long-polling's, may still pass.
                    return status == 0 ? "the proxy refused the WebSocket tunnel" : $"the proxy refused the WebSocket tunnel (CONNECT answered {status})";
                case HttpRequestException or IOException:
                    sawIOFailure = true;
                    break;
                case WebSocketException { WebSocketErrorCode: WebSocketError.NotAWebSocket or WebSocketError.HeaderError or WebSocketError.UnsupportedProtocol or WebSocketError.ConnectionClosedPrematurely } refused:
                    return refused.Message;
                case SocketException socket when socket.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionAborted:
                    return "the connection was reset during the WebSocket handshake";
                case SocketException:
                    return null; // refused, unreachable, unknown host: polling would fail the same way
            }
        }

        return throughProxy && sawIOFailure ? "the proxy closed the WebSocket tunnel before the handshake completed" : null;
    }

    private (bool UseWebSocket, bool Probe, string? Refusal) Choose()
    {
        lock (_gate)
        {
            if (_refusal is null)
            {
                return (true, false, null);
            }

            var now = _endpoint.TimeProvider.GetTimestamp();
            if (now < _retryAt)
            {
                return (false, false, _refusal);
            }

            // Time to try WebSocket again: this connection probes an upgrade; the others keep polling meanwhile.
            _retryAt = now + ToTimestampTicks(RefusalMemory);
            return (false, true, _refusal);
        }
    }

    private void Refused(string reason)
    {
        bool first;
        lock (_gate)
        {
            first = _refusal is null;
            _refusal = reason;
            _retryAt = _endpoint.TimeProvider.GetTimestamp() + ToTimestampTicks(RefusalMemory);
        }

        if (first)
        {
            Log.WebSocketRefused(_logger, _endpoint.Uri, Excerpt.Reason(reason), (long)RefusalMemory.TotalMinutes);
        }
        else
        {
            Log.WebSocketStillRefused(_logger, _endpoint.Uri, Excerpt.Reason(reason));
        }
    }

    private void Accepted()
    {
        bool changed;
        lock (_gate)
        {
            changed = _refusal is not null;
            _refusal = null;
            _webSocketWorked = true;
        }

        if (changed)
        {
            Log.WebSocketWorksAgain(_logger, _endpoint.Uri);
        }
    }

    private long ToTimestampTicks(TimeSpan span) => (long)(span.TotalSeconds * _endpoint.TimeProvider.TimestampFrequency);

    private async Task<EngineIOSession> OpenWebSocketAsync(ConnectionTarget target, Action<string, Exception?> onClosed, Action<string, Exception> onMalformed, CancellationToken cancellationToken)
    {
        var socket = await _endpoint.OpenWebSocketAsync(target.WebSocketUri, target.Credentials, cookieHeader: null, cancellationToken).ConfigureAwait(false);
        return new EngineIOSession(new WebSocketTransport(socket, _endpoint.TimeProvider), _endpoint.TimeProvider, onClosed, onMalformed);
    }

    private async Task<OpenedEngineSession> OpenPollingAsync(ConnectionTarget target, Action<string, Exception?> onClosed, Action<string, Exception> onMalformed, bool probe, string? fallbackReason, CancellationToken cancellationToken)
    {
        PollingTransport transport;
        try
        {
            transport = await PollingTransport.OpenAsync(_endpoint, target, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException ex)
        {
            throw new PartnumberConnectionException($"Could not reach the Socket.IO endpoint {target.PollingUri}: {ex.GetBaseException().Message}", ex);
        }

        var session = new EngineIOSession(transport, _endpoint.TimeProvider, onClosed, onMalformed);
        if (_endpoint.Transports != (PartnumberTransports.WebSocket | PartnumberTransports.LongPolling))
        {
            return new OpenedEngineSession(session, null, fallbackReason);
        }

        if (!transport.Handshake.OffersWebSocket)
        {
            Refused("the server's handshake offers no WebSocket upgrade");
            return new OpenedEngineSession(session, null, fallbackReason ?? "the server's handshake offers no WebSocket upgrade");
        }

        return new OpenedEngineSession(session, probe ? transport : null, fallbackReason);
    }

    /// <summary>Probes the upgrade of a session opened to retest WebSocket (call once its namespace is connected); the outcome updates the memory.</summary>
    public void StartUpgrade(PollingTransport transport)
    {
        transport.UpgradeAsync().ContinueWith(
            static (task, state) =>
            {
                var connector = (EngineIOConnector)state!;
                if (task.Result is { } reason)
                {
                    connector.Refused(reason);
                }
                else
                {
                    connector.Accepted();
                }
            },
            this,
            CancellationToken.None,
            TaskContinuationOptions.OnlyOnRanToCompletion | TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default).Forget();
    }
}

/// <summary>An Engine.IO session just opened: the session, the polling transport to probe an upgrade on (when retesting WebSocket), and why it is not on WebSocket.</summary>
internal readonly record struct OpenedEngineSession(EngineIOSession Session, PollingTransport? UpgradeCandidate, string? FallbackReason);
