using System.Net;
using Microsoft.Extensions.Time.Testing;
using Partnumber.Client.Tests.TestDoubles;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;

namespace Partnumber.Client.Tests.Internal.Http;

/// <summary>HTTP edge cases against a real HTTP server (WireMock.Net); the realtime side is in memory.</summary>
public sealed class ClassificationApiWireMockTests : IDisposable
{
    private readonly WireMockServer _server = WireMockServer.Start();
    private readonly HttpClient _http = new();
    private readonly ScriptedRealtimeConnector _connector = new();

    public ClassificationApiWireMockTests()
    {
        _connector.OnJoin = (connection, _) => connection.Push("classification_finished", """{"status":"done"}""");
    }

    public void Dispose()
    {
        _http.Dispose();
        _server.Stop();
        _server.Dispose();
    }

    [Fact]
    public async Task The_post_reaches_a_real_server_with_content_length_not_chunked()
    {
        Respond(Response.Create().WithStatusCode(202).WithBody("""{"message":"ok","task_id":"t","room_id":"r"}"""));
        await using var client = CreateClient();

        await client.ClassifyAndWaitAsync(new ClassificationRequest("PN-ç") { Description = "Descrição", Supplier = "S" });

        var entry = Assert.Single(_server.LogEntries);
        Assert.Equal("POST", entry.RequestMessage.Method);
        Assert.True(entry.RequestMessage.Headers!.ContainsKey("Content-Length"));
        Assert.False(entry.RequestMessage.Headers.ContainsKey("Transfer-Encoding"));
        Assert.StartsWith("application/json", entry.RequestMessage.Headers["Content-Type"].Single());
        Assert.Contains("\"description\":\"Descri", entry.RequestMessage.Body);
        var body = System.Text.Json.JsonDocument.Parse(entry.RequestMessage.Body!).RootElement;
        Assert.Equal("PN-ç", body.GetProperty("partnumber").GetString());
        Assert.Equal("Descrição", body.GetProperty("description").GetString());
        Assert.False(body.TryGetProperty("manufacturer", out _));
    }

    [Fact]
    public async Task An_html_500_page_becomes_ClassificationRejectedException_with_the_page()
    {
        const string page = "<!doctype html><html><head><title>500 Internal Server Error</title></head><body><h1>Internal Server Error</h1></body></html>";
        Respond(Response.Create().WithStatusCode(500).WithHeader("Content-Type", "text/html").WithBody(page));
        await using var client = CreateClient();

        var error = await Assert.ThrowsAsync<ClassificationRejectedException>(() => client.ClassifyAndWaitAsync(new ClassificationRequest("PN-1")));

        Assert.Equal(HttpStatusCode.InternalServerError, error.StatusCode);
        Assert.Equal(page, error.ResponseBody);
    }

