using Microsoft.Extensions.Http;
using Partnumber.Client.Testing;
using Polly;

namespace Partnumber.Client.Tests.Http;

/// <summary>
/// <c>new PartnumberClassificationClient(httpClient, options)</c> with the application's own handlers: one retry layer
/// for the POST, and long-polling past those handlers, as with dependency injection.
/// </summary>
public sealed class ApplicationHttpClientTests : IAsyncLifetime
{
    private FakePartnumberServer _server = null!;

    public async Task InitializeAsync() => _server = await FakePartnumberServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private static IAsyncPolicy<HttpResponseMessage> RetryOnceOn503()
        => Policy<HttpResponseMessage>.HandleResult(r => (int)r.StatusCode == 503).RetryAsync(1);

    [Fact]
    public async Task An_HttpClient_with_a_Polly_handler_is_the_only_retry_layer_two_POSTs_for_an_always_503()
    {
        _server.ForPartnumber("PN-503").RespondWith(503);
        var counting = new CountingHandler { InnerHandler = new HttpClientHandler() };
        using var http = new HttpClient(new PolicyHttpMessageHandler(RetryOnceOn503()) { InnerHandler = counting });
        await using var client = new PartnumberClassificationClient(http, _server.CreateClientOptions());

        var error = await Assert.ThrowsAsync<ClassificationRejectedException>(() => client.ClassifyAndWaitAsync(new ClassificationRequest("PN-503")));

        Assert.Equal(503, (int)error.StatusCode);
        Assert.Equal(2, _server.Journal.Requests.Count);
        Assert.Equal(2, counting.Count);
    }

    [Fact]
    public async Task Without_a_retry_handler_the_options_policy_is_the_one_layer()
    {
        _server.ForPartnumber("PN-503").RespondWith(503);
        var counting = new CountingHandler { InnerHandler = new HttpClientHandler() };
        using var http = new HttpClient(counting);
        var options = _server.CreateClientOptions();
        options.HttpRetryPolicy = RetryOnceOn503();
        await using var client = new PartnumberClassificationClient(http, options);

        await Assert.ThrowsAsync<ClassificationRejectedException>(() => client.ClassifyAndWaitAsync(new ClassificationRequest("PN-503")));

        Assert.Equal(2, _server.Journal.Requests.Count);
        Assert.Equal(2, counting.Count); // the options' policy runs outside the HttpClient: each attempt passes its handlers
    }

    [Fact]
    public async Task Long_polling_goes_past_the_applications_handlers_to_its_primary_handler()
    {
        _server.ForPartnumber("PN-POLL").Progress("um").Finish("ok");
        var counting = new CountingHandler { InnerHandler = new HttpClientHandler() };
        using var http = new HttpClient(new PolicyHttpMessageHandler(RetryOnceOn503()) { InnerHandler = counting });
        http.DefaultRequestHeaders.TryAddWithoutValidation("X-App", "a-1");
        var options = _server.CreateClientOptions();
        options.Transports = PartnumberTransports.LongPolling;
        await using var client = new PartnumberClassificationClient(http, options);

        var result = await client.ClassifyAndWaitAsync(new ClassificationRequest("PN-POLL"));

        Assert.Equal(PartnumberTransports.LongPolling, result.Transport);
        Assert.Equal(["POST /classify-partnumber"], counting.Requests); // no poll went through the application's handlers
        var session = Assert.Single(_server.Journal.Sessions);
        Assert.Equal("a-1", session.Headers["X-App"]); // the client's default headers still ride on the polls
    }

    [Fact]
    public async Task Handlers_that_do_not_retry_still_see_the_polls()
    {
        _server.ForPartnumber("PN-TAP").Progress("um").Finish("ok");
        var tap = new CountingHandler { InnerHandler = new HttpClientHandler() };
        using var http = new HttpClient(tap);
        var options = _server.CreateClientOptions();
        options.Transports = PartnumberTransports.LongPolling;
        await using var client = new PartnumberClassificationClient(http, options);

        await client.ClassifyAndWaitAsync(new ClassificationRequest("PN-TAP"));

        Assert.Contains("POST /classify-partnumber", tap.Requests);
        Assert.Contains(tap.Requests, r => r.StartsWith("GET /socket.io/", StringComparison.Ordinal)); // a tap or an auth header sees long-polling
    }

    private sealed class CountingHandler : DelegatingHandler
    {
        private readonly List<string> _requests = [];

        public int Count
        {
            get
            {
                lock (_requests)
                {
                    return _requests.Count;
                }
            }
        }

        public IReadOnlyList<string> Requests
        {
            get
            {
                lock (_requests)
                {
                    return [.. _requests];
                }
            }
        }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            lock (_requests)
            {
                _requests.Add($"{request.Method} {request.RequestUri!.AbsolutePath}");
            }

            return base.SendAsync(request, cancellationToken);
        }
    }
}
