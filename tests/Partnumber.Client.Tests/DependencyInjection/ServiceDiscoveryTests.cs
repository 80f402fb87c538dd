using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Partnumber.Client.Testing;

namespace Partnumber.Client.Tests.DependencyInjection;

/// <summary>
/// <c>BaseAddress</c> as a Microsoft.Extensions.ServiceDiscovery name (<c>https+http://classifier</c>) with
/// configuration-based endpoints: the POST, the WebSocket, long-polling and the upgrade all reach the resolved endpoint.
/// </summary>
public sealed class ServiceDiscoveryTests
{
    private static IHost BuildHost(Uri endpoint, string baseAddress, Action<PartnumberClassificationClientOptions>? configure = null, bool serviceDiscovery = true)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Partnumber:BaseAddress"] = baseAddress,
            ["Services:classifier:http:0"] = endpoint.GetLeftPart(UriPartial.Authority),
        });
        if (serviceDiscovery)
        {
            builder.Services.AddServiceDiscovery();
        }

        builder.AddPartnumberClassificationClient(configureOptions: o =>
        {
            o.ConnectTimeout = TimeSpan.FromSeconds(5);
            configure?.Invoke(o);
        });
        return builder.Build();
    }

    [Theory]
    [InlineData(PartnumberTransports.WebSocket, "websocket")]
    [InlineData(PartnumberTransports.LongPolling, "polling")]
    [InlineData(PartnumberTransports.WebSocket | PartnumberTransports.LongPolling, "websocket")]
    public async Task A_service_name_reaches_the_configured_endpoint_on_every_transport(PartnumberTransports transports, string recorded)
    {
        await using var server = await FakePartnumberServer.StartAsync(new FakePartnumberServerOptions { Transports = transports });
        using var host = BuildHost(server.BaseAddress, "https+http://classifier", o => o.Transports = transports);

        var result = await host.Services.GetRequiredService<IPartnumberClassificationClient>().ClassifyAndWaitAsync(new ClassificationRequest("PN-SD"));

        Assert.Equal(ClassificationStatus.Done, result.Status);
        Assert.Single(server.Journal.Requests);
        var session = Assert.Single(server.Journal.Sessions);
        Assert.Equal(recorded, session.Transport);
        Assert.Equal(server.BaseAddress.Authority, session.Headers["Host"]);
    }

    [Fact]
    public async Task The_upgrade_probe_after_a_WebSocket_refusal_goes_to_the_resolved_endpoint()
    {
        await using var server = await FakePartnumberServer.StartAsync();
        server.RefuseWebSockets(WebSocketRefusal.BadRequest);
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow);
        using var host = BuildHost(server.BaseAddress, "https+http://classifier", o =>
        {
            o.TimeProvider = clock;
            o.MaxClassificationsPerConnection = 1; // a new connection for the second classification
        });
        var client = host.Services.GetRequiredService<IPartnumberClassificationClient>();
        var first = await client.ClassifyAndWaitAsync(new ClassificationRequest("PN-SD-1")); // WebSocket refused: long-polling
        server.RefuseWebSockets(WebSocketRefusal.None);
        clock.Advance(TimeSpan.FromMinutes(6)); // past the refusal memory: the next connection polls and probes an upgrade

        server.ForPartnumber("PN-SD-2").Progress("um").NeverFinish(); // its connection stays open while the probe runs
        await using (var second = client.ClassifyAsync(new ClassificationRequest("PN-SD-2")).GetAsyncEnumerator())
        {
            Assert.True(await second.MoveNextAsync());

            // "classifier" has no DNS entry: an upgrade that reached the fake went to the resolved endpoint.
            var upgrades = await server.Journal.WaitForWebSocketHandshakesAsync(1, h => h.IsUpgrade && h.Outcome == Partnumber.Client.Testing.Journal.WebSocketHandshakeOutcome.Accepted);
            Assert.Single(upgrades);
        }

        Assert.Equal(PartnumberTransports.LongPolling, first.Transport);
    }

    [Fact]
    public void A_service_name_without_service_discovery_is_refused_with_a_message_that_says_what_to_do()
    {
        using var host = BuildHost(new Uri("http://127.0.0.1:9"), "https+http://classifier", serviceDiscovery: false);

        var error = Assert.Throws<ArgumentException>(() => host.Services.GetRequiredService<IPartnumberClassificationClient>());

        Assert.Contains("service-discovery name", error.Message, StringComparison.Ordinal);
        Assert.Contains("AddServiceDiscovery()", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_service_name_that_resolves_to_nothing_is_a_connection_error_that_names_it()
    {
        using var host = BuildHost(new Uri("http://127.0.0.1:9"), "https+http://nowhere-configured.invalid");

        var error = await Assert.ThrowsAnyAsync<PartnumberConnectionException>(
            () => host.Services.GetRequiredService<IPartnumberClassificationClient>().ClassifyAndWaitAsync(new ClassificationRequest("PN-SD")));

        Assert.Contains("nowhere-configured.invalid", error.Message, StringComparison.Ordinal);
    }
}
