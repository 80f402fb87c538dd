using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;

namespace Partnumber.Client.Testing.Tests.Support;

/// <summary>
/// A deliberately small Socket.IO client over a raw WebSocket, for asserting exactly what the fake puts on the wire.
/// Every received text frame is queued as is; pings are answered unless <see cref="AutoPong"/> is false.
/// </summary>
public sealed class RawSocketIOClient : IAsyncDisposable
{
    private readonly WebSocket _ws;
    private readonly Channel<string> _frames = Channel.CreateUnbounded<string>();
    private readonly Task _receiveLoop;
    private readonly SemaphoreSlim _sendLock = new(1, 1);

    private RawSocketIOClient(WebSocket ws)
    {
        _ws = ws;
        _receiveLoop = ReceiveLoopAsync();
    }

    public bool AutoPong { get; set; } = true;

    public WebSocket WebSocket => _ws;

    /// <summary>Set when the server closed the WebSocket (or the transport broke).</summary>
    public TaskCompletionSource<WebSocketCloseStatus?> ClosedByServer { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public static Uri EngineUri(Uri baseAddress, string query = "EIO=4&transport=websocket")
    {
        var b = new UriBuilder(baseAddress) { Scheme = baseAddress.Scheme == "https" ? "wss" : "ws", Path = "/socket.io/", Query = query };
        return b.Uri;
    }

    public static async Task<RawSocketIOClient> OpenAsync(Uri baseAddress, string query = "EIO=4&transport=websocket", CancellationToken ct = default)
    {
        var ws = new ClientWebSocket();
        ws.Options.KeepAliveInterval = TimeSpan.Zero;
        await ws.ConnectAsync(EngineUri(baseAddress, query), ct);
        return new RawSocketIOClient(ws);
    }

    public static RawSocketIOClient Wrap(WebSocket ws) => new(ws);

    /// <summary>Opens, reads the open packet, sends <c>40</c> and waits for <c>40{"sid"}</c>. Returns the namespace sid.</summary>
    public static async Task<(RawSocketIOClient Client, string Sid, List<string> Before)> ConnectAsync(Uri baseAddress)
    {
        var client = await OpenAsync(baseAddress);
        var sid = await client.HandshakeAsync();
        return (client, sid.Sid, sid.Before);
    }

    public async Task<(string Sid, List<string> Before)> HandshakeAsync()
    {
        var open = await ReceiveAsync();
        Assert.StartsWith("0{", open);
        await SendAsync("40");
        var before = new List<string>();
        while (true)
        {
            var frame = await ReceiveAsync();
            if (frame.StartsWith("40{", StringComparison.Ordinal))
            {
                using var doc = JsonDocument.Parse(frame.AsSpan(2).ToString());
                return (doc.RootElement.GetProperty("sid").GetString()!, before);
            }

            before.Add(frame);
        }
    }

    public async Task SendAsync(string text)
    {
        await _sendLock.WaitAsync();
        try
        {
            await _ws.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, CancellationToken.None);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    public Task EmitAsync(string eventName, string payloadJson) => SendAsync($"42[\"{eventName}\",{payloadJson}]");

    /// <summary>The next frame (pings excluded when auto-ponged). Throws on timeout or when the connection ended.</summary>
    public async Task<string> ReceiveAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        return await _frames.Reader.ReadAsync(cts.Token);
    }

    /// <summary>Waits for the next EVENT named <paramref name="eventName"/>, returning its first argument.</summary>
    public async Task<JsonElement> WaitForEventAsync(string eventName, TimeSpan? timeout = null)
    {
        while (true)
        {
            var frame = await ReceiveAsync(timeout);
            if (TryParseEvent(frame, out var name, out var payload) && name == eventName)
            {
                return payload;
            }
        }
    }

    public static bool TryParseEvent(string frame, out string name, out JsonElement payload)
    {
        name = "";
        payload = default;
        if (!frame.StartsWith("42[", StringComparison.Ordinal))
        {
            return false;
        }

        using var doc = JsonDocument.Parse(frame.AsSpan(2).ToString());
        name = doc.RootElement[0].GetString()!;
        payload = doc.RootElement.GetArrayLength() > 1 ? doc.RootElement[1].Clone() : default;
        return true;
    }

    /// <summary>Frames received so far and not yet read (non-blocking).</summary>
    public List<string> Drain()
    {
        var list = new List<string>();
        while (_frames.Reader.TryRead(out var f))
        {
            list.Add(f);
        }

        return list;
    }

    private async Task ReceiveLoopAsync()
    {
        var buffer = new byte[1 << 16];
        try
        {
            while (true)
            {
                using var ms = new MemoryStream();
                ValueWebSocketReceiveResult result;
                do
                {
                    result = await _ws.ReceiveAsync(buffer.AsMemory(), CancellationToken.None);
                    if (result.MessageType == WebSocketMessageType.Close)
                    {
                        ClosedByServer.TrySetResult(_ws.CloseStatus);
                        _frames.Writer.TryComplete();
                        return;
                    }

                    ms.Write(buffer, 0, result.Count);
                }
                while (!result.EndOfMessage);

                var text = Encoding.UTF8.GetString(ms.ToArray());
                if (text == "2" && AutoPong)
                {
                    await SendAsync("3");
                    continue;
                }

                _frames.Writer.TryWrite(text);
            }
        }
        catch (Exception)
        {
            ClosedByServer.TrySetResult(null);
            _frames.Writer.TryComplete();
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_ws.State == WebSocketState.Open)
            {
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await _ws.CloseAsync(WebSocketCloseStatus.NormalClosure, null, cts.Token);
            }
        }
        catch (Exception)
        {
            _ws.Abort();
        }

        _ws.Dispose();
        try
        {
            await _receiveLoop;
        }
        catch (Exception)
        {
        }
    }
}
