using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Partnumber.Client.Testing.Tests.Support;

/// <summary>
/// A deliberately small Engine.IO long-polling client over an <see cref="HttpClient"/> (Kestrel or the in-memory handler),
/// for asserting exactly what the fake answers. No background loop: the test decides when to GET and POST.
/// </summary>
public sealed class RawPollingClient
{
    private readonly HttpClient _http;
    private readonly Uri _baseAddress;

    public RawPollingClient(Uri baseAddress, HttpClient? http = null)
    {
        _baseAddress = baseAddress;
        _http = http ?? Http.Client;
    }

    public string Sid { get; private set; } = "";

    public JsonElement Open { get; private set; }

    public Uri Url(string? sid = null, string transport = "polling")
        => new(_baseAddress, "socket.io/?EIO=4&transport=" + transport + (sid is null ? "" : "&sid=" + sid));

    /// <summary>The handshake GET: returns the open packet's JSON and keeps the sid.</summary>
    public async Task<JsonElement> HandshakeAsync()
    {
        var body = await _http.GetStringAsync(Url());
        Assert.StartsWith("0{", body);
        using var doc = JsonDocument.Parse(body.AsSpan(1).ToString());
        Open = doc.RootElement.Clone();
        Sid = Open.GetProperty("sid").GetString()!;
        return Open;
    }

    /// <summary>Handshake, namespace CONNECT, and the GET that returns <c>connected</c> and <c>40{"sid"}</c>. Returns the Socket.IO sid.</summary>
    public async Task<string> ConnectAsync()
    {
        await HandshakeAsync();
        await PostAsync("40");
        var packets = await GetAsync();
        var ack = packets.Single(p => p.StartsWith("40{", StringComparison.Ordinal));
        using var doc = JsonDocument.Parse(ack.AsSpan(2).ToString());
        return doc.RootElement.GetProperty("sid").GetString()!;
    }

    public async Task PostAsync(string payload)
    {
        using var response = await _http.PostAsync(Url(Sid), new StringContent(payload, Encoding.UTF8, "text/plain"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("ok", await response.Content.ReadAsStringAsync());
    }

    public Task EmitAsync(string eventName, string payloadJson) => PostAsync($"42[\"{eventName}\",{payloadJson}]");

    /// <summary>One long-poll GET: the packets it returned (pings are answered and left in the list).</summary>
    public async Task<string[]> GetAsync(CancellationToken cancellationToken = default)
    {
        using var response = await _http.GetAsync(Url(Sid), cancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var packets = (await response.Content.ReadAsStringAsync(cancellationToken)).Split('\u001e');
        if (packets.Contains("2"))
        {
            await PostAsync("3");
        }

        return packets;
    }

    /// <summary>GETs until an event named <paramref name="eventName"/> arrives; returns every event seen up to it, in order.</summary>
    public async Task<List<(string Name, JsonElement Payload)>> ReadEventsUntilAsync(string eventName)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var events = new List<(string, JsonElement)>();
        while (true)
        {
            foreach (var packet in await GetAsync(cts.Token))
            {
                if (RawSocketIOClient.TryParseEvent(packet, out var name, out var payload))
                {
                    events.Add((name, payload));
                    if (name == eventName)
                    {
                        return events;
                    }
                }
            }
        }
    }

    /// <summary>A WebSocket handshake sent as plain HTTP (Connection: Upgrade), so a refusal's status, headers and body can be read.</summary>
    public static HttpRequestMessage WebSocketHandshake(Uri url)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Connection.Add("Upgrade");
        request.Headers.Upgrade.Add(new ProductHeaderValue("websocket"));
        request.Headers.Add("Sec-WebSocket-Version", "13");
        request.Headers.Add("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==");
        return request;
    }
}
