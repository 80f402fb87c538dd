using System.Net;
using System.Net.WebSockets;
using Partnumber.Client.Testing.Tests.Support;

namespace Partnumber.Client.Testing.Tests.InMemory;

public class InMemoryModeTests
{
    [Fact]
    public async Task A_full_classification_runs_without_any_port()
    {
        await using var server = await FakePartnumberServer.StartAsync(new() { InMemory = true });
        Assert.Equal(FakePartnumberServer.InMemoryBaseAddress, server.BaseAddress);

        var headers = new Dictionary<string, string> { ["X-Api-Key"] = "k-123" };
        var ws = await server.ConnectWebSocketAsync(new Uri("ws://partnumber-fake.invalid/socket.io/?EIO=4&transport=websocket"), headers, CancellationToken.None);
        await using var client = RawSocketIOClient.Wrap(ws);
        var (sid, before) = await client.HandshakeAsync();
        Assert.Single(before); // connected, before the CONNECT ack

        using var http = new HttpClient(server.CreateHttpMessageHandler()) { BaseAddress = server.BaseAddress };
        var (_, room) = await Http.StartAsync(server.BaseAddress, "PN-MEM-ç", sid, http);
        await client.EmitAsync("join", $"{{\"room_id\":\"{room}\"}}");
        var finished = await client.WaitForEventAsync("classification_finished");
        Assert.Equal("PN-MEM-ç", finished.GetProperty("partnumber").GetString());

        var session = await server.Journal.WaitForConnectedSessionAsync();
        Assert.Equal("k-123", session.Headers["x-api-key"]);
        Assert.Equal("websocket", session.Transport);
    }

    [Fact]
    public async Task The_in_memory_handler_applies_the_same_rest_rules_and_scripts()
    {
        await using var server = await FakePartnumberServer.StartAsync(new() { InMemory = true });
        server.ForPartnumber("PN-429").RespondWith(429, headers: ("Retry-After", "7"));
        using var http = new HttpClient(server.CreateHttpMessageHandler()) { BaseAddress = server.BaseAddress };

        using var blank = await Http.PostJsonAsync(server.BaseAddress, "{\"partnumber\":\" \"}", client: http);
        Assert.Equal(HttpStatusCode.BadRequest, blank.StatusCode);
        using var limited = await Http.PostJsonAsync(server.BaseAddress, "{\"partnumber\":\"PN-429\"}", client: http);
        Assert.Equal((HttpStatusCode)429, limited.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(7), limited.Headers.RetryAfter!.Delta);
        using var missing = await http.GetAsync("elsewhere");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Theory]
    [InlineData("ws://x/socket.io/?transport=websocket")]
    [InlineData("ws://x/socket.io/?EIO=4&transport=polling")]
    [InlineData("ws://x/other/?EIO=4&transport=websocket")]
    [InlineData("ws://x/socket.io/?EIO=4&transport=websocket&sid=unknown")]
    public async Task Bad_handshakes_are_refused_like_a_400(string uri)
    {
        await using var server = await FakePartnumberServer.StartAsync(new() { InMemory = true });
        await Assert.ThrowsAsync<WebSocketException>(() => server.ConnectWebSocketAsync(new Uri(uri), null, CancellationToken.None));
    }

    [Fact]
    public async Task Client_options_are_wired_to_the_in_memory_server()
    {
        await using var server = await FakePartnumberServer.StartAsync(new() { InMemory = true, ClassifyPath = "/v2/classify" });
        var options = server.CreateClientOptions();
        Assert.Equal(server.BaseAddress, options.BaseAddress);
        Assert.Equal("/v2/classify", options.ClassifyPath);
        Assert.NotNull(options.WebSocketFactory);

        // The factory is the server's WebSocket seam: it opens a working Engine.IO connection.
        var ws = await options.WebSocketFactory!(new Uri("ws://partnumber-fake.invalid/socket.io/?EIO=4&transport=websocket"), new Dictionary<string, string>(), CancellationToken.None);
        await using var client = RawSocketIOClient.Wrap(ws);
        await client.HandshakeAsync();

        await using var sdk = server.CreateClient(o => o.ConnectTimeout = TimeSpan.FromSeconds(3));
        Assert.NotNull(sdk);
    }

    [Fact]
    public async Task Kestrel_client_options_use_the_real_address()
    {
        await using var server = await FakePartnumberServer.StartAsync();
        var options = server.CreateClientOptions();
        Assert.Equal(server.BaseAddress, options.BaseAddress);
        Assert.Null(options.WebSocketFactory);
    }

    [Fact]
    public async Task Disposing_the_server_closes_in_memory_connections()
    {
        var server = await FakePartnumberServer.StartAsync(new() { InMemory = true });
        var ws = await server.ConnectWebSocketAsync(new Uri("ws://h/socket.io/?EIO=4&transport=websocket"), null, CancellationToken.None);
        await using var client = RawSocketIOClient.Wrap(ws);
        await client.HandshakeAsync();
        await server.DisposeAsync();
        await client.ClosedByServer.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(0, server.OpenSessionCount);
    }
}
