using System.Globalization;
using Partnumber.Client.Shared.EngineIO;
using SocketIOClient.Transport;

namespace Partnumber.Client.Internal.Realtime.EngineIO;

/// <summary>
/// Engine.IO v4 over HTTP long-polling: one GET always pending for the server's packets, the client's packets POSTed in
/// batches (one POST at a time, each within the server's maxPayload: <see cref="PollingSendBatcher"/>) over the
/// session's HTTP channel (headers, cookies: <see cref="PollingChannel"/>), and the upgrade to a WebSocket when asked
/// for (PollingTransport.Upgrade.cs, with <see cref="UpgradeProbe"/>). After an upgrade, packets go both ways over the
/// WebSocket; this object stays the session's transport for sending, so the order of sends never changes.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "The semaphore never allocates a wait handle and the token source has no timer; both live as long as the session, and tokens may still be observed after close.")]
internal sealed partial class PollingTransport : EngineIOTransport
{
    private const int StatePolling = 0;
    private const int StateProbing = 1;
    private const int StatePausing = 2;
    private const int StateUpgraded = 3;

    private readonly RealtimeEndpoint _endpoint;
    private readonly PollingChannel _channel;
    private readonly PollingSendBatcher _outbox;
    private readonly UpgradeProbe _probe;
    private readonly List<string> _initialPackets;
    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _postLock = new(1, 1);
    private readonly TaskCompletionSource<bool> _pollPaused = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private EngineIOSession? _session;
    private WebSocketTransport? _webSocket;
    private int _state;
    private int _closed;
    private Task _closing = Task.CompletedTask;
    private bool _endedByServer;

    private PollingTransport(RealtimeEndpoint endpoint, ConnectionTarget target, PollingChannel channel, EngineOpenPacket handshake, List<string> initialPackets)
    {
        _endpoint = endpoint;
        _channel = channel;
        _initialPackets = initialPackets;
        _outbox = new PollingSendBatcher(handshake.MaxPayload);
        _probe = new UpgradeProbe(endpoint, target, channel, handshake.Sid);
        Handshake = handshake;
    }

    public override PartnumberTransports Kind => Volatile.Read(ref _state) == StateUpgraded ? PartnumberTransports.WebSocket : PartnumberTransports.LongPolling;

    /// <summary>What the server's open packet said.</summary>
    public EngineOpenPacket Handshake { get; }

    /// <summary>
    /// Opens a session: the handshake GET, whose answer must start with the open packet. Throws
    /// <see cref="PartnumberConnectionException"/> for an answer that is not Engine.IO (an error page, a refusal).
    /// </summary>
    public static async Task<PollingTransport> OpenAsync(RealtimeEndpoint endpoint, ConnectionTarget target, CancellationToken cancellationToken)
    {
        var (channel, handshake, packets) = await PollingChannel.OpenAsync(endpoint, target, cancellationToken).ConfigureAwait(false);
        return new PollingTransport(endpoint, target, channel, handshake, packets);
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

    public override Task SendAsync(byte[] bytes, TransportMessageType type, bool endOfMessage, CancellationToken cancellationToken)
    {
        _outbox.Add(bytes, type, endOfMessage);
        return Task.CompletedTask;
    }

    public override Task Close()
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0)
        {
            return Volatile.Read(ref _closing);
        }

        _outbox.Complete();
        _stop.Cancel();
        _pollPaused.TrySetResult(false);
        var closing = Task.CompletedTask;
        if (Volatile.Read(ref _webSocket) is { } webSocket)
        {
            closing = webSocket.Close();
        }
        else if (Volatile.Read(ref _state) != StateUpgraded && _session is not null && !Volatile.Read(ref _endedByServer))
        {
            closing = _channel.PostCloseAsync(); // tells the server at once, instead of after its ping timeout
        }

        Volatile.Write(ref _closing, closing);
        return closing;
    }

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

                if (Accept(session, await _channel.GetAsync(_stop.Token).ConfigureAwait(false)) is not { } body)
                {
                    return; // the session was closed (Accept said why)
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

                    if (!_outbox.TryTakeBatch(out var payload, out var tooLarge))
                    {
                        session.Close(tooLarge!, null);
                        return;
                    }

                    using var deadline = _endpoint.TimeProvider.CreateTimeoutSource(_endpoint.ConnectTimeout);
                    using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token, deadline.Token);
                    try
                    {
                        if (Accept(session, await _channel.PostAsync(payload, timeout.Token).ConfigureAwait(false)) is null)
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

    /// <summary>
    /// The body of a 200 answer, or null after closing the session when the answer is not one (an unknown session id
    /// means the deployment lacks sticky sessions).
    /// </summary>
    private string? Accept(EngineIOSession session, PollingAnswer answer)
    {
        if (answer.IsOk)
        {
            return answer.Body;
        }

        Volatile.Write(ref _endedByServer, true);
        if (answer.IsUnknownSession)
        {
            session.Close(
                $"the server does not know Engine.IO session {Handshake.Sid} ({answer.What} answered {answer.Describe()}): several server workers or instances without sticky sessions? Long-polling needs session affinity (cookie- or IP-based) at the load balancer, or the WebSocket transport",
                null);
        }
        else
        {
            session.Close($"the {answer.What} was answered {answer.Describe()}", null);
        }

        return null;
    }

    private void DeliverBody(EngineIOSession session, string body, string what)
    {
        var packets = EngineCodec.Split(body);

        // A body that does not start with a packet type is an error page or some other answer, not Engine.IO; a leading
        // digit is a packet of a type this client does not know (a newer server's), which the session ignores with a
        // warning, alone in its answer as much as after other packets.
        if (packets.Count > 0 && !EngineCodec.HasKnownType(packets[0]) && packets[0][0] is not (>= '0' and <= '9'))
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
        if (EngineCodec.IsBare(packet, EnginePacketType.Close))
        {
            Volatile.Write(ref _endedByServer, true);
        }

        if (EngineCodec.IsBinary(packet) && EngineCodec.TryDecodeBinary(packet, out var data))
        {
            session.Receive(data);
        }
        else
        {
            session.Receive(packet); // a "b" packet whose base64 could not be read is reported as malformed by the session
        }
    }
}
