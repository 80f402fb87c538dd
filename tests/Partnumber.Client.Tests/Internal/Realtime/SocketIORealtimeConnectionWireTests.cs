using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Partnumber.Client.Tests.TestDoubles;

namespace Partnumber.Client.Tests.Internal.Realtime;

/// <summary>
/// The realtime layer (SocketIOClient on the SDK's own WebSocket) against a hand-driven Engine.IO v4 / Socket.IO v5
/// peer on loopback: what the SDK does with each frame a server may send.
/// </summary>
public sealed class SocketIORealtimeConnectionWireTests : IAsyncDisposable
{
    private readonly WireLevelSocketServer _server = new();
    private readonly StubHttpHandler _http = new((_, _) => StubHttpHandler.Accepted("room-1", "task-1"));
    private readonly HttpClient _httpClient;

    public SocketIORealtimeConnectionWireTests() => _httpClient = new HttpClient(_http);

    public async ValueTask DisposeAsync()
    {
        _httpClient.Dispose();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task After_the_result_the_client_sends_a_close_frame_and_completes_the_close_handshake()
    {
        await using var client = CreateClient(o => o.ReuseConnections = false);
        var running = client.ClassifyAndWaitAsync(new ClassificationRequest("PN-1"));
        await using var peer = await _server.AcceptAsync();
        await peer.OpenAsync();
        await peer.ExpectAsync("40");
        await peer.SendAsync("""40{"sid":"S-1"}""");
        await peer.ExpectAsync("42");
        await peer.SendAsync("""42["classification_finished",{"status":"done"}]""");
        await running;

        while (await peer.ReceiveAsync() is not null)
        {
        }

        Assert.Equal(System.Net.WebSockets.WebSocketState.CloseReceived, peer.Socket.State);
        Assert.Equal(System.Net.WebSockets.WebSocketCloseStatus.NormalClosure, peer.Socket.CloseStatus);
        await peer.Socket.CloseOutputAsync(System.Net.WebSockets.WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
        Assert.Equal(System.Net.WebSockets.WebSocketState.Closed, peer.Socket.State);
    }

    [Fact]
    public async Task Connected_event_before_the_connect_ack_is_handled_and_its_session_id_is_posted()
    {
        await using var client = CreateClient(o =>
        {
            o.Headers["Authorization"] = "Bearer t0ken";
            o.ReuseConnections = false;
        });
        var running = client.ClassifyAndWaitAsync(new ClassificationRequest("PN-1"));
        await using var peer = await _server.AcceptAsync();

        Assert.StartsWith("/socket.io/?EIO=4&transport=websocket", peer.Target);
        Assert.Equal("Bearer t0ken", peer.Headers["authorization"]);
        await peer.OpenAsync();
        Assert.Equal("40", await peer.ExpectAsync("40"));
        await peer.SendAsync("""42["connected",{"socket_session_id":"S-announced"}]""");
        await peer.SendAsync("""40{"sid":"S-namespace"}""");
        Assert.Equal("""42["join",{"room_id":"room-1"}]""", await peer.ExpectAsync("42"));
        await peer.SendAsync("""42["classification_update_status",{"current":"1","total":"2","status":"processing","message":"Passo 1"}]""");
        await peer.SendAsync("""42["classification_finished",{"partnumber":"PN-1","description":"Válvula","status":"done"}]""");

        var result = await running;
        Assert.Equal("Válvula", result.Description);
        var (_, body) = Assert.Single(_http.Requests);
        Assert.Equal("S-announced", JsonDocument.Parse(body).RootElement.GetProperty("socket_session_id").GetString());
        await peer.WaitForCloseAsync(); // the SDK closes the socket once the result is in
    }

    [Fact]
    public async Task Auth_fields_ride_in_the_namespace_connect_packet()
    {
        await using var client = CreateClient(o => o.Auth["token"] = "s3cr\"et");
        var running = client.ClassifyAndWaitAsync(new ClassificationRequest("PN-1"));
        await using var peer = await _server.AcceptAsync();
        await peer.OpenAsync();

        var connect = await peer.ExpectAsync("40");
        Assert.Equal("s3cr\"et", JsonDocument.Parse(connect[2..]).RootElement.GetProperty("token").GetString());

        await peer.SendAsync("""40{"sid":"S"}""");
        await peer.ExpectAsync("42[\"join\"");
        await peer.SendAsync("""42["classification_finished",{"status":"done"}]""");
        await running;
    }

    [Fact]
    public async Task Without_a_connected_event_the_namespace_sid_is_posted()
    {
        await using var client = CreateClient();
        var running = client.ClassifyAndWaitAsync(new ClassificationRequest("PN-1"));
        await using var peer = await _server.AcceptAsync();
        await ConnectNamespaceAsync(peer, announce: false);
        await peer.ExpectAsync("42[\"join\"");
        await peer.SendAsync("""42["classification_finished",{"status":"done"}]""");

        await running;

        var (_, body) = Assert.Single(_http.Requests);
        Assert.Equal("S-namespace", JsonDocument.Parse(body).RootElement.GetProperty("socket_session_id").GetString());
    }

    [Fact]
    public async Task A_connect_error_packet_fails_fast_with_the_servers_message()
    {
        await using var client = CreateClient();
        var running = client.ClassifyAndWaitAsync(new ClassificationRequest("PN-1"));
        await using var peer = await _server.AcceptAsync();
        await peer.OpenAsync();
        await peer.ExpectAsync("40");
        await peer.SendAsync("""44{"message":"Not authorized"}""");

        var error = await Assert.ThrowsAsync<PartnumberAuthenticationException>(() => running);

        Assert.Contains("Not authorized", error.Message);
        Assert.Equal("Not authorized", error.ServerMessage);
        Assert.Null(error.StatusCode);
        Assert.Empty(_http.Requests);
    }

    [Fact]
    public async Task Malformed_packets_are_ignored_and_the_classification_still_finishes()
    {
        await using var client = CreateClient();
        var running = client.ClassifyAndWaitAsync(new ClassificationRequest("PN-1"));
        await using var peer = await _server.AcceptAsync();
        await ConnectNamespaceAsync(peer);
        await peer.ExpectAsync("42[\"join\"");
        await peer.SendAsync("42[\"classification_update_status\",{\"current\":");
        await peer.SendAsync("42{\"not\":\"an array\"}");
        await peer.SendAsync("9garbage");
        await peer.SendAsync("""42["classification_update_status",[1,2]]""");
        await peer.SendAsync("""42["classification_finished",{"status":"done","partnumber":"PN-1"}]""");

        var result = await running;

        Assert.Equal(ClassificationStatus.Done, result.Status);
    }

    [Fact]
    public async Task Server_pings_are_answered_with_pongs()
    {
        await using var client = CreateClient();
        var running = client.ClassifyAndWaitAsync(new ClassificationRequest("PN-1"));
        await using var peer = await _server.AcceptAsync();
        await ConnectNamespaceAsync(peer);
        await peer.ExpectAsync("42[\"join\"");

        await peer.SendAsync("2");
        Assert.Equal("3", await peer.ExpectAsync("3"));

        await peer.SendAsync("""42["classification_finished",{"status":"done"}]""");
        await running;
    }

    [Fact]
    public async Task A_server_that_stops_pinging_is_declared_dead_after_pingInterval_plus_pingTimeout()
    {
        var time = new FakeTimeProvider();
        await using var client = CreateClient(o => { o.TimeProvider = time; o.ReconnectPolicy = PartnumberReconnectPolicy.None; });
        var progressed = new TaskCompletionSource();
        var running = client.ClassifyAndWaitAsync(new ClassificationRequest("PN-1"), new InlineProgress(_ => progressed.TrySetResult()));
        await using var peer = await _server.AcceptAsync();
        await ConnectNamespaceAsync(peer, pingInterval: 1000, pingTimeout: 500);
        await peer.ExpectAsync("42[\"join\"");
        await peer.SendAsync("""42["classification_update_status",{"current":"1","total":"4"}]""");
        await progressed.Task;

        time.Advance(TimeSpan.FromMilliseconds(1499));
        Assert.False(running.IsCompleted);
        time.Advance(TimeSpan.FromMilliseconds(2));

        var error = await Assert.ThrowsAsync<PartnumberConnectionException>(() => running);
        Assert.Contains("no Engine.IO ping", error.Message);
        Assert.Contains("1500 ms", error.Message);
        Assert.Contains("1 of 4", error.Message);
    }

    [Fact]
    public async Task Without_reconnection_a_namespace_disconnect_mid_task_surfaces_as_a_lost_connection()
    {
        await using var client = CreateClient(o => o.ReconnectPolicy = PartnumberReconnectPolicy.None);
        var running = client.ClassifyAndWaitAsync(new ClassificationRequest("PN-1"));
        await using var peer = await _server.AcceptAsync();
        await ConnectNamespaceAsync(peer);
        await peer.ExpectAsync("42[\"join\"");
        await peer.SendAsync("41");

        var error = await Assert.ThrowsAsync<PartnumberConnectionException>(() => running);

        Assert.Contains("disconnected", error.Message);
    }

    [Fact]
    public async Task Without_reconnection_a_transport_abort_mid_task_surfaces_as_a_lost_connection()
    {
        await using var client = CreateClient(o => o.ReconnectPolicy = PartnumberReconnectPolicy.None);
        var running = client.ClassifyAndWaitAsync(new ClassificationRequest("PN-1"));
        var peer = await _server.AcceptAsync();
        await ConnectNamespaceAsync(peer);
        await peer.ExpectAsync("42[\"join\"");
        await peer.DisposeAsync();

        await Assert.ThrowsAsync<PartnumberConnectionException>(() => running);
    }

    [Theory]
    [InlineData("namespace disconnect")]
    [InlineData("transport abort")]
    [InlineData("engine.io close packet")]
    public async Task A_socket_dropped_mid_task_reconnects_joins_the_same_room_and_the_stream_goes_on(string how)
    {
        var reconnects = new List<PartnumberReconnectContext>();
        await using var client = CreateClient(o => o.OnReconnecting = reconnects.Add);
        var updates = new List<ClassificationUpdate>();
        var running = Task.Run(async () =>
        {
            await foreach (var update in client.ClassifyAsync(new ClassificationRequest("PN-1")))
            {
                updates.Add(update);
            }
        });
        var first = await _server.AcceptAsync();
        await ConnectNamespaceAsync(first);
        Assert.Equal("""42["join",{"room_id":"room-1"}]""", await first.ExpectAsync("42"));
        await first.SendAsync("""42["classification_update_status",{"current":"1","total":"2"}]""");
        if (how == "namespace disconnect")
        {
            await first.SendAsync("41");
        }
        else if (how == "engine.io close packet")
        {
            await first.SendAsync("1"); // and keep the WebSocket open, as python-engineio may
        }
        else
        {
            await first.DisposeAsync();
        }

        await using var second = await _server.AcceptAsync();
        await ConnectNamespaceAsync(second);
        Assert.Equal("""42["join",{"room_id":"room-1"}]""", await second.ExpectAsync("42"));
        await second.SendAsync("""42["classification_update_status",{"current":"2","total":"2"}]""");
        await second.SendAsync("""42["classification_finished",{"status":"done"}]""");
        await running;

        Assert.Equal(new int?[] { 1, 2, 2 }, updates.Select(u => u.Current));
        Assert.True(updates[^1].IsFinal);
        var context = Assert.Single(reconnects);
        Assert.Equal((1, "room-1", "task-1"), (context.Attempt, context.RoomId, context.TaskId));
        Assert.Single(_http.Requests); // the task is not posted again
        await first.DisposeAsync();
    }

    [Fact]
    public async Task A_silent_endpoint_fails_with_PartnumberConnectionException_at_the_connect_timeout()
    {
        var time = new FakeTimeProvider();
        await using var client = CreateClient(o => { o.TimeProvider = time; o.ConnectTimeout = TimeSpan.FromSeconds(3); });
        var running = client.ClassifyAndWaitAsync(new ClassificationRequest("PN-1"));
        await using var peer = await _server.AcceptAsync(); // upgraded, but never sends the open packet

        time.Advance(TimeSpan.FromSeconds(3));

        var error = await Assert.ThrowsAsync<PartnumberConnectionException>(() => running);
        Assert.Contains("within 3 s", error.Message);
        Assert.Empty(_http.Requests);
        await peer.WaitForCloseAsync();
    }

    [Fact]
    public async Task A_refused_endpoint_fails_with_PartnumberConnectionException()
    {
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var options = new PartnumberClassificationClientOptions { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        await using var client = new PartnumberClassificationClient(_httpClient, options);

        var error = await Assert.ThrowsAsync<PartnumberConnectionException>(() => client.ClassifyAndWaitAsync(new ClassificationRequest("PN-1")));

        Assert.Contains($"127.0.0.1:{port}", error.Message);
        Assert.Empty(_http.Requests);
    }

    [Fact]
    public async Task PingAsync_emits_ping_event_and_returns_when_pong_event_arrives()
    {
        await using var client = CreateClient();
        var ping = client.PingAsync();
        await using var peer = await _server.AcceptAsync();
        await ConnectNamespaceAsync(peer);
        Assert.Equal("""42["ping_event",{}]""", await peer.ExpectAsync("42"));
        await peer.SendAsync("""42["pong_event",{"message":"pong"}]""");

        Assert.True(await ping >= TimeSpan.Zero);
        await client.DisposeAsync(); // the connection went back to the pool: disposing the client closes it
        await peer.WaitForCloseAsync();
    }

    [Fact]
    public async Task A_path_on_the_socket_address_becomes_part_of_the_socket_io_path_not_a_namespace()
    {
        await using var client = CreateClient(o => { o.SocketAddress = new Uri(_server.BaseAddress, "/realtime/"); o.SocketIOPath = "/sio"; });
        var running = client.ClassifyAndWaitAsync(new ClassificationRequest("PN-1"));
        await using var peer = await _server.AcceptAsync();

        Assert.StartsWith("/realtime/sio/?EIO=4&transport=websocket", peer.Target);
        await ConnectNamespaceAsync(peer);
        await peer.ExpectAsync("42[\"join\"");
        await peer.SendAsync("""42["classification_finished",{"status":"done"}]""");
        await running;
    }

    [Fact]
    public async Task The_WebSocketFactory_seam_receives_the_engine_io_uri_and_headers()
    {
        Uri? seenUri = null;
        IReadOnlyDictionary<string, string>? seenHeaders = null;
        await using var client = CreateClient(o =>
        {
            o.Headers["X-Tenant"] = "acme";
            o.WebSocketFactory = async (uri, headers, ct) =>
            {
                (seenUri, seenHeaders) = (uri, headers);
                var socket = new System.Net.WebSockets.ClientWebSocket();
                await socket.ConnectAsync(uri, ct);
                return socket;
            };
        });
        var running = client.ClassifyAndWaitAsync(new ClassificationRequest("PN-1"));
        await using var peer = await _server.AcceptAsync();
        await ConnectNamespaceAsync(peer);
        await peer.ExpectAsync("42[\"join\"");
        await peer.SendAsync("""42["classification_finished",{"status":"done"}]""");
        await running;

        Assert.Equal($"ws://127.0.0.1:{_server.BaseAddress.Port}/socket.io/?EIO=4&transport=websocket", seenUri!.ToString());
        Assert.Equal("acme", seenHeaders!["X-Tenant"]);
    }

    private static async Task ConnectNamespaceAsync(WirePeer peer, bool announce = true, int pingInterval = 25000, int pingTimeout = 20000)
    {
        await peer.OpenAsync(pingInterval, pingTimeout);
        await peer.ExpectAsync("40");
        if (announce)
        {
            await peer.SendAsync("""42["connected",{"socket_session_id":"S-namespace"}]""");
        }

        await peer.SendAsync("""40{"sid":"S-namespace"}""");
    }

    private PartnumberClassificationClient CreateClient(Action<PartnumberClassificationClientOptions>? configure = null)
    {
        var options = new PartnumberClassificationClientOptions { BaseAddress = _server.BaseAddress };
        configure?.Invoke(options);
        return new PartnumberClassificationClient(_httpClient, options);
    }
}
