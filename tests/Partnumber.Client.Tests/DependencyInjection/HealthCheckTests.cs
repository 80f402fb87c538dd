using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Partnumber.Client.Testing;

namespace Partnumber.Client.Tests.DependencyInjection;

/// <summary><c>AddHealthChecks().AddPartnumberClassification(...)</c> against the fake server and unreachable backends.</summary>
public sealed class HealthCheckTests
{
    [Theory]
    [InlineData(PartnumberTransports.WebSocket, "websocket")]
    [InlineData(PartnumberTransports.LongPolling, "polling")]
    public async Task Against_a_live_server_it_is_Healthy_with_the_round_trip_and_transport_and_100_probes_open_one_session(PartnumberTransports transport, string named)
    {
        await using var server = await FakePartnumberServer.StartAsync();
        await using var provider = Services(server.BaseAddress, o => o.Transports = transport, h => h.AddPartnumberClassification(tags: ["ready"]));
        var health = provider.GetRequiredService<HealthCheckService>();

        HealthReport report = null!;
        for (var i = 0; i < 100; i++)
        {
            report = await health.CheckHealthAsync();
            Assert.Equal(HealthStatus.Healthy, report.Status);
        }

        var entry = report.Entries[PartnumberHealthChecksBuilderExtensions.DefaultName];
        Assert.Equal(named, entry.Data["transport"]);
        Assert.IsType<double>(entry.Data["roundTripMs"]);
        Assert.Contains("ping answered in", entry.Description);
        Assert.Equal(["ready"], entry.Tags);
        Assert.Single(server.Journal.Sessions); // every probe reused the pooled connection
    }

    [Fact]
    public async Task A_round_trip_above_the_threshold_is_Degraded()
    {
        await using var server = await FakePartnumberServer.StartAsync();
        await using var provider = Services(server.BaseAddress, null, h => h.AddPartnumberClassification(degradedRoundTrip: TimeSpan.Zero));

        var entry = (await provider.GetRequiredService<HealthCheckService>().CheckHealthAsync()).Entries.Single().Value;

        Assert.Equal(HealthStatus.Degraded, entry.Status);
        Assert.Contains("above 0 ms", entry.Description);
    }

    [Fact]
    public async Task A_backend_refusing_connections_reports_the_failure_status_within_the_timeout_and_says_why()
    {
        var port = FreePort();
        await using var provider = Services(new Uri($"http://127.0.0.1:{port}/"), null, h => h.AddPartnumberClassification(failureStatus: HealthStatus.Degraded, timeout: TimeSpan.FromSeconds(1)));

        var stopwatch = Stopwatch.StartNew();
        var entry = (await provider.GetRequiredService<HealthCheckService>().CheckHealthAsync()).Entries.Single().Value;

        Assert.Equal(HealthStatus.Degraded, entry.Status);
        Assert.Contains("did not answer a ping within 1 s", entry.Description); // the connect kept retrying the refused port until then
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(5), $"took {stopwatch.Elapsed}");
    }

    [Fact]
    public async Task A_backend_that_accepts_but_never_answers_is_Unhealthy_within_the_timeout()
    {
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start(); // accepts connections (the kernel's backlog) and never answers
        await using var provider = Services(new Uri($"http://127.0.0.1:{((IPEndPoint)silent.LocalEndpoint).Port}/"), null, h => h.AddPartnumberClassification(timeout: TimeSpan.FromSeconds(1)));

        var entry = (await provider.GetRequiredService<HealthCheckService>().CheckHealthAsync()).Entries.Single().Value;

        Assert.Equal(HealthStatus.Unhealthy, entry.Status);
        Assert.Contains("did not answer a ping within 1 s", entry.Description);
    }

    [Fact]
    public async Task A_named_client_is_probed_through_its_key()
    {
        await using var live = await FakePartnumberServer.StartAsync();
        var services = new ServiceCollection();
        services.AddPartnumberClassificationClient("live", o => o.BaseAddress = live.BaseAddress);
        services.AddPartnumberClassificationClient("down", o => o.BaseAddress = new Uri($"http://127.0.0.1:{FreePort()}/"));
        services.AddHealthChecks()
            .AddPartnumberClassification("classifier-live", clientName: "live")
            .AddPartnumberClassification("classifier-down", clientName: "down", timeout: TimeSpan.FromMilliseconds(500));
        await using var provider = services.BuildServiceProvider();

        var report = await provider.GetRequiredService<HealthCheckService>().CheckHealthAsync();

        Assert.Equal(HealthStatus.Healthy, report.Entries["classifier-live"].Status);
        Assert.Equal(HealthStatus.Unhealthy, report.Entries["classifier-down"].Status);
        Assert.Single(live.Journal.Sessions);
    }

    private static ServiceProvider Services(Uri baseAddress, Action<PartnumberClassificationClientOptions>? configure, Action<IHealthChecksBuilder> health)
    {
        var services = new ServiceCollection();
        services.AddPartnumberClassificationClient(o =>
        {
            o.BaseAddress = baseAddress;
            configure?.Invoke(o);
        });
        health(services.AddHealthChecks());
        return services.BuildServiceProvider();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
