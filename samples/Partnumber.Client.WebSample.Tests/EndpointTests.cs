using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;

namespace Partnumber.Client.WebSample.Tests;

/// <summary>The app's HTTP surface without a browser: input checks, the SSE wire format, /health, the embedded default.</summary>
public sealed class EndpointTests
{
    [Theory]
    [InlineData("api/classify")]
    [InlineData("api/classify?partnumber=")]
    [InlineData("api/classify?partnumber=%20%20&manufacturer=ACME")]
    public async Task An_empty_partnumber_is_a_400_naming_the_field_and_no_classification_starts(string url)
    {
        await using var fake = await FakePartnumberServer.StartAsync();
        await using var app = await WebSampleHost.StartAsync(fake.BaseAddress);
        using var http = app.CreateHttpClient();

        using var response = await http.GetAsync(url);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("partnumber is required.", problem.GetProperty("errors").GetProperty("partnumber")[0].GetString());
        Assert.Empty(fake.Journal.Requests);
        Assert.Empty(fake.Journal.Sessions);
    }

    [Theory]
    [InlineData("api/batch", "partnumber")]
    [InlineData("api/batch?partnumber=PN-1&partnumber=%20", "partnumber")]
    [InlineData("api/batch?partnumber=PN-1&concurrency=0", "concurrency")]
    [InlineData("api/batch?partnumber=PN-1&concurrency=33", "concurrency")]
    public async Task An_invalid_batch_is_a_400_naming_the_field(string url, string field)
    {
        await using var fake = await FakePartnumberServer.StartAsync();
        await using var app = await WebSampleHost.StartAsync(fake.BaseAddress);
        using var http = app.CreateHttpClient();

        using var response = await http.GetAsync(url);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
        Assert.Empty(fake.Journal.Requests);
    }

    [Fact]
    public async Task The_stream_is_server_sent_events_progress_then_one_result()
    {
        await using var fake = await FakePartnumberServer.StartAsync();
        fake.ForPartnumber("PN-SSE").Progress("a").Progress("b").Finish("Válvula", new { ncm = "8481.30.00" });
        await using var app = await WebSampleHost.StartAsync(fake.BaseAddress);
        using var http = app.CreateHttpClient();

        var events = await ReadEventsAsync(http, "api/classify?partnumber=PN-SSE&supplier=Sul");

        Assert.Equal(["progress", "progress", "result"], events.Select(e => e.Type));
        Assert.Equal(50, events[0].Data.GetProperty("percent").GetInt32());
        Assert.Equal(100, events[1].Data.GetProperty("percent").GetInt32());
        Assert.Equal("Válvula", events[2].Data.GetProperty("description").GetString());
        Assert.Equal("ncm", events[2].Data.GetProperty("fields")[0].GetProperty("name").GetString());
        Assert.Contains("\"supplier\":\"Sul\"", Assert.Single(fake.Journal.Requests).Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_task_lost_to_a_backend_restart_ends_the_stream_with_one_failure_typed_ClassificationLostException()
    {
        await using var fake = await FakePartnumberServer.StartAsync();
        fake.ForPartnumber("PN-LOST").Progress("a").NeverFinish();
        await using var app = await WebSampleHost.StartAsync(fake.BaseAddress, new Dictionary<string, string?>
        {
            ["Partnumber:LostTaskTimeout"] = "00:00:01",
        });
        using var http = app.CreateHttpClient();

        // The backend restarts once the first progress event reached the stream's reader.
        var events = await ReadEventsAsync(http, "api/classify?partnumber=PN-LOST", onEvent: type =>
        {
            if (type == "progress")
            {
                fake.SimulateRestart();
            }
        });

        Assert.Equal(["progress", "failure"], events.Select(e => e.Type));
        Assert.Equal("ClassificationLostException", events[1].Data.GetProperty("type").GetString());
        Assert.Equal(Assert.Single(fake.Journal.Requests).TaskId, events[1].Data.GetProperty("taskId").GetString());
    }

    [Fact]
    public void Any_other_client_exception_is_a_failure_event_with_its_own_type_and_message()
    {
        var error = ErrorEvent.From(new PartnumberClientException("The server answered 202 without a room_id."));

        Assert.Equal(new ErrorEvent("PartnumberClientException", "The server answered 202 without a room_id.", null, null), error);
    }

    [Fact]
    public async Task Without_a_backend_the_app_starts_the_embedded_fake_and_stops_it_with_the_app()
    {
        Uri embedded;
        await using (var app = await WebSampleHost.StartAsync(backend: null))
        {
            using var http = app.CreateHttpClient();
            var backend = await http.GetFromJsonAsync<JsonElement>("api/backend");
            Assert.True(backend.GetProperty("embedded").GetBoolean());
            embedded = new Uri(backend.GetProperty("baseAddress").GetString()!);
            Assert.True(embedded.IsLoopback);

            var events = await ReadEventsAsync(http, "api/classify?partnumber=PN-EMBEDDED");
            Assert.Equal([.. Enumerable.Repeat("progress", 5), "result"], events.Select(e => e.Type));
            Assert.Equal(["1", "2", "3", "4", "5"], events.SkipLast(1).Select(e => e.Data.GetProperty("current").ToString()));

            var rejected = await ReadEventsAsync(http, "api/classify?partnumber=REJECT-1");
            Assert.Equal("ClassificationRejectedException", Assert.Single(rejected).Data.GetProperty("type").GetString());
            Assert.Equal("failure", rejected[0].Type);

            Assert.Equal("Healthy", await http.GetStringAsync("health"));
        }

        using var probe = new TcpClient();
        await Assert.ThrowsAsync<SocketException>(() => probe.ConnectAsync(embedded.Host, embedded.Port));
    }

    internal static async Task<List<(string Type, JsonElement Data)>> ReadEventsAsync(HttpClient http, string url, Action<string>? onEvent = null)
    {
        using var response = await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead);
        response.EnsureSuccessStatusCode();
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var events = new List<(string, JsonElement)>();
        await foreach (var item in System.Net.ServerSentEvents.SseParser.Create(await response.Content.ReadAsStreamAsync()).EnumerateAsync())
        {
            events.Add((item.EventType, JsonDocument.Parse(item.Data).RootElement.Clone()));
            onEvent?.Invoke(item.EventType);
        }

        return events;
    }
}
