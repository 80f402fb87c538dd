using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Partnumber.Client.Testing;
using Partnumber.Client.Testing.Scripting;

namespace Partnumber.Client.Tests.Diagnostics;

/// <summary>What the SDK logs, and that credentials never reach the logs.</summary>
public sealed class LoggingTests
{
    private const string HeaderSecret = "hdr-secret-6f1c";
    private const string AuthSecret = "auth-secret-93ab";

    [Fact]
    public async Task Header_and_auth_values_never_appear_in_any_log_record_at_any_level()
    {
        var provider = new FakeLoggerProvider();
        using var loggerFactory = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(provider));
        var serverTime = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        await using var server = await FakePartnumberServer.StartAsync(new FakePartnumberServerOptions { TimeProvider = serverTime });
        server.ForPartnumber("PN-KICK").Progress("1").Disconnect(ServerDisconnectMode.Namespace).Progress("2", TimeSpan.FromSeconds(1)).Finish("ok");
        server.ForPartnumber("PN-FAIL").FailInFinished("boom " + HeaderSecret.Length);
        server.ForPartnumber("PN-422").RespondWith(422, """{"error":"bad"}""");
        await using var client = server.CreateClient(o =>
        {
            o.LoggerFactory = loggerFactory;
            o.Headers["X-Api-Key"] = HeaderSecret;
            o.Auth["token"] = AuthSecret;
        });

        var kicked = client.ClassifyAndWaitAsync(new ClassificationRequest("PN-KICK"));
        await server.Journal.WaitForEventsAsync(2, e => e.EventName == "join"); // rejoined after the kick
        serverTime.Advance(TimeSpan.FromSeconds(1));
        await kicked;
        await Assert.ThrowsAsync<ClassificationFailedException>(() => client.ClassifyAndWaitAsync(new ClassificationRequest("PN-FAIL")));
        await Assert.ThrowsAsync<ClassificationRejectedException>(() => client.ClassifyAndWaitAsync(new ClassificationRequest("PN-422")));

        var records = provider.Collector.GetSnapshot();
        Assert.Contains(records, r => r.Message.Contains("reconnected", StringComparison.OrdinalIgnoreCase));
        Assert.Contains(records, r => r.Level == LogLevel.Warning && r.Message.Contains("PN-FAIL", StringComparison.Ordinal));
        var everything = string.Join("\n", records.Select(r => r.Message + " " + r.Exception + " " + string.Join(",", r.StructuredState ?? [])));
        Assert.DoesNotContain(HeaderSecret, everything);
        Assert.DoesNotContain(AuthSecret, everything);
        Assert.Equal(HeaderSecret, server.Journal.Requests[0].Headers["X-Api-Key"]); // they were sent, just not logged
    }
}
