using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Partnumber.Client.Testing;

namespace Partnumber.Client.Tests.DependencyInjection;

/// <summary><c>builder.AddPartnumberClassificationClient()</c> on a host: section, connection string, client, health check.</summary>
public sealed class HostApplicationBuilderTests
{
    [Fact]
    public async Task A_connection_string_alone_gives_a_working_client_and_its_ready_health_check()
    {
        await using var server = await FakePartnumberServer.StartAsync();
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["ConnectionStrings:partnumber"] = server.BaseAddress.ToString() });
        builder.AddPartnumberClassificationClient();
        using var host = builder.Build();
        await host.StartAsync();

        var result = await host.Services.GetRequiredService<IPartnumberClassificationClient>().ClassifyAndWaitAsync(new ClassificationRequest("PN-HOST"));
        var report = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync(r => r.Tags.Contains("ready"));

        Assert.Equal(ClassificationStatus.Done, result.Status);
        Assert.Equal(HealthStatus.Healthy, report.Entries[PartnumberHealthChecksBuilderExtensions.DefaultName].Status);
        await host.StopAsync();
    }

    [Fact]
    public async Task The_sections_address_wins_and_the_health_check_can_be_left_out()
    {
        await using var server = await FakePartnumberServer.StartAsync();
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Partnumber:BaseAddress"] = server.BaseAddress.ToString(),
            ["ConnectionStrings:classifier"] = "http://127.0.0.1:9/",
        });
        builder.AddPartnumberClassificationClient("classifier", s => s.DisableHealthChecks = true, o => o.ClassificationTimeout = TimeSpan.FromSeconds(30));
        using var host = builder.Build();

        var client = host.Services.GetRequiredService<IPartnumberClassificationClient>();
        await client.ClassifyAndWaitAsync(new ClassificationRequest("PN-SECTION"));

        Assert.Single(server.Journal.Requests);
        Assert.Null(host.Services.GetService<HealthCheckService>()); // nothing registered health checks at all
    }

    [Fact]
    public async Task A_connection_string_that_is_not_an_address_stops_the_host_naming_it()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["ConnectionStrings:partnumber"] = "Endpoint=classifier" });
        builder.AddPartnumberClassificationClient();
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync());

        Assert.Contains("Connection string partnumber = 'Endpoint=classifier' is not an absolute URI", error.Message);
    }
}
