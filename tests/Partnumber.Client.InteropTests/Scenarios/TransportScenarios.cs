using System.Net;
using System.Net.WebSockets;
using System.Text.Json;
using Partnumber.Client.InteropTests.Infrastructure;
using Xunit.Abstractions;

namespace Partnumber.Client.InteropTests.Scenarios;

/// <summary>
/// The deployments added for issue 16, where what the server or proxy does with WebSocket decides the transport: every
/// scenario of <see cref="InteropScenarios{TFixture}"/> with default SDK options, each result checked for the
/// transport the fixture names, and a check, without the SDK, that the deployment really offers and refuses what it
/// claims (so a passing SDK scenario cannot come from a deployment that quietly accepted WebSocket).
/// </summary>
public abstract class TransportScenarios<TFixture> : InteropScenarios<TFixture>
    where TFixture : PeerFixture
{
    protected TransportScenarios(TFixture fixture, ITestOutputHelper output)
        : base(fixture, output)
    {
    }

    [SkippableFact]
    public Task The_deployment_offers_and_refuses_WebSocket_as_it_claims() => RunAsync(async s =>
    {
        var endpoint = new Uri(s.Deployment.BaseAddress, "/socket.io/?EIO=4&transport=");
        var before = await s.Deployment.TransportRequestsAsync();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };

        // A polling handshake: the open packet `0{...}` with the upgrades the server offers.
        var open = await http.GetStringAsync(new Uri(endpoint + "polling"));
        Assert.StartsWith("0{", open, StringComparison.Ordinal);
        using var handshake = JsonDocument.Parse(open[1..]);
        var sid = handshake.RootElement.GetProperty("sid").GetString();
        var upgrades = handshake.RootElement.GetProperty("upgrades").EnumerateArray().Select(e => e.GetString()).ToArray();
        s.Note($"handshake: {open}");
        Assert.Equal(Fixture.OffersWebSocketUpgrade ? ["websocket"] : [], upgrades);

        // Close that session (Engine.IO CLOSE over polling), so it does not count as left open by anyone.
        using (var close = new StringContent("1", System.Text.Encoding.UTF8, "text/plain"))
        using (var closed = await http.PostAsync(new Uri(endpoint + "polling&sid=" + Uri.EscapeDataString(sid!)), close))
        {
            Assert.Equal(HttpStatusCode.OK, closed.StatusCode);
        }

        // A WebSocket handshake, as a WebSocket-only client makes it: 101, or refused with 400.
        using var ws = new ClientWebSocket();
        ws.Options.CollectHttpResponseDetails = true;
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var error = await Record.ExceptionAsync(() => ws.ConnectAsync(new UriBuilder(endpoint + "websocket") { Scheme = "ws" }.Uri, cts.Token));
        s.Note($"WebSocket handshake: HTTP {(int)ws.HttpStatusCode} {error?.Message}");
        if (Fixture.AcceptsWebSocket)
        {
            Assert.Null(error);
            Assert.Equal(HttpStatusCode.SwitchingProtocols, ws.HttpStatusCode);
            await ws.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, cts.Token);
        }
        else
        {
            Assert.IsType<WebSocketException>(error);
            Assert.Equal(HttpStatusCode.BadRequest, ws.HttpStatusCode);
        }

        // The peer counted that attempt: the count the WebSocket-attempt scenario relies on works here.
        var after = await s.Deployment.TransportRequestsAsync();
        Assert.Equal(1, after.WebSocket - before.WebSocket);
        Assert.True(after.Polling - before.Polling >= 2, $"the peer counted {after.Polling - before.Polling} polling request(s), expected the handshake and the close");
    });
}
