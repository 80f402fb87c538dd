using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;
using Partnumber.Client.Testing;
using Partnumber.Client.Tests.TestDoubles;
using Polly;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;

namespace Partnumber.Client.Tests.DependencyInjection;

/// <summary>
/// A client resolved from DI classifies against real servers: the POST goes to WireMock.Net (always 503, so every
/// attempt is counted), the realtime socket to FakePartnumberServer on Kestrel. Exactly one retry layer runs: the
/// application's when it brings one, <see cref="PartnumberHttpPolicies.SafeRetry"/> otherwise.
/// </summary>
public sealed class RetryLayerThroughDependencyInjectionTests : IAsyncLifetime
{
    private readonly WireMockServer _rest = WireMockServer.Start();
    private FakePartnumberServer _realtime = null!;

    public async Task InitializeAsync()
    {
        _realtime = await FakePartnumberServer.StartAsync();
        _rest.Given(Request.Create().WithPath("/classify-partnumber").UsingPost())
            .RespondWith(Response.Create().WithStatusCode(503).WithHeader("Retry-After", "0").WithBody("""{"error":"busy"}"""));
    }

    public async Task DisposeAsync()
    {
        _rest.Stop();
        _rest.Dispose();
        await _realtime.DisposeAsync();
    }

    [Fact]
    public async Task By_default_the_safe_retry_policy_sends_one_post_and_its_retries()
    {
        var services = new ServiceCollection();
        services.AddPartnumberClassificationClient(Configure);

        Assert.Equal(1 + PartnumberHttpPolicies.DefaultMaxRetries, await CountPostsOfARejectedClassificationAsync(services));
    }

    [Fact]
    public async Task The_readme_recipe_with_AddResilienceHandler_and_one_retry_sends_two_posts()
    {
        var services = new ServiceCollection();
        services.AddPartnumberClassificationClient(Configure)
            .AddResilienceHandler("partnumber", pipeline => pipeline.AddRetry(OneRetryOn503()));

        Assert.Equal(2, await CountPostsOfARejectedClassificationAsync(services));
    }

    [Fact]
    public async Task A_resilience_handler_added_to_every_client_by_ConfigureHttpClientDefaults_replaces_the_safe_retry_too()
    {
        var services = new ServiceCollection();
        services.ConfigureHttpClientDefaults(http => http.AddResilienceHandler("everyone", pipeline => pipeline.AddRetry(OneRetryOn503())));
        services.AddPartnumberClassificationClient(Configure);

        Assert.Equal(2, await CountPostsOfARejectedClassificationAsync(services));
    }

    [Fact]
    public async Task The_standard_resilience_handler_replaces_the_safe_retry_instead_of_multiplying_it()
    {
        var services = new ServiceCollection();
        services.AddPartnumberClassificationClient(Configure).AddStandardResilienceHandler();

        // Its retry strategy handles 503 three times (Retry-After 0: no wait); stacked on SafeRetry it sent 16.
        Assert.Equal(1 + 3, await CountPostsOfARejectedClassificationAsync(services));
    }

    [Fact]
    public async Task The_standard_hedging_handler_replaces_the_safe_retry()
    {
        var services = new ServiceCollection();
        services.AddPartnumberClassificationClient(Configure).AddStandardHedgingHandler();

        // One hedged attempt after the first 503 (its default); stacked on SafeRetry each attempt was four POSTs.
        Assert.Equal(2, await CountPostsOfARejectedClassificationAsync(services));
    }

    [Fact]
    public async Task The_applications_own_Polly_policy_handler_replaces_the_safe_retry()
    {
        var services = new ServiceCollection();
        services.AddPartnumberClassificationClient(Configure)
            .AddPolicyHandler(Policy<HttpResponseMessage>.HandleResult(r => r.StatusCode == HttpStatusCode.ServiceUnavailable).RetryAsync(1));

        Assert.Equal(2, await CountPostsOfARejectedClassificationAsync(services));
    }

