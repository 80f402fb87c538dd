using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Partnumber.Client.Testing.Journal;
using Partnumber.Client.Testing.Tests.Support;

namespace Partnumber.Client.Testing.Tests.Internal.Backend;

public class ClassifyEndpointTests
{
    [Fact]
    public async Task Accepts_json_with_content_length_and_answers_202_with_task_and_room()
    {
        await using var server = await FakePartnumberServer.StartAsync();
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(server.BaseAddress, "classify-partnumber"))
        {
            Content = new StringContent("{\"partnumber\":\"PN-1\",\"description\":\"Parafuso sextavado\"}", Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("X-Api-Key", "secret");
        using var response = await Http.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.False(string.IsNullOrEmpty(doc.RootElement.GetProperty("message").GetString()));
        var taskId = doc.RootElement.GetProperty("task_id").GetString();
        var roomId = doc.RootElement.GetProperty("room_id").GetString();

        var recorded = Assert.Single(await server.Journal.WaitForRequestsAsync(1));
        Assert.Equal("POST", recorded.Method);
        Assert.Equal("/classify-partnumber", recorded.Path);
        Assert.Equal("secret", recorded.Headers["x-api-key"]);
        Assert.Contains("Parafuso sextavado", recorded.Body);
        Assert.Equal(202, recorded.StatusCode);
        Assert.Equal("PN-1", recorded.Partnumber);
        Assert.Equal(taskId, recorded.TaskId);
        Assert.Equal(roomId, recorded.RoomId);
    }

    [Fact]
    public async Task Accepts_chunked_json()
    {
        await using var server = await FakePartnumberServer.StartAsync();
        var content = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes("{\"partnumber\":\"PN-CHUNKED\"}")));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(server.BaseAddress, "classify-partnumber")) { Content = content };
        request.Headers.TransferEncodingChunked = true;
        using var response = await Http.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var recorded = Assert.Single(server.Journal.Requests);
        Assert.Equal("chunked", recorded.Headers["Transfer-Encoding"]);
        Assert.Equal("PN-CHUNKED", recorded.Partnumber);
    }

    [Theory]
    [InlineData("{\"partnumber\":\"\"}")]
    [InlineData("{\"partnumber\":\"   \"}")]
    [InlineData("{\"description\":\"no partnumber\"}")]
    [InlineData("{\"partnumber\":42}")]
    [InlineData("[\"PN-1\"]")]
    [InlineData("not json at all")]
    [InlineData("{\"partnumber\":")]
    public async Task Bad_bodies_get_400_with_a_json_error(string body)
    {
        await using var server = await FakePartnumberServer.StartAsync();
        using var response = await Http.PostJsonAsync(server.BaseAddress, body);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType!.MediaType);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.False(string.IsNullOrEmpty(doc.RootElement.GetProperty("error").GetString()));
        Assert.Equal(400, server.Journal.Requests.Single().StatusCode);
    }

    [Fact]
    public async Task Wrong_content_type_gets_415()
    {
        await using var server = await FakePartnumberServer.StartAsync();
        using var response = await Http.Client.PostAsync(new Uri(server.BaseAddress, "classify-partnumber"), new StringContent("{\"partnumber\":\"PN-1\"}", Encoding.UTF8, "text/plain"));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
    }

    [Fact]
    public async Task The_path_is_configurable()
    {
        await using var server = await FakePartnumberServer.StartAsync(new() { ClassifyPath = "/api/v2/classify" });
        using var old = await Http.PostJsonAsync(server.BaseAddress, "{\"partnumber\":\"PN-1\"}");
        Assert.Equal(HttpStatusCode.NotFound, old.StatusCode);
        using var response = await Http.PostJsonAsync(server.BaseAddress, "{\"partnumber\":\"PN-1\"}", "api/v2/classify");
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    [Fact]
    public async Task Without_a_join_events_wait_and_then_reach_the_joined_client()
    {
        await using var server = await FakePartnumberServer.StartAsync();
        var (client, sid, _) = await RawSocketIOClient.ConnectAsync(server.BaseAddress);
        await using var _c = client;
        var (_, room) = await Http.StartAsync(server.BaseAddress, "PN-WAIT", sid);

        // The task waits for the join: nothing is emitted (and so nothing is lost) before it.
        Assert.DoesNotContain(server.Journal.Events, e => e.Room == room);
        await client.EmitAsync("join", $"{{\"room_id\":\"{room}\"}}");
        await client.WaitForEventAsync("classification_finished");
        var emitted = server.Journal.Events.Where(e => e.Direction == EventDirection.Emitted && e.Room == room).ToList();
        Assert.Equal(4, emitted.Count);
        Assert.All(emitted, e => Assert.Equal(1, e.Recipients));
    }

    [Fact]
    public async Task Auto_join_puts_the_socket_named_in_the_body_into_the_room()
    {
        await using var server = await FakePartnumberServer.StartAsync(new() { AutoJoin = true });
        var (client, sid, _) = await RawSocketIOClient.ConnectAsync(server.BaseAddress);
        await using var _c = client;
        await Http.StartAsync(server.BaseAddress, "PN-AUTO", sid);
        var finished = await client.WaitForEventAsync("classification_finished");
        Assert.Equal("PN-AUTO", finished.GetProperty("partnumber").GetString());
    }

    [Fact]
    public async Task Auto_join_is_off_by_default()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        await using var server = await FakePartnumberServer.StartAsync(new() { TimeProvider = time, JoinTimeout = TimeSpan.FromSeconds(5) });
        var (client, sid, _) = await RawSocketIOClient.ConnectAsync(server.BaseAddress);
        await using var _c = client;
        var (_, room) = await Http.StartAsync(server.BaseAddress, "PN-NOAUTO", sid);
        time.Advance(TimeSpan.FromSeconds(5)); // join timeout: the task emits into an empty room
        var finished = await server.Journal.WaitForFinishedAsync(room);
        Assert.Equal(0, finished.Recipients);
    }

    [Fact]
    public async Task Cors_answers_preflights_and_tags_responses_for_allowed_origins_only()
    {
        await using var server = await FakePartnumberServer.StartAsync(new() { CorsAllowedOrigins = ["http://localhost:3000"] });
        using var preflight = new HttpRequestMessage(HttpMethod.Options, new Uri(server.BaseAddress, "classify-partnumber"));
        preflight.Headers.Add("Origin", "http://localhost:3000");
        preflight.Headers.Add("Access-Control-Request-Method", "POST");
        preflight.Headers.Add("Access-Control-Request-Headers", "content-type,x-api-key");
        using var answer = await Http.Client.SendAsync(preflight);
        Assert.Equal(HttpStatusCode.NoContent, answer.StatusCode);
        Assert.Equal("http://localhost:3000", answer.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.Equal("content-type,x-api-key", answer.Headers.GetValues("Access-Control-Allow-Headers").Single());

        using var post = new HttpRequestMessage(HttpMethod.Post, new Uri(server.BaseAddress, "classify-partnumber"))
        {
            Content = new StringContent("{\"partnumber\":\"PN-1\"}", Encoding.UTF8, "application/json"),
        };
        post.Headers.Add("Origin", "http://localhost:3000");
        using var accepted = await Http.Client.SendAsync(post);
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        Assert.Equal("http://localhost:3000", accepted.Headers.GetValues("Access-Control-Allow-Origin").Single());

        using var other = new HttpRequestMessage(HttpMethod.Get, new Uri(server.BaseAddress, "socket.io/?EIO=4&transport=polling"));
        other.Headers.Add("Origin", "http://evil.example");
        using var notAllowed = await Http.Client.SendAsync(other);
        Assert.False(notAllowed.Headers.Contains("Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task No_cors_headers_by_default()
    {
        await using var server = await FakePartnumberServer.StartAsync();
        using var post = new HttpRequestMessage(HttpMethod.Post, new Uri(server.BaseAddress, "classify-partnumber"))
        {
            Content = new StringContent("{\"partnumber\":\"PN-1\"}", Encoding.UTF8, "application/json"),
        };
        post.Headers.Add("Origin", "http://localhost:3000");
        using var accepted = await Http.Client.SendAsync(post);
        Assert.False(accepted.Headers.Contains("Access-Control-Allow-Origin"));
    }
}
