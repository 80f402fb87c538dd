using System.Net.WebSockets;
using System.Text;
using Partnumber.Client.Shared.EngineIO;

namespace Partnumber.Client.Tests.Shared.EngineIO;

/// <summary>The grow-the-buffer WebSocket reader both packages use (src/Shared/EngineIO/WebSocketMessageReader.cs).</summary>
public class WebSocketMessageReaderTests
{
    [Fact]
    public async Task A_small_message_is_read_into_the_initial_buffer()
    {
        using var socket = new ScriptedWebSocket().Text("42[\"a\"]");
        using var reader = new WebSocketMessageReader(initialBytes: 16, maxBytes: 1000);
        var initial = reader.Buffer;

        var message = await reader.ReceiveAsync(socket, CancellationToken.None);

        Assert.Equal((WebSocketMessageType.Text, 7, false), (message.Type, message.Count, message.TooLarge));
        Assert.Equal("42[\"a\"]", reader.Text(message));
        Assert.Same(initial, reader.Buffer);
    }

    [Fact]
    public async Task The_buffer_grows_for_a_larger_message_split_in_fragments_and_serves_the_next_one()
    {
        var large = string.Concat(Enumerable.Range(0, 2000).Select(i => (char)('a' + (i % 26))));
        using var socket = new ScriptedWebSocket().Text(large, fragment: 300).Text("2");
        using var reader = new WebSocketMessageReader(initialBytes: 16, maxBytes: 4096);

        var first = await reader.ReceiveAsync(socket, CancellationToken.None);
        Assert.False(first.TooLarge);
        Assert.Equal(large, reader.Text(first));
        Assert.True(reader.Buffer.Length >= 2000);

        var second = await reader.ReceiveAsync(socket, CancellationToken.None);
        Assert.Equal("2", reader.Text(second));
    }

    [Fact]
    public async Task A_message_of_exactly_the_limit_is_accepted_even_when_its_last_fragment_is_empty()
    {
        var bytes = Enumerable.Repeat((byte)'4', 64).ToArray();
        using var socket = new ScriptedWebSocket().Frame(bytes, WebSocketMessageType.Text, endOfMessage: false).Frame([], WebSocketMessageType.Text, endOfMessage: true);
        using var reader = new WebSocketMessageReader(initialBytes: 8, maxBytes: 64);

        var message = await reader.ReceiveAsync(socket, CancellationToken.None);

        Assert.False(message.TooLarge);
        Assert.Equal(64, message.Count);
    }

    [Fact]
    public async Task A_message_over_the_limit_is_reported_after_reading_one_byte_more_than_the_limit()
    {
        using var socket = new ScriptedWebSocket().Frame(new byte[10_000], WebSocketMessageType.Binary, endOfMessage: true);
        using var reader = new WebSocketMessageReader(initialBytes: 8, maxBytes: 64);

        var message = await reader.ReceiveAsync(socket, CancellationToken.None);

        Assert.True(message.TooLarge);
        Assert.Equal(65, message.Count);
        Assert.Equal(10_000 - 65, socket.Unread);
    }

    [Fact]
    public async Task A_binary_message_and_a_close_frame_are_told_apart()
    {
        using var socket = new ScriptedWebSocket().Frame([1, 2, 3], WebSocketMessageType.Binary, endOfMessage: true).Close();
        using var reader = new WebSocketMessageReader(initialBytes: 8, maxBytes: 64);

        var binary = await reader.ReceiveAsync(socket, CancellationToken.None);
        Assert.Equal(WebSocketMessageType.Binary, binary.Type);
        Assert.Equal(new byte[] { 1, 2, 3 }, reader.Bytes(binary));

        var close = await reader.ReceiveAsync(socket, CancellationToken.None);
        Assert.True(close.IsClose);
    }

    [Fact]
    public async Task A_disposed_reader_reads_no_more()
    {
        using var socket = new ScriptedWebSocket().Text("2");
        var reader = new WebSocketMessageReader(initialBytes: 8, maxBytes: 64);
        reader.Dispose();
        reader.Dispose();

        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await reader.ReceiveAsync(socket, CancellationToken.None));
    }

    /// <summary>A WebSocket that hands out scripted frames, as much of each as the caller's buffer holds.</summary>
    private sealed class ScriptedWebSocket : WebSocket
    {
        private readonly Queue<(byte[] Bytes, WebSocketMessageType Type, bool End)> _frames = new();
        private int _offset;

        public int Unread => _frames.Sum(frame => frame.Bytes.Length) - _offset;

        public override WebSocketCloseStatus? CloseStatus => null;

        public override string? CloseStatusDescription => null;

        public override WebSocketState State => WebSocketState.Open;

        public override string? SubProtocol => null;

        public ScriptedWebSocket Text(string text, int fragment = int.MaxValue)
        {
            var bytes = Encoding.UTF8.GetBytes(text);
            for (var start = 0; start < bytes.Length; start += fragment)
            {
                var length = Math.Min(fragment, bytes.Length - start);
                Frame(bytes.AsSpan(start, length).ToArray(), WebSocketMessageType.Text, start + length == bytes.Length);
            }

            return this;
        }

        public ScriptedWebSocket Frame(byte[] bytes, WebSocketMessageType type, bool endOfMessage)
        {
            _frames.Enqueue((bytes, type, endOfMessage));
            return this;
        }

        public ScriptedWebSocket Close() => Frame([], WebSocketMessageType.Close, endOfMessage: true);

        public override Task<WebSocketReceiveResult> ReceiveAsync(ArraySegment<byte> buffer, CancellationToken cancellationToken)
        {
            var (bytes, type, end) = _frames.Peek();
            var count = Math.Min(buffer.Count, bytes.Length - _offset);
            bytes.AsSpan(_offset, count).CopyTo(buffer.AsSpan());
            _offset += count;
            var done = _offset == bytes.Length;
            if (done)
            {
                _frames.Dequeue();
                _offset = 0;
            }

            return Task.FromResult(new WebSocketReceiveResult(count, type, done && end));
        }

        public override Task SendAsync(ArraySegment<byte> buffer, WebSocketMessageType messageType, bool endOfMessage, CancellationToken cancellationToken) => Task.CompletedTask;

        public override Task CloseAsync(WebSocketCloseStatus closeStatus, string? statusDescription, CancellationToken cancellationToken) => Task.CompletedTask;

        public override Task CloseOutputAsync(WebSocketCloseStatus closeStatus, string? statusDescription, CancellationToken cancellationToken) => Task.CompletedTask;

        public override void Abort()
        {
        }

        public override void Dispose()
        {
        }
    }
}