    [Fact]
    public async Task A_handler_that_does_not_retry_leaves_the_safe_retry_in_place()
    {
        var services = new ServiceCollection();
        services.AddPartnumberClassificationClient(Configure)
            .AddHttpMessageHandler(() => new CorrelationHeaderHandler());

        Assert.Equal(1 + PartnumberHttpPolicies.DefaultMaxRetries, await CountPostsOfARejectedClassificationAsync(services));
        Assert.All(_rest.LogEntries, entry => Assert.True(entry.RequestMessage.Headers!.ContainsKey(CorrelationHeaderHandler.HeaderName)));
    }

    [Fact]
    public async Task Registering_the_same_client_twice_still_adds_one_safe_retry()
    {
        var services = new ServiceCollection();
        services.AddPartnumberClassificationClient(Configure);
        services.AddPartnumberClassificationClient(Configure);

        Assert.Equal(1 + PartnumberHttpPolicies.DefaultMaxRetries, await CountPostsOfARejectedClassificationAsync(services));
    }

    [Fact]
    public async Task The_safe_retry_waits_on_the_clock_of_the_clients_options()
    {
        // One clock: the options' TimeProvider (not in the container) times SafeRetry's waits too.
        var time = new ObservableFakeTime();
        _rest.Given(Request.Create().WithPath("/classify-later").UsingPost())
            .RespondWith(Response.Create().WithStatusCode(503).WithHeader("Retry-After", "20").WithBody("""{"error":"busy"}"""));
        var services = new ServiceCollection();
        services.AddPartnumberClassificationClient(options =>
        {
            Configure(options);
            options.ClassifyPath = "/classify-later";
            options.TimeProvider = time;
        });
        await using var provider = services.BuildServiceProvider();
        var client = provider.GetRequiredService<IPartnumberClassificationClient>();

        var classifying = client.ClassifyAndWaitAsync(new ClassificationRequest("PN-503"));
        for (var retry = 0; retry < PartnumberHttpPolicies.DefaultMaxRetries; retry++)
        {
            await time.AdvanceWhenArmedAsync(TimeSpan.FromSeconds(20)); // each Retry-After wait, armed on the fake clock
        }

        var error = await Assert.ThrowsAsync<ClassificationRejectedException>(() => classifying);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, error.StatusCode);
        Assert.Equal(1 + PartnumberHttpPolicies.DefaultMaxRetries, _rest.LogEntries.Count(entry => entry.RequestMessage.Path == "/classify-later"));
    }

    private static HttpRetryStrategyOptions OneRetryOn503() => new()
    {
        MaxRetryAttempts = 1,
        Delay = TimeSpan.Zero,
        ShouldHandle = args => ValueTask.FromResult(args.Outcome.Result?.StatusCode == HttpStatusCode.ServiceUnavailable),
    };

    private void Configure(PartnumberClassificationClientOptions options)
    {
        options.BaseAddress = new Uri(_rest.Url!);
        options.SocketAddress = _realtime.BaseAddress;
    }

    private async Task<int> CountPostsOfARejectedClassificationAsync(IServiceCollection services)
    {
        await using var provider = services.BuildServiceProvider();
        var client = provider.GetRequiredService<IPartnumberClassificationClient>();

        var error = await Assert.ThrowsAsync<ClassificationRejectedException>(() => client.ClassifyAndWaitAsync(new ClassificationRequest("PN-503")));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, error.StatusCode);
        Assert.Single(_realtime.Journal.Sessions); // the socket side really ran: the POST followed a connect
        return _rest.LogEntries.Count(entry => entry.RequestMessage.Method == "POST");
    }

    /// <summary>A typical non-resilience handler an application adds (it stamps a header and retries nothing).</summary>
    private sealed class CorrelationHeaderHandler : DelegatingHandler
    {
        public const string HeaderName = "X-Correlation-Id";

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            request.Headers.Remove(HeaderName);
            request.Headers.Add(HeaderName, Guid.NewGuid().ToString("N"));
            return base.SendAsync(request, cancellationToken);
        }
    }
}
