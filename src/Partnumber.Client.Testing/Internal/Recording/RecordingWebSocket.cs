using System.Buffers;
using System.Net.WebSockets;
using System.Text;

namespace Partnumber.Client.Testing.Internal.Recording;

/// <summary>
/// Wraps the WebSocket the SDK gets from the recorder's <c>WebSocketFactory</c>: every call goes to the real socket,
/// and each complete text message, received or sent, is also decoded into the classification's <see cref="WireCapture"/>.
/// A socket that ends under the client (an exception or a close frame it did not ask for) is a transport drop.
/// </summary>
internal sealed class RecordingWebSocket : WebSocket
{
    private readonly WebSocket _inner;
    private readonly WireTap _tap;
    private readonly ArrayBufferWriter<byte> _received = new();
    private readonly ArrayBufferWriter<byte> _sent = new();
    private readonly WireCapture? _capture;
    private bool _bound;

    public RecordingWebSocket(WebSocket inner, WireTap tap, WireCapture? capture, bool bound)
    {
        _inner = inner;
        _tap = tap;
        _capture = capture;
        _bound = bound;
    }

    public override WebSocketCloseStatus? CloseStatus => _inner.CloseStatus;

    public override string? CloseStatusDescription => _inner.CloseStatusDescription;

    public override WebSocketState State => _inner.State;

    public override string? SubProtocol => _inner.SubProtocol;

    public override void Abort()
    {
        _capture?.ClientClosing();
        _inner.Abort();
    }

    public override Task CloseAsync(WebSocketCloseStatus closeStatus, string? statusDescription, CancellationToken cancellationToken)
    {
        _capture?.ClientClosing();
        return _inner.CloseAsync(closeStatus, statusDescription, cancellationToken);
    }

    public override Task CloseOutputAsync(WebSocketCloseStatus closeStatus, string? statusDescription, CancellationToken cancellationToken)
    {
        _capture?.ClientClosing();
        return _inner.CloseOutputAsync(closeStatus, statusDescription, cancellationToken);
    }

    public override void Dispose()
    {
        _capture?.ClientClosing();
        _inner.Dispose();
    }

    public override async Task<WebSocketReceiveResult> ReceiveAsync(ArraySegment<byte> buffer, CancellationToken cancellationToken)
    {
        WebSocketReceiveResult result;
        try
        {
            result = await _inner.ReceiveAsync(buffer, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is WebSocketException or IOException)
        {
            _capture?.TransportLost();
            throw;
        }

        Received(buffer.AsSpan(0, result.Count), result.MessageType, result.EndOfMessage);
        return result;
    }

    public override async ValueTask<ValueWebSocketReceiveResult> ReceiveAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        ValueWebSocketReceiveResult result;
        try
        {
            result = await _inner.ReceiveAsync(buffer, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is WebSocketException or IOException)
        {
            _capture?.TransportLost();
            throw;
        }

        Received(buffer.Span[..result.Count], result.MessageType, result.EndOfMessage);
        return result;
    }

    public override Task SendAsync(ArraySegment<byte> buffer, WebSocketMessageType messageType, bool endOfMessage, CancellationToken cancellationToken)
    {
        Sent(buffer.AsSpan(), messageType, endOfMessage);
        return _inner.SendAsync(buffer, messageType, endOfMessage, cancellationToken);
    }

    public override ValueTask SendAsync(ReadOnlyMemory<byte> buffer, WebSocketMessageType messageType, bool endOfMessage, CancellationToken cancellationToken)
    {
        Sent(buffer.Span, messageType, endOfMessage);
        return _inner.SendAsync(buffer, messageType, endOfMessage, cancellationToken);
    }

    public override ValueTask SendAsync(ReadOnlyMemory<byte> buffer, WebSocketMessageType messageType, WebSocketMessageFlags messageFlags, CancellationToken cancellationToken)
    {
        Sent(buffer.Span, messageType, (messageFlags & WebSocketMessageFlags.EndOfMessage) != 0);
        return _inner.SendAsync(buffer, messageType, messageFlags, cancellationToken);
    }

    private void Received(ReadOnlySpan<byte> data, WebSocketMessageType type, bool endOfMessage)
    {
        if (type == WebSocketMessageType.Close)
        {
            _capture?.TransportLost(); // ignored when the client asked for the close
            return;
        }

        if (Assemble(_received, data, type, endOfMessage) is not { } text || _capture is null)
        {
            return;
        }

        if (!_bound && WireCapture.OpenedSid(text) is { } sid)
        {
            _tap.Bind(sid, _capture);
            _bound = true;
        }

        _capture.ServerPacket(text);
    }

    private void Sent(ReadOnlySpan<byte> data, WebSocketMessageType type, bool endOfMessage)
    {
        if (Assemble(_sent, data, type, endOfMessage) is { } text)
        {
            _capture?.ClientPacket(text);
        }
    }

    /// <summary>Collects the fragments of a message; returns its text when a text message is complete.</summary>
    private static string? Assemble(ArrayBufferWriter<byte> message, ReadOnlySpan<byte> data, WebSocketMessageType type, bool endOfMessage)
    {
        message.Write(data);
        if (!endOfMessage)
        {
            return null;
        }

        var text = type == WebSocketMessageType.Text ? Encoding.UTF8.GetString(message.WrittenSpan) : null;
        message.Clear();
        return text;
    }
}
