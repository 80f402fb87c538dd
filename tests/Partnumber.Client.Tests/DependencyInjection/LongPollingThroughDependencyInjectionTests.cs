using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;
using Partnumber.Client.Testing;

namespace Partnumber.Client.Tests.DependencyInjection;

/// <summary>
/// A client resolved from DI long-polls through the primary handler the application configured (TLS, proxy) but not
/// through the POST's delegating handlers: an application resilience timeout shorter than the server's ping interval
/// must not cut the long-polls.
/// </summary>
public sealed class LongPollingThroughDependencyInjectionTests : IAsyncLifetime
{
    private FakePartnumberServer _server = null!;

    public async Task InitializeAsync() => _server = await FakePartnumberServer.StartAsync(new FakePartnumberServerOptions
    {
        AutoJoin = true,
        Transports = PartnumberTransports.LongPolling,
    });

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Long_polls_go_through_the_applications_primary_handler_and_not_its_delegating_handlers()
    {
        var primary = new CountingHandler();
        var delegating = new CountingDelegatingHandler();
        var services = new ServiceCollection();
        services.AddPartnumberClassificationClient(o => o.BaseAddress = _server.BaseAddress)
            .ConfigurePrimaryHttpMessageHandler(() => primary)
            .AddHttpMessageHandler(() => delegating);
        await using var provider = services.BuildServiceProvider();
        var client = provider.GetRequiredService<IPartnumberClassificationClient>();

        var result = await client.ClassifyAndWaitAsync(new ClassificationRequest("PN-DI-POLL"));

        Assert.Equal(PartnumberTransports.LongPolling, result.Transport);
        var polls = primary.Paths.Count(p => p.StartsWith("/socket.io/", StringComparison.Ordinal));
        Assert.True(polls >= 3, $"{polls} Engine.IO requests went through the application's primary handler");
        Assert.Equal(["/classify-partnumber"], delegating.Paths); // the POST's pipeline: the POST only
    }

    [Fact]
    public async Task A_resilience_timeout_shorter_than_a_long_poll_does_not_cut_it()
    {
        _server.ForPartnumber("PN-SLOW").Progress("um", delay: TimeSpan.FromSeconds(2)).Finish("feito");
        var services = new ServiceCollection();
        services.AddPartnumberClassificationClient(o => o.BaseAddress = _server.BaseAddress)
            .AddStandardResilienceHandler(o =>
            {
                o.AttemptTimeout.Timeout = TimeSpan.FromMilliseconds(500);
                o.CircuitBreaker.SamplingDuration = TimeSpan.FromSeconds(2);
            });
        await using var provider = services.BuildServiceProvider();
        var client = provider.GetRequiredService<IPartnumberClassificationClient>();

        var result = await client.ClassifyAndWaitAsync(new ClassificationRequest("PN-SLOW"));

        Assert.Equal("feito", result.Description);
        var session = Assert.Single(_server.Journal.Sessions); // one Engine.IO session: no long-poll was cut
        Assert.Equal("polling", session.Transport);
    }

    private sealed class CountingHandler : HttpClientHandler
    {
        public System.Collections.Concurrent.ConcurrentQueue<string> Paths { get; } = new();

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Paths.Enqueue(request.RequestUri!.AbsolutePath);
            return base.SendAsync(request, cancellationToken);
        }
    }

    private sealed class CountingDelegatingHandler : DelegatingHandler
    {
        public System.Collections.Concurrent.ConcurrentQueue<string> Paths { get; } = new();

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Paths.Enqueue(request.RequestUri!.AbsolutePath);
            return base.SendAsync(request, cancellationToken);
        }
    }
}