    [Fact]
    public async Task A_422_json_error_carries_its_body()
    {
        Respond(Response.Create().WithStatusCode(422).WithHeader("Content-Type", "application/json").WithBody("""{"error":"partnumber must be alphanumeric"}"""));
        await using var client = CreateClient();

        var error = await Assert.ThrowsAsync<ClassificationRejectedException>(() => client.ClassifyAndWaitAsync(new ClassificationRequest("PN-1")));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, error.StatusCode);
        Assert.Contains("alphanumeric", error.ResponseBody);
        Assert.Contains("alphanumeric", error.Message);
    }

    [Fact]
    public async Task A_202_without_room_id_is_reported_as_such()
    {
        Respond(Response.Create().WithStatusCode(202).WithBody("""{"message":"accepted","task_id":"t1"}"""));
        await using var client = CreateClient();

        var error = await Assert.ThrowsAsync<PartnumberProtocolException>(() => client.ClassifyAndWaitAsync(new ClassificationRequest("PN-1")));

        Assert.Contains("no room_id", error.Message);
        Assert.Equal("""{"message":"accepted","task_id":"t1"}""", error.ServerText);
        Assert.Equal(ClassificationPhase.Posting, error.Phase);
    }

    [Theory]
    [InlineData("utf-8")]
    [InlineData("utf-8-bom")]
    [InlineData("utf-16")]
    public async Task A_202_body_is_read_in_any_encoding_its_byte_order_mark_names(string encoding)
    {
        const string json = """{"message":"Seu pedido de classificação foi aceito","task_id":"t-ç","room_id":"sala-ç"}""";
        var bytes = encoding switch
        {
            "utf-8" => System.Text.Encoding.UTF8.GetBytes(json),
            "utf-8-bom" => [.. System.Text.Encoding.UTF8.GetPreamble(), .. System.Text.Encoding.UTF8.GetBytes(json)],
            _ => [.. System.Text.Encoding.Unicode.GetPreamble(), .. System.Text.Encoding.Unicode.GetBytes(json)],
        };
        Respond(Response.Create().WithStatusCode(202).WithHeader("Content-Type", "application/json").WithBody(bytes));
        await using var client = CreateClient();

        var result = await client.ClassifyAndWaitAsync(new ClassificationRequest("PN-1"));

        Assert.Equal(("t-ç", "sala-ç"), (result.TaskId, result.RoomId));
    }

    [Fact]
    public async Task A_202_body_larger_than_the_read_buffer_is_read_whole()
    {
        var padding = new string('x', 100_000);
        Respond(Response.Create().WithStatusCode(202).WithBody($$"""{"message":"{{padding}}","task_id":"t","room_id":"r-large"}"""));
        await using var client = CreateClient();

        var result = await client.ClassifyAndWaitAsync(new ClassificationRequest("PN-1"));

        Assert.Equal("r-large", result.RoomId);
    }

    [Fact]
    public async Task A_202_with_malformed_json_is_reported_with_the_body()
    {
        Respond(Response.Create().WithStatusCode(202).WithBody("{\"room_id\": \"r1\""));
        await using var client = CreateClient();

        var error = await Assert.ThrowsAsync<PartnumberProtocolException>(() => client.ClassifyAndWaitAsync(new ClassificationRequest("PN-1")));

        Assert.Contains("not JSON", error.Message);
        Assert.Contains("{\"room_id\": \"r1\"", error.Message);
    }

    [Fact]
    public async Task A_slow_202_is_abandoned_when_the_classification_timeout_elapses()
    {
        var time = new FakeTimeProvider();
        Respond(Response.Create().WithStatusCode(202).WithBody("""{"task_id":"t","room_id":"r"}""").WithDelay(TimeSpan.FromSeconds(30)));
        var sent = new TaskCompletionSource();
        using var http = new HttpClient(new SignalingHandler(sent));
        var options = new PartnumberClassificationClientOptions { BaseAddress = new Uri(_server.Url!), TimeProvider = time, ClassificationTimeout = TimeSpan.FromSeconds(2) };
        await using var client = new PartnumberClassificationClient(http, options, ownsHttpClient: false, _connector);

        var running = client.ClassifyAndWaitAsync(new ClassificationRequest("PN-1"));
        await sent.Task;
        time.Advance(TimeSpan.FromSeconds(2));

        var error = await Assert.ThrowsAsync<ClassificationTimeoutException>(() => running);
        Assert.Contains("POST", error.Message);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Without_DI_owned_and_supplied_http_clients_both_retry_a_503_safely(bool owned)
    {
        _server.Given(Request.Create().WithPath("/classify-partnumber").UsingPost()).InScenario("busy").WillSetStateTo("ready")
            .RespondWith(Response.Create().WithStatusCode(503).WithHeader("Retry-After", "0"));
        _server.Given(Request.Create().WithPath("/classify-partnumber").UsingPost()).InScenario("busy").WhenStateIs("ready")
            .RespondWith(Response.Create().WithStatusCode(202).WithBody("""{"task_id":"t","room_id":"r"}"""));
        var options = new PartnumberClassificationClientOptions { BaseAddress = new Uri(_server.Url!) };
        await using var client = new PartnumberClassificationClient(owned ? null : _http, options, ownsHttpClient: owned, _connector);

        var result = await client.ClassifyAndWaitAsync(new ClassificationRequest("PN-1"));

        Assert.Equal("r", result.RoomId);
        Assert.Equal(2, _server.LogEntries.Count());
    }

    [Fact]
    public async Task HttpRetryPolicy_replaces_the_default_for_example_to_disable_retries()
    {
        Respond(Response.Create().WithStatusCode(503).WithHeader("Retry-After", "0"));
        await using var client = CreateClient(o => o.HttpRetryPolicy = Polly.Policy.NoOpAsync<HttpResponseMessage>());

        var error = await Assert.ThrowsAsync<ClassificationRejectedException>(() => client.ClassifyAndWaitAsync(new ClassificationRequest("PN-1")));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, error.StatusCode);
        Assert.Single(_server.LogEntries);
    }

    [Fact]
    public async Task A_refused_http_connection_is_a_PartnumberConnectionException()
    {
        var port = _server.Ports[0];
        _server.Stop();
        await using var client = new PartnumberClassificationClient(_http, new PartnumberClassificationClientOptions { BaseAddress = new Uri($"http://127.0.0.1:{port}") }, ownsHttpClient: false, _connector);

        var error = await Assert.ThrowsAsync<PartnumberConnectionException>(() => client.ClassifyAndWaitAsync(new ClassificationRequest("PN-1")));

        Assert.Contains($"127.0.0.1:{port}", error.Message);
        Assert.IsAssignableFrom<HttpRequestException>(error.InnerException);
    }

    private void Respond(IResponseBuilder response)
        => _server.Given(Request.Create().WithPath("/classify-partnumber").UsingPost()).RespondWith(response);

    private PartnumberClassificationClient CreateClient(Action<PartnumberClassificationClientOptions>? configure = null)
    {
        var options = new PartnumberClassificationClientOptions { BaseAddress = new Uri(_server.Url!) };
        configure?.Invoke(options);
        return new PartnumberClassificationClient(_http, options, ownsHttpClient: false, _connector);
    }

    /// <summary>Completes a task when the request leaves for the server.</summary>
    private sealed class SignalingHandler(TaskCompletionSource sent) : DelegatingHandler(new HttpClientHandler())
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = base.SendAsync(request, cancellationToken);
            sent.TrySetResult();
            return response;
        }
    }
}
