using System.Net;
using Microsoft.Extensions.Logging;
using Partnumber.Client.Testing;
using Partnumber.Client.Tests.TestDoubles;

namespace Partnumber.Client.Tests.Architecture;

/// <summary>
/// The invariant "header values, <c>auth</c> and bodies are never logged" (ARCHITECTURE.md), checked over every log
/// record of a run against <see cref="FakePartnumberServer"/> (through a tampering proxy) with secret-looking headers
/// and Socket.IO <c>auth</c>, and hostile server text: error bodies of a 500 and a 422, a failure message, a malformed
/// packet, an HTML page instead of the handshake and a refused namespace CONNECT. Every record is searched, whatever
/// its category and level: the formatted message, each structured value, the exception (with its inner ones) and
/// every scope. Logs may carry a status and a short excerpt of a server's text (<c>Excerpt.LogChars</c> = 64 characters
/// of a body or packet, <c>Excerpt.ReasonChars</c> = 200 of a reason around it), so each marker sits deeper than that;
/// header and <c>auth</c> values may not appear at all. The exceptions keep the bodies (capped) for the caller.
/// </summary>
[Collection(nameof(NoSecretsInLogsTests))]
public sealed class NoSecretsInLogsTests : IAsyncLifetime
{
    private const string Secret = "SECRET-";

    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(30);

    /// <summary>Server text before a marker in a body or a packet: past the 64 characters a log may quote of it (the
    /// old warning quoted 200 characters of a packet and 4,096 of a body).</summary>
    private static readonly string ShortFiller = string.Concat(Enumerable.Repeat("lorem ipsum dolor sit amet ", 4));

    /// <summary>Server text before a marker in a reason (the SDK's words around a server's text): past the 200
    /// characters a log may quote of it. Both fillers are free of control characters, so the cut alone keeps markers out.</summary>
    private static readonly string Filler = string.Concat(Enumerable.Repeat("lorem ipsum dolor sit amet ", 12));

    private readonly RecordingLoggerProvider _logs = new();
    private FakePartnumberServer _server = null!;
    private TamperingProxy _proxy = null!;

    public async Task InitializeAsync()
    {
        _server = await FakePartnumberServer.StartAsync();
        _proxy = await TamperingProxy.StartAsync(_server.BaseAddress);
    }

