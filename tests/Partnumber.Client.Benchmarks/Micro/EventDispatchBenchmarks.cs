using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using BenchmarkDotNet.Attributes;
using Partnumber.Client.Internal;
using Partnumber.Client.Internal.Classification;
using Partnumber.Client.Internal.Payloads;
using Partnumber.Client.Internal.Realtime;

namespace Partnumber.Client.Benchmarks.Micro;

/// <summary>
/// One <c>classification_update_status</c> event, from where it enters the SDK to the <see cref="ClassificationUpdate"/>
/// a consumer's <c>await foreach</c> gets. Three cuts:
/// <list type="bullet">
/// <item><see cref="WireFrameToUpdate"/>: the whole client path. A real <see cref="ClassificationSession"/> on a real
/// SocketIORealtimeConnection (EngineIOSession over a WebSocketTransport + SocketIOClient 3.0.6) over a loopback TCP WebSocket; each operation
/// sends the 110-byte frame from the server end and awaits the session's next update (WebSocket receive, UTF-8 decode,
/// the library's packet parsing and OnAny callback, the SDK's copy into the channel, the session's read, payload
/// clone and lenient parse). The server end's send is included (it allocates nothing).</item>
/// <item><see cref="CallbackToUpdate"/>: the SDK's own part only: the callback's copy into the channel
/// (<see cref="RealtimeEvent"/>) through the session to the update, with the payload already parsed.</item>
/// <item><see cref="ParsePayload"/>: <see cref="PayloadReader"/> alone on a parsed payload.</item>
/// </list>
/// </summary>
[MemoryDiagnoser]
public class EventDispatchBenchmarks
{
    private WireRig _wire = null!;
    private ChannelRig _channel = null!;
    private JsonDocument _payloadDocument = null!;
    private JsonElement _payload;

    [GlobalSetup]
    public void Setup()
    {
        _payloadDocument = JsonDocument.Parse(Frames.ProgressPayload);
        _payload = _payloadDocument.RootElement;
        _channel = ChannelRig.StartAsync(_payload).GetAwaiter().GetResult();
        _wire = WireRig.StartAsync().GetAwaiter().GetResult();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _wire.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _channel.CloseAsync().AsTask().GetAwaiter().GetResult();
        _payloadDocument.Dispose();
    }

    [Benchmark(Description = "wire frame -> update (full client path)")]
    public async Task<ClassificationUpdate> WireFrameToUpdate() => await _wire.NextAsync().ConfigureAwait(false);

    [Benchmark(Description = "callback -> channel -> update (SDK part)")]
    public async Task<ClassificationUpdate> CallbackToUpdate() => await _channel.NextAsync().ConfigureAwait(false);

    [Benchmark(Description = "PayloadReader: status, current, total, message")]
    public int ParsePayload()
    {
        var status = PayloadReader.ReadStatus(_payload);
        var current = PayloadReader.ReadInt32(_payload, "current");
        var total = PayloadReader.ReadInt32(_payload, "total");
        var message = PayloadReader.ReadString(_payload, "message");
        return (int)status + current.GetValueOrDefault() + total.GetValueOrDefault() + (message?.Length ?? 0);
    }

    internal static ClientRuntime Runtime(IRealtimeConnector? connector, Func<Uri, IReadOnlyDictionary<string, string>, CancellationToken, Task<WebSocket>>? webSocketFactory)
    {
        var options = new PartnumberClassificationClientOptions
        {
            BaseAddress = new Uri("http://127.0.0.1:9/"),
            ClassificationTimeout = TimeSpan.FromDays(1),
            ReconnectPolicy = PartnumberReconnectPolicy.None,
            WebSocketFactory = webSocketFactory,
            Transports = PartnumberTransports.WebSocket,
        };
        var http = new HttpClient(new AcceptingHandler());
        return new ClientRuntime(options, () => http, () => http, connector, httpPipelineHasRetry: false); // the default: SafeRetry around the POST
    }

