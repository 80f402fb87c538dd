using System.Net;
using System.Text.Json;
using Partnumber.Client.InteropTests.Infrastructure;
using Xunit.Abstractions;

namespace Partnumber.Client.InteropTests.Scenarios;

/// <summary>Flask-SocketIO under eventlet checking <c>Authorization: Bearer</c> on the connect and on the POST.</summary>
public sealed class FlaskBearerCredentialScenarios(FlaskBearerFixture fixture, ITestOutputHelper output)
    : CredentialScenarios<FlaskBearerFixture>(fixture, output)
{
    protected override bool ConnectTokenInAuth => false;
}

/// <summary>The same bearer-token Flask app in threading mode (long-polling only: every poll carries the provider's headers).</summary>
public sealed class FlaskThreadingBearerCredentialScenarios(FlaskThreadingBearerFixture fixture, ITestOutputHelper output)
    : CredentialScenarios<FlaskThreadingBearerFixture>(fixture, output)
{
    protected override bool ConnectTokenInAuth => false;
}

/// <summary>Node's socket.io with an <c>io.use</c> middleware checking <c>auth.token</c>; its POST checks <c>Authorization: Bearer</c>.</summary>
public sealed class NodeAuthTokenCredentialScenarios(NodeAuthTokenFixture fixture, ITestOutputHelper output)
    : CredentialScenarios<NodeAuthTokenFixture>(fixture, output)
{
    protected override bool ConnectTokenInAuth => true;
}

