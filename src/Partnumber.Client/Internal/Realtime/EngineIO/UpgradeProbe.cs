using Partnumber.Client.Shared.EngineIO;

namespace Partnumber.Client.Internal.Realtime.EngineIO;

/// <summary>
/// The WebSocket side of a polling session's upgrade: a test WebSocket of its own first, then the WebSocket of the
/// session and its probe (<c>2probe</c> answered by <c>3probe</c>). What happens to the polling session meanwhile is
/// <see cref="PollingTransport"/>'s.
/// </summary>
internal sealed class UpgradeProbe
{
    private readonly RealtimeEndpoint _endpoint;
    private readonly ConnectionTarget _target;
    private readonly PollingChannel _channel;
    private readonly string _sid;

    public UpgradeProbe(RealtimeEndpoint endpoint, ConnectionTarget target, PollingChannel channel, string sid)
    {
        _endpoint = endpoint;
        _target = target;
        _channel = channel;
        _sid = sid;
    }

    /// <summary>
    /// Opens (and closes) a WebSocket of its own, without this session's id: null when the server answers it, else why
    /// not. A proxy that drops <c>Upgrade</c> refuses such a request cleanly (400), where the probe, which carries the
    /// session id, would reach python-engineio as a long-poll of this session and take its packets with it; so the
    /// probe is only sent once this passed.
    /// </summary>
    public async Task<string?> TestAsync(CancellationToken sessionEnded)
    {
        using var deadline = new Deadline(_endpoint.TimeProvider, _endpoint.ConnectTimeout, sessionEnded);
        try
        {
            var socket = await _endpoint.OpenWebSocketAsync(_target.WebSocketUri, _target.Credentials, _channel.CookieHeader(), deadline.Token).ConfigureAwait(false);
            await new WebSocketTransport(socket, _endpoint.TimeProvider).Close().ConfigureAwait(false); // the server's throwaway session ends with it
            return null;
        }
        catch (Exception ex)
        {
            return sessionEnded.IsCancellationRequested ? "the session ended during the WebSocket test"
                : deadline.Expired ? $"the WebSocket test got no answer within {Deadline.Seconds(_endpoint.ConnectTimeout)} (ConnectTimeout)"
                : EngineIOConnector.RefusalOf(ex) ?? ex.GetBaseException().Message;
        }
    }

    /// <summary>
    /// Opens the session's WebSocket and probes it: the transport once the server answered <c>3probe</c> (not started:
    /// the polling session still runs). Throws on any failure (the WebSocket is closed first).
    /// </summary>
    public async Task<WebSocketTransport> ProbeAsync(CancellationToken cancellationToken)
    {
        var socket = await _endpoint.OpenWebSocketAsync(_target.WebSocketUriFor(_sid), _target.Credentials, _channel.CookieHeader(), cancellationToken).ConfigureAwait(false);
        var webSocket = new WebSocketTransport(socket, _endpoint.TimeProvider);
        try
        {
            await webSocket.SendTextAsync(EngineProbe.Ping, cancellationToken).ConfigureAwait(false);
            var answer = await webSocket.ReceiveTextAsync(cancellationToken).ConfigureAwait(false);
            if (answer != EngineProbe.Pong)
            {
                throw new InvalidOperationException($"the server answered the upgrade probe with '{Excerpt.Of(answer, 100)}', not {EngineProbe.Pong}");
            }

            return webSocket;
        }
        catch
        {
            _ = webSocket.Close();
            throw;
        }
    }
}
