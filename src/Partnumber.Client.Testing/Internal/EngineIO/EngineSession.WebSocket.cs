using System.Buffers;
using System.Net.WebSockets;
using System.Text;
using Partnumber.Client.Shared.EngineIO;

namespace Partnumber.Client.Testing.Internal.EngineIO;

/// <summary>
/// The session's WebSocket: from the start, or after the upgrade probe of a polling session (<c>2probe</c> answered
/// <c>3probe</c> and a noop to the pending GET, then <c>5</c>); one receive loop and one send loop that drains the outbox,
/// then a close frame.
/// </summary>
internal sealed partial class EngineSession
{
    // On the wall clock: the cut-off below guards real I/O, and must fire with a frozen fake clock too (WallClock).
    private readonly CancellationTokenSource _receiveCancel = new(Timeout.InfiniteTimeSpan, WallClock.Time);
    private volatile bool _upgrading;
    private volatile bool _probeSent;
    private WebSocket? _webSocket;
    private Action? _probeAbort;
    private WebSocketCloseStatus _closeStatus = WebSocketCloseStatus.NormalClosure;

    /// <summary>Runs a WebSocket for this session until it closes. For an upgrade, performs the probe first.</summary>
    public async Task RunWebSocketAsync(WebSocket webSocket, bool upgrade, Action abortTransport)
    {
        // Small: client packets are a few dozen bytes, and the buffer is held for the session's whole life (with 1,000
        // sessions a 16 KB buffer each missed the pool and was promoted to gen 2); the reader grows it on demand.
        var reader = new WebSocketMessageReader(InitialReceiveBufferBytes, _server.Options.MaxPayload);
        try
        {
            if (upgrade)
            {
                _upgrading = true;
                _probeAbort = abortTransport;
                var upgraded = await ProbeAsync(webSocket, reader).ConfigureAwait(false);
                _upgrading = false;
                if (!upgraded)
                {
                    return;
                }
            }

            _webSocket = webSocket;
            var sendLoop = SendLoopAsync(webSocket);
            var token = _receiveCancel.Token;
            while (!IsClosed && webSocket.State == WebSocketState.Open)
            {
                var message = await reader.ReceiveAsync(webSocket, token).ConfigureAwait(false);
                if (message.IsClose)
                {
                    break;
                }

                if (message.TooLarge)
                {
                    _closeStatus = WebSocketCloseStatus.MessageTooBig;
                    Close("payload too large");
                    break;
                }

                if (message.Type == WebSocketMessageType.Binary)
                {
                    HandlePacket(new EnginePacket(reader.Bytes(message)));
                }
                else if (EngineCodec.TryDecode(reader.Text(message), out var packet))
                {
                    HandlePacket(packet);
                }
                else
                {
                    Close("parse error");
                }
            }

            Close("transport close");
            await sendLoop.ConfigureAwait(false);

            // Both loops are done: the cut-off that Close armed is not needed, and would stay queued for 2 s per session.
#pragma warning disable RS0030 // disarms the cut-off above (the clock _receiveCancel was created with)
            _receiveCancel.CancelAfter(Timeout.InfiniteTimeSpan);
#pragma warning restore RS0030
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException or ObjectDisposedException)
        {
            Close("transport error");
        }
        finally
        {
            reader.Dispose();
        }
    }

    private async Task<bool> ProbeAsync(WebSocket webSocket, WebSocketMessageReader reader)
    {
        while (webSocket.State == WebSocketState.Open && !IsClosed)
        {
            var message = await reader.ReceiveAsync(webSocket, _closed.Token).ConfigureAwait(false);
            if (message.IsClose || message.TooLarge || message.Type == WebSocketMessageType.Binary)
            {
                return false;
            }

            var text = reader.Text(message);
            if (text == EngineProbe.Ping)
            {
                _probeSent = true;
                await webSocket.SendAsync(Encoding.UTF8.GetBytes(EngineProbe.Pong), WebSocketMessageType.Text, true, _closed.Token).ConfigureAwait(false);

                // Makes the pending GET (if any) return, so the client can pause polling.
                _outbox.Writer.TryWrite(EngineCodec.Encode(EnginePacketType.Noop));
            }
            else if (text == EngineProbe.Upgrade)
            {
                _isWebSocket = true;
                Record.Transport = "websocket";
                _pollCancel.Cancel();
                return true;
            }
            else if (EngineCodec.TryDecode(text, out var packet))
            {
                HandlePacket(packet);
            }
            else
            {
                return false;
            }
        }

        return false;
    }

    private async Task SendLoopAsync(WebSocket webSocket)
    {
        // Not cancelled by Close: the loop drains the outbox (it completes on close), then sends the close frame.
        var token = _receiveCancel.Token;
        try
        {
            await _readerLock.WaitAsync(token).ConfigureAwait(false);
            var reader = _outbox.Reader;
            while (await reader.WaitToReadAsync(CancellationToken.None).ConfigureAwait(false))
            {
                while (reader.TryRead(out var packet))
                {
                    // Rented per packet, not held while idle: sends complete at once, so the pool hands the same array back.
                    var buffer = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(packet.Length));
                    try
                    {
                        var count = Encoding.UTF8.GetBytes(packet, buffer);
                        await webSocket.SendAsync(buffer.AsMemory(0, count), WebSocketMessageType.Text, true, token).ConfigureAwait(false);
                    }
                    finally
                    {
                        ArrayPool<byte>.Shared.Return(buffer);
                    }
                }
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException or ObjectDisposedException)
        {
        }

        if (Aborted)
        {
            // A scripted transport abort: what was queued before it is flushed, then the connection drops with no close frame.
            // Ending the receive loop ends the request: the host flushes what was written and drops the connection.
            _receiveCancel.Cancel();
        }
        else if (!_silent)
        {
            await TryCloseAsync(webSocket, _closeStatus).ConfigureAwait(false);
        }
    }

    private static async Task TryCloseAsync(WebSocket webSocket, WebSocketCloseStatus status)
    {
        try
        {
            if (webSocket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                using var timeout = WallClock.Timeout(TimeSpan.FromSeconds(2));
                await webSocket.CloseOutputAsync(status, null, timeout.Token).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException or ObjectDisposedException)
        {
            webSocket.Abort();
        }
    }
}