    /// <summary>A session on an in-process connection whose channel the benchmark writes, as the library callback does.</summary>
    private sealed class ChannelRig : IRealtimeConnector, IRealtimeConnection
    {
        private readonly Channel<RealtimeEvent> _events = Channel.CreateUnbounded<RealtimeEvent>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = false });
        private readonly JsonElement _payload;
        private ClassificationSession _session = null!;

        private ChannelRig(JsonElement payload) => _payload = payload;

        public string SessionId => "sid-1";

        public PartnumberTransports Transport => PartnumberTransports.WebSocket;

        public string? FallbackReason => null;

        public bool IsOpen => true;

        public bool SawMalformedPacket => false;

        public ChannelReader<RealtimeEvent> Events => _events.Reader;

        public static async Task<ChannelRig> StartAsync(JsonElement payload)
        {
            var rig = new ChannelRig(payload);
            rig._session = new ClassificationSession(Runtime(rig, null), new ClassificationRequest("PN-BENCH"), CancellationToken.None, CancellationToken.None);
            await rig.NextAsync().ConfigureAwait(false); // connect, POST, join, first update
            return rig;
        }

        public ValueTask<ClassificationUpdate> NextAsync()
        {
            // What SocketIORealtimeConnection.OnServerEvent does on the library's receive loop: a detached copy, queued.
            _events.Writer.TryWrite(RealtimeEvent.ServerEvent("classification_update_status", _payload.Clone()));
            return _session.NextAsync();
        }

        public Task<IRealtimeConnection> ConnectAsync(CancellationToken cancellationToken, bool retryRefused = true) => Task.FromResult<IRealtimeConnection>(this);

        public Task EmitAsync(string eventName, string jsonPayload, CancellationToken cancellationToken) => Task.CompletedTask;

        /// <summary>The connection's dispose (called by the session): nothing to release.</summary>
        public ValueTask DisposeAsync() => default;

        public ValueTask CloseAsync() => _session.DisposeAsync();
    }

    /// <summary>A session on the real Socket.IO stack over a loopback TCP WebSocket whose server end the benchmark drives.</summary>
    private sealed class WireRig : IAsyncDisposable
    {
        private readonly TcpListener _listener;
        private WebSocket _server = null!;
        private ClassificationSession _session = null!;
        private Task _drain = Task.CompletedTask;

        private WireRig(TcpListener listener) => _listener = listener;

        public static async Task<WireRig> StartAsync()
        {
            var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var rig = new WireRig(listener);
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            var client = new TcpClient { NoDelay = true };
            var accepting = listener.AcceptTcpClientAsync();
            await client.ConnectAsync(IPAddress.Loopback, port).ConfigureAwait(false);
            var accepted = await accepting.ConfigureAwait(false);
            accepted.NoDelay = true;
            rig._server = WebSocket.CreateFromStream(accepted.GetStream(), new WebSocketCreationOptions { IsServer = true, KeepAliveInterval = TimeSpan.Zero });
            var clientSocket = WebSocket.CreateFromStream(client.GetStream(), new WebSocketCreationOptions { IsServer = false, KeepAliveInterval = TimeSpan.Zero });

            var runtime = Runtime(null, (_, _, _) => Task.FromResult(clientSocket));
            rig._session = new ClassificationSession(runtime, new ClassificationRequest("PN-BENCH"), CancellationToken.None, CancellationToken.None);
            var first = rig._session.NextAsync().AsTask();

            await rig.SendAsync("""0{"sid":"engine-1","upgrades":[],"pingInterval":3600000,"pingTimeout":3600000,"maxPayload":1000000}""").ConfigureAwait(false);
            await rig.ExpectAsync("40").ConfigureAwait(false);
            await rig.SendAsync("""42["connected",{"socket_session_id":"sid-1"}]""").ConfigureAwait(false);
            await rig.SendAsync("""40{"sid":"sid-1"}""").ConfigureAwait(false);
            await rig.ExpectAsync("42[\"join\"").ConfigureAwait(false);
            rig._drain = rig.DrainAsync();
            await rig._server.SendAsync(Frames.ProgressFrameBytes, WebSocketMessageType.Text, true, CancellationToken.None).ConfigureAwait(false);
            await first.ConfigureAwait(false);
            return rig;
        }

        public async ValueTask<ClassificationUpdate> NextAsync()
        {
            await _server.SendAsync(Frames.ProgressFrameBytes.AsMemory(), WebSocketMessageType.Text, true, CancellationToken.None).ConfigureAwait(false);
            return await _session.NextAsync().ConfigureAwait(false);
        }

        public async ValueTask DisposeAsync()
        {
            await _session.DisposeAsync().ConfigureAwait(false);
            _server.Abort();
            _server.Dispose();
            _listener.Stop();
            try
            {
                await _drain.ConfigureAwait(false);
            }
            catch (Exception)
            {
                // The socket was aborted under the drain loop.
            }
        }

        private Task SendAsync(string text) => _server.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, CancellationToken.None);

        private async Task ExpectAsync(string prefix)
        {
            var buffer = new byte[4096];
            var result = await _server.ReceiveAsync(buffer, CancellationToken.None).ConfigureAwait(false);
            var text = Encoding.UTF8.GetString(buffer, 0, result.Count);
            if (!text.StartsWith(prefix, StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"Expected {prefix}…, got {text}");
            }
        }

        private async Task DrainAsync()
        {
            var buffer = new byte[4096];
            while (_server.State == WebSocketState.Open)
            {
                await _server.ReceiveAsync(buffer, CancellationToken.None).ConfigureAwait(false);
            }
        }
    }
}