    public async Task DisposeAsync()
    {
        await _proxy.DisposeAsync();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task No_log_record_carries_a_header_value_an_auth_value_or_a_body_beyond_a_short_excerpt()
    {
        Assert.True(ShortFiller.Length is > 64 and < 200 && Filler.Length > 300);
        await using (var client = CreateClient())
        {
            // A 500 and a 422 with bodies: the exceptions carry them, the logs a status and 64 characters.
            _server.ForPartnumber("PN-500").RespondWith(500, ShortFiller + Secret + "BODY-500");
            var rejected = await Assert.ThrowsAsync<ClassificationRejectedException>(() => client.ClassifyAndWaitAsync(new ClassificationRequest("PN-500")).WaitAsync(HangGuard));
            Assert.Contains(Secret + "BODY-500", rejected.ResponseBody, StringComparison.Ordinal);
            Assert.Contains(Secret + "BODY-500", rejected.Message, StringComparison.Ordinal);

            _server.ForPartnumber("PN-422").RespondWith(422, $$"""{"error":"{{ShortFiller}}","detail":"{{Secret}}BODY-422"}""", ("Content-Type", "application/json"));
            await Assert.ThrowsAsync<ClassificationRejectedException>(() => client.ClassifyAndWaitAsync(new ClassificationRequest("PN-422")).WaitAsync(HangGuard));

            // A failure the server reports, with a long message.
            _server.ForPartnumber("PN-FAIL").Progress("um").FailInUpdate(Filler + Secret + "FAILURE");
            var failed = await Assert.ThrowsAsync<ClassificationFailedException>(() => client.ClassifyAndWaitAsync(new ClassificationRequest("PN-FAIL")).WaitAsync(HangGuard));
            Assert.Contains(Secret + "FAILURE", failed.Message, StringComparison.Ordinal);

            // A malformed Socket.IO packet after the first update (the classification still finishes).
            _server.ForPartnumber("PN-MALFORMED").Progress("um").Finish("own", delay: TimeSpan.FromMilliseconds(300));
            AppendAfterTheFirstUpdate("42[\"classification_update_status\",{\"status\":\"" + ShortFiller + Secret + "PACKET");
            var finished = await client.ClassifyAndWaitAsync(new ClassificationRequest("PN-MALFORMED")).WaitAsync(HangGuard);
            Assert.Equal("own", finished.Description);
        }

        // An HTML error page instead of the long-polling handshake.
        _proxy.Intercept = e => e.IsHandshake ? e.RespondAsync(500, "text/html", "<html><body>" + Filler + Secret + "HANDSHAKE</body></html>") : Task.CompletedTask;
        await using (var client = CreateClient())
        {
            await Assert.ThrowsAsync<PartnumberConnectionException>(() => client.ClassifyAndWaitAsync(new ClassificationRequest("PN-HTML")).WaitAsync(HangGuard));
        }

        // A namespace CONNECT refused with a long message (a connect handler that says why).
        _proxy.Intercept = null;
        _server.RejectConnections(Filler + Secret + "CONNECT-ERROR");
        await using (var client = CreateClient())
        {
            await Assert.ThrowsAsync<PartnumberAuthenticationException>(() => client.ClassifyAndWaitAsync(new ClassificationRequest("PN-REFUSED")).WaitAsync(HangGuard));
        }

        _server.RejectConnections(null);

        // The secrets really went out (the check is not vacuous) and the hostile answers were logged.
        Assert.Contains(_server.Journal.Sessions, session => session.Headers.Values.Any(value => value.Contains(Secret + "AUTHORIZATION", StringComparison.Ordinal)));
        var records = _logs.Records;
        Assert.True(records.Count(r => r.Level == LogLevel.Warning && r.EventName == "Ended") >= 3, "the three ended classifications were logged");

        var leaks = records
            .SelectMany(record => Texts(record).Where(text => text.Contains(Secret, StringComparison.Ordinal)).Select(text => $"[{record.Category} {record.Level} {record.EventId}] {text}"))
            .Concat(_logs.Scopes.Select(scope => scope.ToString() ?? string.Empty).Where(text => text.Contains(Secret, StringComparison.Ordinal)).Select(text => "[scope] " + text))
            .ToList();
        Assert.True(leaks.Count == 0, "log records carry what they must not:\n" + string.Join("\n", leaks));

        // What they do carry: a status and the start of the body, the start of the malformed packet.
        Assert.Contains(records, r => r.EventName == "Ended" && r.Message.Contains("rejected with 500", StringComparison.Ordinal) && r.Message.Contains("lorem ipsum", StringComparison.Ordinal));
        Assert.Contains(records, r => r.EventName == "Ended" && r.Message.Contains("rejected with 422", StringComparison.Ordinal));
        Assert.Contains(records, r => r.EventName == "IgnoredMalformedPacket" && r.Message.Contains("lorem ipsum", StringComparison.Ordinal));
    }

    private static IEnumerable<string> Texts(LogRecord record)
    {
        yield return record.Message;
        foreach (var (key, value) in record.State ?? [])
        {
            yield return key + "=" + value;
        }

        for (var error = record.Exception; error is not null; error = error.InnerException)
        {
            yield return error.ToString();
        }
    }

    private PartnumberClassificationClient CreateClient() => new(new PartnumberClassificationClientOptions
    {
        BaseAddress = _proxy.BaseAddress,
        Transports = PartnumberTransports.LongPolling, // through the proxy, which sees (and can tamper with) every packet
        ReconnectPolicy = PartnumberReconnectPolicy.None,
        ConnectTimeout = TimeSpan.FromSeconds(3),
        LoggerFactory = _logs,
        Headers =
        {
            ["Authorization"] = "Bearer " + Secret + "AUTHORIZATION",
            ["X-Api-Key"] = Secret + "API-KEY",
        },
        Auth = { ["token"] = Secret + "AUTH-TOKEN" },
    });

    /// <summary>Appends <paramref name="packet"/> to the first long-poll answer that carries a progress update.</summary>
    private void AppendAfterTheFirstUpdate(string packet)
    {
        var done = 0;
        _proxy.Intercept = async e =>
        {
            if (!e.IsLongPoll || Volatile.Read(ref done) == 1)
            {
                return;
            }

            var answer = await e.ForwardAsync();
            if (answer.Body.Contains("classification_update_status", StringComparison.Ordinal) && Interlocked.Exchange(ref done, 1) == 0)
            {
                answer = answer.WithBody(answer.Body + "\u001e" + packet);
            }

            await e.RespondAsync(answer);
        };
    }
}

[CollectionDefinition(nameof(NoSecretsInLogsTests), DisableParallelization = true)]
public sealed class NoSecretsInLogsCollection
{
}
