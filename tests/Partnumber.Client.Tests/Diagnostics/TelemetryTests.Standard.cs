using System.Diagnostics;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Partnumber.Client.Testing;
using Partnumber.Client.Tests.TestDoubles;

namespace Partnumber.Client.Tests.Diagnostics;

/// <summary>
/// The OpenTelemetry semantic-convention attributes next to the <c>partnumber.*</c> ones (<c>server.address</c>,
/// <c>server.port</c>, <c>url.scheme</c>, <c>error.type</c>), and the SDK's <c>User-Agent</c> on every request; the
/// listener is <see cref="TelemetryTests"/>' own.
/// </summary>
public sealed partial class TelemetryTests
{
    [Fact]
    public async Task Spans_and_durations_carry_the_server_and_on_failure_the_exception_type()
    {
        using var duration = new MetricCollector<double>(null, PartnumberClientTelemetry.Name, PartnumberClientTelemetry.DurationInstrument);
        await using var harness = new InMemoryClientHarness();
        harness.Connector.OnJoin = (connection, room) => connection.Push(
            "classification_finished", room == "room-2" ? """{"status":"failed","message":"x"}""" : """{"status":"done"}""");

        await harness.Client.ClassifyAndWaitAsync(new ClassificationRequest("PN-OTEL-OK"));
        await Assert.ThrowsAsync<ClassificationFailedException>(() => harness.Client.ClassifyAndWaitAsync(new ClassificationRequest("PN-OTEL-KO")));

        var ok = Span("PN-OTEL-OK");
        var failed = Span("PN-OTEL-KO");
        foreach (var span in new[] { ok, failed })
        {
            Assert.Equal(("backend.test", 5000, "http"), (span.GetTagItem("server.address"), span.GetTagItem("server.port"), span.GetTagItem("url.scheme")));
        }

        Assert.Null(ok.GetTagItem("error.type"));
        Assert.Equal("Partnumber.Client.ClassificationFailedException", failed.GetTagItem("error.type"));
        var measurements = duration.GetMeasurementSnapshot();
        Assert.All(measurements, m => Assert.Equal(("backend.test", 5000, "http"), (m.Tags["server.address"], m.Tags["server.port"], m.Tags["url.scheme"])));
        Assert.Equal(new object?[] { null, "Partnumber.Client.ClassificationFailedException" }, measurements.Select(m => m.Tags.TryGetValue("error.type", out var type) ? type : null));
    }

    [Fact]
    public async Task A_classification_the_caller_cancels_is_tagged_with_the_cancellation()
    {
        await using var harness = new InMemoryClientHarness();
        using var cts = new CancellationTokenSource();
        harness.Connector.OnJoin = (_, _) => cts.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => harness.Client.ClassifyAndWaitAsync(new ClassificationRequest("PN-OTEL-CANCEL"), cancellationToken: cts.Token));

        Assert.Equal("System.OperationCanceledException", Span("PN-OTEL-CANCEL").GetTagItem("error.type"));
    }

    [Theory]
    [InlineData(PartnumberTransports.WebSocket)]
    [InlineData(PartnumberTransports.LongPolling)]
    public async Task The_POST_and_the_Engine_IO_handshake_carry_the_SDKs_User_Agent_unless_the_app_set_one(PartnumberTransports transport)
    {
        await using var server = await FakePartnumberServer.StartAsync();
        await using (var client = server.CreateClient(o => o.Transports = transport))
        {
            await client.ClassifyAndWaitAsync(new ClassificationRequest("PN-UA-1"));
        }

        await using (var client = server.CreateClient(o =>
        {
            o.Transports = transport;
            o.Headers["User-Agent"] = "ErpIntegration/7.1";
        }))
        {
            await client.ClassifyAndWaitAsync(new ClassificationRequest("PN-UA-2"));
        }

        var sdk = $"Partnumber.Client/{typeof(PartnumberClassificationClient).Assembly.GetName().Version!.ToString(3)}";
        Assert.Matches(@"^Partnumber\.Client/\d+\.\d+\.\d+\S* \(.+; .+\)$", UserAgentOf(server.Journal.Requests.Single(r => r.Partnumber == "PN-UA-1").Headers));
        Assert.StartsWith(sdk, UserAgentOf(server.Journal.Requests.Single(r => r.Partnumber == "PN-UA-1").Headers));
        Assert.StartsWith(sdk, UserAgentOf(server.Journal.Sessions[0].Headers));
        Assert.Equal("ErpIntegration/7.1", UserAgentOf(server.Journal.Requests.Single(r => r.Partnumber == "PN-UA-2").Headers));
        Assert.Equal("ErpIntegration/7.1", UserAgentOf(server.Journal.Sessions[1].Headers));
    }

    private static string UserAgentOf(IReadOnlyDictionary<string, string> headers)
        => headers.FirstOrDefault(h => string.Equals(h.Key, "User-Agent", StringComparison.OrdinalIgnoreCase)).Value ?? "(none)";

    private Activity Span(string partnumber) => Assert.Single(Spans(partnumber));
}
