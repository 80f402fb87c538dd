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

    [Fact]
    public async Task A_classifications_records_carry_its_scope_and_every_event_has_a_name_and_an_id_of_its_own()
    {
        var provider = new FakeLoggerProvider();
        using var loggerFactory = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(provider));
        var serverTime = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        await using var server = await FakePartnumberServer.StartAsync(new FakePartnumberServerOptions { TimeProvider = serverTime });
        server.ForPartnumber("PN-SCOPE").Progress("1").Disconnect(ServerDisconnectMode.Namespace).Progress("2", TimeSpan.FromSeconds(1)).Finish("ok");
        await using var client = server.CreateClient(o => o.LoggerFactory = loggerFactory);

        var running = client.ClassifyAndWaitAsync(new ClassificationRequest("PN-SCOPE"));
        await server.Journal.WaitForEventsAsync(2, e => e.EventName == "join");
        serverTime.Advance(TimeSpan.FromSeconds(1));
        var result = await running;

        var records = provider.Collector.GetSnapshot();
        var reconnected = Assert.Single(records, r => r.Id.Name == "Reconnected");
        var scope = Assert.IsAssignableFrom<IEnumerable<KeyValuePair<string, object?>>>(Assert.Single(reconnected.Scopes)).ToDictionary(p => p.Key, p => p.Value);
        Assert.Equal("PN-SCOPE", scope["Partnumber"]);
        Assert.Equal(result.TaskId, scope["TaskId"]);
        Assert.Equal("WebSocket", scope["Transport"]);
        Assert.Equal(server.Journal.Sessions[^1].SocketSessionId, scope["SessionId"]); // the replacement connection's
        Assert.All(records, r => Assert.False(string.IsNullOrEmpty(r.Id.Name), $"event {r.Id.Id} has no name"));
        Assert.All(records.GroupBy(r => r.Id.Name), g => Assert.Single(g.Select(r => r.Id.Id).Distinct()));
        Assert.Equal(records.Select(r => r.Id.Name).Distinct().Count(), records.Select(r => r.Id.Id).Distinct().Count());
    }
}
