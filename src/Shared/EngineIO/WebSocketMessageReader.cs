using System.Buffers;
using System.Net.WebSockets;
using System.Text;

namespace Partnumber.Client.Shared.EngineIO;

/// <summary>
/// Reads whole WebSocket messages (Engine.IO sends one packet per message) into one pooled buffer that starts small and
/// grows as a message needs, up to a limit: a message over it is reported, not read further. One reader per socket;
/// not thread-safe (a WebSocket allows one pending receive anyway).
/// </summary>
internal sealed class WebSocketMessageReader : IDisposable
{
    private readonly int _maxBytes;
    private byte[] _buffer;

    /// <param name="initialBytes">The buffer to start with (events are a few hundred bytes).</param>
    /// <param name="maxBytes">The largest message accepted.</param>
    public WebSocketMessageReader(int initialBytes, int maxBytes)
    {
        _maxBytes = maxBytes;
        _buffer = ArrayPool<byte>.Shared.Rent(Math.Min(initialBytes, maxBytes + 1));
    }

    /// <summary>The buffer holding the last message read (its first <see cref="WebSocketMessage.Count"/> bytes).</summary>
    public byte[] Buffer => _buffer;

    /// <summary>
    /// Reads one whole message. Its bytes are the first <c>Count</c> of <see cref="Buffer"/>, valid until the next read.
    /// A close frame gives <see cref="WebSocketMessageType.Close"/>; a message over the limit gives
    /// <see cref="WebSocketMessage.TooLarge"/> once more than the limit was read (the rest is left unread).
    /// </summary>
    public async ValueTask<WebSocketMessage> ReceiveAsync(WebSocket socket, CancellationToken cancellationToken)
    {
        if (_buffer.Length == 0)
        {
            throw new ObjectDisposedException(nameof(WebSocketMessageReader));
        }

        var count = 0;
        var capacity = _maxBytes + 1; // one byte more than the limit: a message that fills it is over the limit
        while (true)
        {
            if (count == _buffer.Length)
            {
                var larger = ArrayPool<byte>.Shared.Rent((int)Math.Min(_buffer.Length * 2L, capacity));
                System.Buffer.BlockCopy(_buffer, 0, larger, 0, count);
                ArrayPool<byte>.Shared.Return(_buffer);
                _buffer = larger;
            }

            var room = Math.Min(_buffer.Length, capacity) - count;
#if NET8_0_OR_GREATER
            // The Memory overload completes into a pooled ValueTask: no Task and no result object per frame.
            var received = await socket.ReceiveAsync(new Memory<byte>(_buffer, count, room), cancellationToken).ConfigureAwait(false);
#else
            var received = await socket.ReceiveAsync(new ArraySegment<byte>(_buffer, count, room), cancellationToken).ConfigureAwait(false);
#endif
            if (received.MessageType == WebSocketMessageType.Close)
            {
                return new WebSocketMessage(WebSocketMessageType.Close, 0, TooLarge: false);
            }

            count += received.Count;
            if (count > _maxBytes)
            {
                return new WebSocketMessage(received.MessageType, count, TooLarge: true);
            }

            if (received.EndOfMessage)
            {
                return new WebSocketMessage(received.MessageType, count, TooLarge: false);
            }
        }
    }

    /// <summary>The last message read, as text.</summary>
    public string Text(WebSocketMessage message) => Encoding.UTF8.GetString(_buffer, 0, message.Count);

    /// <summary>A copy of the last message read.</summary>
    public byte[] Bytes(WebSocketMessage message)
    {
        var bytes = new byte[message.Count];
        System.Buffer.BlockCopy(_buffer, 0, bytes, 0, message.Count);
        return bytes;
    }

    /// <summary>Returns the buffer to the pool. Call only once no read is pending.</summary>
    public void Dispose()
    {
        var buffer = Interlocked.Exchange(ref _buffer, []);
        if (buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}

/// <summary>One message read by <see cref="WebSocketMessageReader"/>: its type, its length, and whether it was over the limit.</summary>
internal readonly record struct WebSocketMessage(WebSocketMessageType Type, int Count, bool TooLarge)
{
    /// <summary>A close frame.</summary>
    public bool IsClose => Type == WebSocketMessageType.Close;
}