/// <summary>
/// Issue 24, item 2 against real servers: <see cref="PartnumberClassificationClientOptions.HeadersProvider"/> and
/// <see cref="PartnumberClassificationClientOptions.AuthProvider"/> with a backend that validates a token on the
/// Socket.IO connect and on the POST. The peer records every connect attempt and POST with the token it carried and
/// whether it was accepted (/_test/connects, /_test/posts); each test uses tokens of its own, so the records of other
/// tests of the class are told apart by token. No token value may appear in the SDK's log.
/// </summary>
public abstract class CredentialScenarios<TFixture>(TFixture fixture, ITestOutputHelper output)
    : ScenarioBase<TFixture>(fixture, output), IClassFixture<TFixture>
    where TFixture : PeerFixture
{
    /// <summary>Where the peer looks for the connect's token: Socket.IO <c>auth.token</c> (Node) or the handshake's <c>Authorization: Bearer</c> (Flask).</summary>
    protected abstract bool ConnectTokenInAuth { get; }

    private static string NewToken(string tag) => $"{tag}-{Guid.NewGuid():N}";

    private static Func<CancellationToken, ValueTask<IReadOnlyDictionary<string, string>>> Bearer(Func<string> token)
        => _ => new ValueTask<IReadOnlyDictionary<string, string>>(new Dictionary<string, string> { ["Authorization"] = "Bearer " + token() });

    private static Func<CancellationToken, ValueTask<IReadOnlyDictionary<string, string>>> AuthToken(Func<string> token)
        => _ => new ValueTask<IReadOnlyDictionary<string, string>>(new Dictionary<string, string> { ["token"] = token() });

    private static TokenAttempt[] Of(IEnumerable<TokenAttempt> attempts, params string[] tokens) => [.. attempts.Where(a => a.Token is { } t && tokens.Contains(t))];

    private static void AssertNoTokenLogged(ScenarioContext s, params string[] tokens)
    {
        var log = s.Logger.Dump();
        foreach (var token in tokens)
        {
            Assert.False(log.Contains(token, StringComparison.Ordinal), "a token value is in the SDK's log");
        }
    }

    [SkippableFact]
    public Task A_token_rotated_at_a_forced_reconnect_mid_classification_is_on_the_new_connection_and_the_next_POST() => RunAsync(async s =>
    {
        // The server kicks the socket after step 1; in OnReconnecting the application's token source moves to t2 and
        // the server revokes t1 (as an identity provider rotating keys would). The reconnect must carry t2 (else it is
        // refused) and the task goes on to its result; the next classification's POST carries t2 as well.
        var backend = s.Deployment;
        var t1 = NewToken("t1");
        var t2 = NewToken("t2");
        await backend.SetValidTokensAsync(t1);
        var pn = NewPartnumber("rotate");
        var next = NewPartnumber("rotnext");
        await backend.ScriptAsync(
            new PeerScript(pn) { Steps = 3, KickAtStep = 1 },
            new PeerScript(next) { Steps = 1, EchoRequest = true, EchoHeaders = ["Authorization"] });
        var current = t1;
        var reconnects = 0;
        await using var tc = s.CreateClient(o =>
        {
            o.ClassificationTimeout = TimeSpan.FromSeconds(15);
            o.HeadersProvider = Bearer(() => Volatile.Read(ref current));
            if (ConnectTokenInAuth)
            {
                o.AuthProvider = AuthToken(() => Volatile.Read(ref current));
            }

            o.OnReconnecting = _ =>
            {
                Interlocked.Increment(ref reconnects);
                Volatile.Write(ref current, t2);
                backend.SetValidTokensAsync(t2).GetAwaiter().GetResult(); // blocking in the hook: acceptable in a test
            };
        });

        var outcome = await CollectAsync(tc.Client.ClassifyAsync(new ClassificationRequest(pn)));

        AssertCompleted(outcome, pn);
        Assert.Contains(outcome.Progress, u => u.Current == 3);
        Assert.Equal(1, Volatile.Read(ref reconnects));
        var connects = Of(await backend.ConnectAttemptsAsync(), t1, t2);
        Assert.Equal([new TokenAttempt(t1, true), new TokenAttempt(t2, true)], connects);

        var second = await CollectAsync(tc.Client.ClassifyAsync(new ClassificationRequest(next)));

        AssertCompleted(second, next);
        var post = Assert.Single(await backend.ReceivedRequestsAsync(next));
        Assert.Equal("Bearer " + t2, Text(Property(post, "headers"), "Authorization"));
        Assert.Equal("Bearer " + t2, Text(Property(post, "handshake_headers"), "Authorization")); // the session it named
        Assert.Equal([new TokenAttempt(t1, true, pn), new TokenAttempt(t2, true, next)], Of(await backend.PostAttemptsAsync(), t1, t2));
        AssertNoTokenLogged(s, t1, t2);
        s.Note($"connects: {string.Join(", ", Of(await backend.ConnectAttemptsAsync(), t1, t2).Select(a => (a.Token == t1 ? "t1" : "t2") + (a.Accepted ? " accepted" : " refused")))}");
    });

    [SkippableFact]
    public Task A_connect_refused_for_a_stale_token_is_retried_once_with_the_refreshed_one() => RunAsync(async s =>
    {
        // The provider hands out a stale token first (a cache that has not noticed the expiry), a fresh one after.
        // Node: AuthProvider (auth.token), the POST's bearer static; Flask: HeadersProvider, whose first call is the connect's.
        var backend = s.Deployment;
        var stale = NewToken("stale");
        var fresh = NewToken("fresh");
        await backend.SetValidTokensAsync(fresh);
        var pn = NewPartnumber("refresh");
        await backend.ScriptAsync(new PeerScript(pn) { Steps = 2 });
        var calls = 0;
        string Token() => Interlocked.Increment(ref calls) == 1 ? stale : fresh;
        await using var tc = s.CreateClient(o =>
        {
            if (ConnectTokenInAuth)
            {
                o.AuthProvider = AuthToken(Token);
                o.Headers["Authorization"] = "Bearer " + fresh;
            }
            else
            {
                o.HeadersProvider = Bearer(Token);
            }
        });

        var outcome = await CollectAsync(tc.Client.ClassifyAsync(new ClassificationRequest(pn)));

        AssertCompleted(outcome, pn);
        Assert.Equal([new TokenAttempt(stale, false), new TokenAttempt(fresh, true)], Of(await backend.ConnectAttemptsAsync(), stale, fresh));
        Assert.Equal([new TokenAttempt(fresh, true, pn)], Of(await backend.PostAttemptsAsync(), stale, fresh));
        Assert.Equal(ConnectTokenInAuth ? 2 : 3, Volatile.Read(ref calls)); // two connects (+ the POST where the provider gives the header)
        AssertNoTokenLogged(s, stale, fresh);
    });

    [SkippableFact]
    public Task A_connect_refused_again_after_the_refresh_is_PartnumberAuthenticationException_and_nothing_is_POSTed() => RunAsync(async s =>
    {
        var backend = s.Deployment;
        await backend.SetValidTokensAsync(NewToken("someone-else"));
        var expired = NewToken("expired");
        var pn = NewPartnumber("refused");
        var calls = 0;
        string Token() => $"{expired}-{Interlocked.Increment(ref calls)}";
        await using var tc = s.CreateClient(o =>
        {
            o.ConnectTimeout = TimeSpan.FromSeconds(5);
            if (ConnectTokenInAuth)
            {
                o.AuthProvider = AuthToken(Token);
            }
            else
            {
                o.HeadersProvider = Bearer(Token);
            }
        });

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var error = await Record.ExceptionAsync(() => tc.Client.ClassifyAndWaitAsync(new ClassificationRequest(pn)));

        s.Note($"after {clock.Elapsed.TotalSeconds:0.00} s: {error?.GetType().Name}: {error?.Message}");
        var refused = Assert.IsType<PartnumberAuthenticationException>(error);
        Assert.True(refused.CredentialsRefreshed);
        Assert.Null(refused.StatusCode); // a CONNECT_ERROR, not an HTTP refusal
        Assert.Equal("invalid token", refused.ServerMessage);
        Assert.DoesNotContain(expired, refused.Message, StringComparison.Ordinal);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}: the CONNECT_ERROR was not acted on at once");
        Assert.Equal(2, Volatile.Read(ref calls));
        var connects = (await backend.ConnectAttemptsAsync()).Where(a => a.Token?.StartsWith(expired, StringComparison.Ordinal) == true).ToArray();
        Assert.Equal([new TokenAttempt(expired + "-1", false), new TokenAttempt(expired + "-2", false)], connects);
        Assert.DoesNotContain(await backend.PostAttemptsAsync(), a => a.Partnumber == pn);
        AssertNoTokenLogged(s, expired);
    });

    [SkippableFact]
    public Task A_POST_answered_401_after_the_token_was_revoked_is_sent_again_with_the_refreshed_token() => RunAsync(async s =>
    {
        // The socket connects with t1; between the connect and the POST the server revokes t1 for t2 (the provider's
        // second call does it, so the order is certain) while the provider still hands out its cached t1. The POST is
        // answered 401; the SDK asks the provider again (now t2) and sends the POST once more. The socket itself stays
        // connected: the server checks a token at connect time only.
        var backend = s.Deployment;
        var t1 = NewToken("t1");
        var t2 = NewToken("t2");
        await backend.SetValidTokensAsync(t1);
        var pn = NewPartnumber("post401");
        await backend.ScriptAsync(new PeerScript(pn) { Steps = 2 });
        var calls = 0;
        await using var tc = s.CreateClient(o =>
        {
            o.HeadersProvider = async cancellationToken =>
            {
                var call = Interlocked.Increment(ref calls);
                if (call == 2)
                {
                    await backend.SetValidTokensAsync(t2);
                }

                return new Dictionary<string, string> { ["Authorization"] = "Bearer " + (call <= 2 ? t1 : t2) };
            };
            if (ConnectTokenInAuth)
            {
                o.AuthProvider = AuthToken(() => t1);
            }
        });

        var outcome = await CollectAsync(tc.Client.ClassifyAsync(new ClassificationRequest(pn)));

        AssertCompleted(outcome, pn);
        Assert.Equal(3, Volatile.Read(ref calls)); // the connect, the POST, the POST again
        Assert.Equal([new TokenAttempt(t1, true)], Of(await backend.ConnectAttemptsAsync(), t1, t2));
        Assert.Equal([new TokenAttempt(t1, false, pn), new TokenAttempt(t2, true, pn)], Of(await backend.PostAttemptsAsync(), t1, t2));
        AssertNoTokenLogged(s, t1, t2);
    });

    [SkippableFact]
    public Task A_POST_refused_again_after_the_refresh_is_PartnumberAuthenticationException_with_the_401() => RunAsync(async s =>
    {
        // The connect is accepted, then every token is revoked: both POSTs are answered 401 {"error": "invalid token"}.
        var backend = s.Deployment;
        var t1 = NewToken("t1");
        await backend.SetValidTokensAsync(t1);
        var pn = NewPartnumber("post401x2");
        var calls = 0;
        await using var tc = s.CreateClient(o =>
        {
            o.HeadersProvider = async cancellationToken =>
            {
                if (Interlocked.Increment(ref calls) == 2)
                {
                    await backend.SetValidTokensAsync(NewToken("nobody"));
                }

                return new Dictionary<string, string> { ["Authorization"] = "Bearer " + t1 };
            };
            if (ConnectTokenInAuth)
            {
                o.AuthProvider = AuthToken(() => t1);
            }
        });

        var error = await Record.ExceptionAsync(() => tc.Client.ClassifyAndWaitAsync(new ClassificationRequest(pn)));

        s.Note($"{error?.GetType().Name}: {error?.Message}");
        var refused = Assert.IsType<PartnumberAuthenticationException>(error);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.True(refused.CredentialsRefreshed);
        Assert.Equal("invalid token", JsonDocument.Parse(refused.ServerMessage).RootElement.GetProperty("error").GetString());
        Assert.Equal(3, Volatile.Read(ref calls));
        Assert.Equal([new TokenAttempt(t1, false, pn), new TokenAttempt(t1, false, pn)], (await backend.PostAttemptsAsync()).Where(a => a.Partnumber == pn));
        AssertNoTokenLogged(s, t1);
    });
}
