using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using System.Threading.Channels;

namespace Partnumber.Client.Tests.TestDoubles;

/// <summary>
/// A loopback WebSocket server whose every Engine.IO/Socket.IO frame the test writes and reads by hand, to pin down the
/// SDK's behaviour on the wire (ordering, malformed packets, heartbeats, kicks) independently of any Socket.IO server.
/// </summary>
internal sealed class WireLevelSocketServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Channel<WirePeer> _peers = Channel.CreateUnbounded<WirePeer>();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _acceptLoop;

    public WireLevelSocketServer()
    {
        _listener.Start();
        _acceptLoop = AcceptLoopAsync();
    }

    public Uri BaseAddress => new($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}");

    /// <summary>Waits for the next client WebSocket (after the HTTP upgrade).</summary>
    public async Task<WirePeer> AcceptAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        return await _peers.Reader.ReadAsync(timeout.Token);
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        try
        {
            await _acceptLoop;
        }
        catch (Exception)
        {
            // stopping
        }
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var tcp = await _listener.AcceptTcpClientAsync(_stop.Token);
            var stream = tcp.GetStream();
            var request = await ReadHeadersAsync(stream);
            var key = request.Headers["sec-websocket-key"];
            var accept = Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")));
            var response = $"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n\r\n";
            await stream.WriteAsync(Encoding.ASCII.GetBytes(response));
            var socket = WebSocket.CreateFromStream(stream, isServer: true, subProtocol: null, keepAliveInterval: TimeSpan.Zero);
            await _peers.Writer.WriteAsync(new WirePeer(socket, tcp, request.Target, request.Headers));
        }
    }

    private static async Task<(string Target, Dictionary<string, string> Headers)> ReadHeadersAsync(NetworkStream stream)
    {
        var bytes = new List<byte>();
        var one = new byte[1];
        while (!(bytes.Count >= 4 && bytes[^1] == '\n' && bytes[^2] == '\r' && bytes[^3] == '\n' && bytes[^4] == '\r'))
        {
            if (await stream.ReadAsync(one) == 0)
            {
                throw new IOException("closed during the handshake");
            }

            bytes.Add(one[0]);
        }

        var lines = Encoding.ASCII.GetString(bytes.ToArray()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        var headers = lines.Skip(1).Select(l => l.Split(':', 2)).ToDictionary(p => p[0].Trim().ToLowerInvariant(), p => p[1].Trim());
        return (lines[0].Split(' ')[1], headers);
    }
}

/// <summary>The server end of one client WebSocket.</summary>
internal sealed class WirePeer : IAsyncDisposable
{
    private readonly TcpClient _tcp;

    public WirePeer(WebSocket socket, TcpClient tcp, string target, IReadOnlyDictionary<string, string> headers)
    {
        Socket = socket;
        _tcp = tcp;
        Target = target;
        Headers = headers;
    }

    public WebSocket Socket { get; }

    /// <summary>The request target of the upgrade, e.g. <c>/socket.io/?EIO=4&amp;transport=websocket</c>.</summary>
    public string Target { get; }

    /// <summary>The upgrade request's headers, names in lower case.</summary>
    public IReadOnlyDictionary<string, string> Headers { get; }

    public Task SendAsync(string text) => Socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, CancellationToken.None);

    /// <summary>Sends the Engine.IO open packet with the given heartbeat.</summary>
    public Task OpenAsync(int pingInterval = 25000, int pingTimeout = 20000)
        => SendAsync($$"""0{"sid":"eio-1","upgrades":[],"pingInterval":{{pingInterval}},"pingTimeout":{{pingTimeout}},"maxPayload":1000000}""");

    /// <summary>Receives the next text frame, or null when the client closed.</summary>
    public async Task<string?> ReceiveAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var buffer = new byte[64 * 1024];
        var count = 0;
        while (true)
        {
            var result = await Socket.ReceiveAsync(new ArraySegment<byte>(buffer, count, buffer.Length - count), timeout.Token);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return null;
            }

            count += result.Count;
            if (result.EndOfMessage)
            {
                return Encoding.UTF8.GetString(buffer, 0, count);
            }
        }
    }

    /// <summary>Receives frames until one starts with <paramref name="prefix"/>.</summary>
    public async Task<string> ExpectAsync(string prefix)
    {
        while (true)
        {
            var frame = await ReceiveAsync() ?? throw new InvalidOperationException($"The client closed while the server waited for '{prefix}'.");
            if (frame.StartsWith(prefix, StringComparison.Ordinal))
            {
                return frame;
            }
        }
    }

    /// <summary>Completes when the client has closed the connection (close frame or end of stream).</summary>
    public async Task WaitForCloseAsync()
    {
        try
        {
            while (await ReceiveAsync() is not null)
            {
            }
        }
        catch (Exception ex) when (ex is WebSocketException or IOException)
        {
            // an abort is a close too
        }
    }

    public ValueTask DisposeAsync()
    {
        Socket.Abort();
        _tcp.Dispose();
        return default;
    }
}
