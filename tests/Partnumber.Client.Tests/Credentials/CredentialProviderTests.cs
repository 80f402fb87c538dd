using System.Net;
using Microsoft.Extensions.Time.Testing;
using Partnumber.Client.Testing;
using Partnumber.Client.Testing.Scripting;

namespace Partnumber.Client.Tests.Credentials;

/// <summary>
/// <see cref="PartnumberClassificationClientOptions.HeadersProvider"/> and <see cref="PartnumberClassificationClientOptions.AuthProvider"/>
/// against the fake server, which checks a bearer token the way a backend behind an OAuth gateway does.
/// </summary>
public sealed class CredentialProviderTests
{
    private static Func<CancellationToken, ValueTask<IReadOnlyDictionary<string, string>>> Bearer(Func<string> token)
        => _ => new ValueTask<IReadOnlyDictionary<string, string>>(new Dictionary<string, string> { ["Authorization"] = "Bearer " + token() });

    private static Func<CancellationToken, ValueTask<IReadOnlyDictionary<string, string>>> AuthToken(Func<string> token)
        => _ => new ValueTask<IReadOnlyDictionary<string, string>>(new Dictionary<string, string> { ["token"] = token() });

    [Theory]
    [InlineData(PartnumberTransports.WebSocket)]
    [InlineData(PartnumberTransports.LongPolling)]
    public async Task A_token_rotated_mid_classification_is_on_the_reconnect_and_on_the_next_POST(PartnumberTransports transport)
    {
        var serverTime = new FakeTimeProvider();
        await using var server = await FakePartnumberServer.StartAsync(new FakePartnumberServerOptions { TimeProvider = serverTime });
        var token = "t1";
        server.AuthorizeRequests(presented => (presented.IsConnect ? presented.Auth.GetValueOrDefault("token") : presented.BearerToken) == Volatile.Read(ref token)
            && (!presented.IsConnect || presented.BearerToken == Volatile.Read(ref token)));
        server.ForPartnumber("PN-ROT").Progress("1").Disconnect(ServerDisconnectMode.TransportAbort).Progress("2", TimeSpan.FromSeconds(1)).Finish("ok");
        await using var client = server.CreateClient(o =>
        {
            o.Transports = transport;
            o.ReuseConnections = false;
            o.HeadersProvider = Bearer(() => Volatile.Read(ref token));
            o.AuthProvider = AuthToken(() => Volatile.Read(ref token));
            o.OnReconnecting = _ => Volatile.Write(ref token, "t2"); // the old token expires with the connection
        });

        var classification = client.ClassifyAndWaitAsync(new ClassificationRequest("PN-ROT"));
        await server.Journal.WaitForEventsAsync(2, e => e.EventName == "join"); // rejoined after the drop
        serverTime.Advance(TimeSpan.FromSeconds(1));
        var result = await classification;
        server.ForPartnumber("PN-NEXT").Finish("ok");
        await client.ClassifyAndWaitAsync(new ClassificationRequest("PN-NEXT"));

        Assert.Equal("ok", result.Description);
        var sessions = server.Journal.Sessions;
        Assert.Equal("Bearer t1", sessions[0].Headers["Authorization"]);
        Assert.Equal("t1", sessions[0].Auth["token"]);
        Assert.Equal("Bearer t2", sessions[1].Headers["Authorization"]);
        Assert.Equal("t2", sessions[1].Auth["token"]);
        var requests = server.Journal.Requests;
        Assert.Equal(["Bearer t1", "Bearer t2"], requests.Select(r => r.Headers["Authorization"]));
        Assert.All(requests, r => Assert.Equal(202, r.StatusCode));
    }

    [Fact]
    public async Task A_POST_answered_401_fetches_the_headers_again_and_is_sent_once_more()
    {
        await using var server = await FakePartnumberServer.StartAsync();
        var refusals = 0;
        server.AuthorizeRequests(presented =>
        {
            if (presented.IsConnect || presented.BearerToken == "fresh")
            {
                return true;
            }

            Interlocked.Increment(ref refusals);
            return false;
        });
        server.ForPartnumber("PN-401").Finish("ok");
        await using var client = server.CreateClient(o => o.HeadersProvider = Bearer(() => Volatile.Read(ref refusals) > 0 ? "fresh" : "stale"));

        var result = await client.ClassifyAndWaitAsync(new ClassificationRequest("PN-401"));

        Assert.Equal("ok", result.Description);
        Assert.Equal([401, 202], server.Journal.Requests.Select(r => r.StatusCode));
        Assert.Equal(["Bearer stale", "Bearer fresh"], server.Journal.Requests.Select(r => r.Headers["Authorization"]));
    }

    [Fact]
    public async Task A_POST_refused_again_after_the_refresh_is_a_typed_error_after_exactly_two_POSTs()
    {
        await using var server = await FakePartnumberServer.StartAsync();
        server.AuthorizeRequests(presented => presented.IsConnect);
        var calls = 0;
        await using var client = server.CreateClient(o => o.HeadersProvider = Bearer(() => "expired-" + Interlocked.Increment(ref calls)));

        var error = await Assert.ThrowsAsync<PartnumberAuthenticationException>(() => client.ClassifyAndWaitAsync(new ClassificationRequest("PN-X")));

        Assert.Equal(HttpStatusCode.Unauthorized, error.StatusCode);
        Assert.True(error.CredentialsRefreshed);
        Assert.Contains("Unauthorized", error.ServerMessage, StringComparison.Ordinal);
        Assert.Contains("again after the headers were fetched anew", error.Message, StringComparison.Ordinal);
        Assert.Equal([401, 401], server.Journal.Requests.Select(r => r.StatusCode));
        Assert.DoesNotContain("expired-", error.Message, StringComparison.Ordinal); // the token is never in a message
    }

    [Fact]
    public async Task Without_a_provider_a_401_is_a_rejection_and_is_not_sent_twice()
    {
        await using var server = await FakePartnumberServer.StartAsync();
        server.AuthorizeRequests(presented => presented.IsConnect);
        await using var client = server.CreateClient(o => o.Headers["Authorization"] = "Bearer static");

        var error = await Assert.ThrowsAsync<ClassificationRejectedException>(() => client.ClassifyAndWaitAsync(new ClassificationRequest("PN-X")));

        Assert.Equal(HttpStatusCode.Unauthorized, error.StatusCode);
        Assert.Single(server.Journal.Requests);
    }

    [Theory]
    [InlineData(PartnumberTransports.WebSocket)]
    [InlineData(PartnumberTransports.LongPolling)]
    public async Task A_CONNECT_ERROR_fetches_the_auth_again_and_connects_once_more(PartnumberTransports transport)
    {
        await using var server = await FakePartnumberServer.StartAsync();
        var refusals = 0;
        server.AuthorizeRequests(presented =>
        {
            if (!presented.IsConnect || presented.Auth.GetValueOrDefault("token") == "fresh")
            {
                return true;
            }

            Interlocked.Increment(ref refusals);
            return false;
        });
        server.ForPartnumber("PN-CE").Finish("ok");
        await using var client = server.CreateClient(o =>
        {
            o.Transports = transport;
            o.AuthProvider = AuthToken(() => Volatile.Read(ref refusals) > 0 ? "fresh" : "stale");
        });

        var result = await client.ClassifyAndWaitAsync(new ClassificationRequest("PN-CE"));

        Assert.Equal("ok", result.Description);
        Assert.Equal(["stale", "fresh"], server.Journal.Sessions.Select(s => s.Auth["token"]));
        Assert.Single(server.Journal.Requests);
    }

    [Fact]
    public async Task A_CONNECT_ERROR_after_the_refresh_is_a_typed_error_and_nothing_is_POSTed()
    {
        await using var server = await FakePartnumberServer.StartAsync();
        server.AuthorizeRequests(presented => !presented.IsConnect);
        var calls = 0;
        await using var client = server.CreateClient(o => o.AuthProvider = AuthToken(() => "expired-" + Interlocked.Increment(ref calls)));

        var error = await Assert.ThrowsAsync<PartnumberAuthenticationException>(() => client.ClassifyAndWaitAsync(new ClassificationRequest("PN-X")));

        Assert.Null(error.StatusCode);
        Assert.Equal("Unauthorized", error.ServerMessage);
        Assert.True(error.CredentialsRefreshed);
        Assert.Contains("CONNECT_ERROR", error.Message, StringComparison.Ordinal);
        Assert.Equal(2, calls);
        Assert.Equal(2, server.Journal.Sessions.Count);
        Assert.Empty(server.Journal.Requests);
    }

    [Fact]
    public async Task Without_a_provider_a_CONNECT_ERROR_is_not_retried()
    {
        await using var server = await FakePartnumberServer.StartAsync();
        server.AuthorizeRequests(presented => !presented.IsConnect);
        await using var client = server.CreateClient(o => o.Auth["token"] = "static");

        var error = await Assert.ThrowsAsync<PartnumberAuthenticationException>(() => client.ClassifyAndWaitAsync(new ClassificationRequest("PN-X")));

        Assert.False(error.CredentialsRefreshed);
        Assert.Single(server.Journal.Sessions);
        Assert.Empty(server.Journal.Requests);
    }

    [Fact]
    public async Task Static_headers_and_auth_are_sent_with_the_providers_values_which_win_on_a_clash()
    {
        await using var server = await FakePartnumberServer.StartAsync();
        server.ForPartnumber("PN-M").Finish("ok");
        await using var client = server.CreateClient(o =>
        {
            o.Headers["X-Api-Key"] = "k-1";
            o.Headers["Authorization"] = "Bearer static";
            o.Auth["tenant"] = "acme";
            o.HeadersProvider = Bearer(() => "dynamic");
            o.AuthProvider = AuthToken(() => "dyn-token");
        });

        await client.ClassifyAndWaitAsync(new ClassificationRequest("PN-M"));

        var post = Assert.Single(server.Journal.Requests);
        Assert.Equal("k-1", post.Headers["X-Api-Key"]);
        Assert.Equal("Bearer dynamic", post.Headers["Authorization"]);
        var session = Assert.Single(server.Journal.Sessions);
        Assert.Equal("k-1", session.Headers["X-Api-Key"]);
        Assert.Equal("Bearer dynamic", session.Headers["Authorization"]);
        Assert.Equal("acme", session.Auth["tenant"]);
        Assert.Equal("dyn-token", session.Auth["token"]);
    }

    [Fact]
    public async Task A_provider_that_throws_fails_the_classification_with_a_typed_error_before_any_network_call()
    {
        await using var server = await FakePartnumberServer.StartAsync();
        await using var client = server.CreateClient(o => o.HeadersProvider = _ => throw new InvalidOperationException("token service down"));

        var error = await Assert.ThrowsAsync<PartnumberAuthenticationException>(() => client.ClassifyAndWaitAsync(new ClassificationRequest("PN-X")));

        Assert.Contains("HeadersProvider failed: token service down", error.Message, StringComparison.Ordinal);
        Assert.IsType<InvalidOperationException>(error.InnerException);
        Assert.Empty(server.Journal.Sessions);
        Assert.Empty(server.Journal.Requests);
    }

    [Fact]
    public async Task The_provider_is_asked_for_each_new_connection_and_each_POST_but_not_for_a_reused_connection()
    {
        await using var server = await FakePartnumberServer.StartAsync();
        server.ForPartnumber(_ => true).Finish("ok");
        var calls = 0;
        await using var client = server.CreateClient(o => o.HeadersProvider = Bearer(() => "t" + Interlocked.Increment(ref calls)));

        for (var i = 0; i < 3; i++)
        {
            await client.ClassifyAndWaitAsync(new ClassificationRequest("PN-" + i));
        }

        Assert.Single(server.Journal.Sessions); // one connection, reused
        Assert.Equal(4, calls); // the connection's handshake and three POSTs
        Assert.Equal(["Bearer t2", "Bearer t3", "Bearer t4"], server.Journal.Requests.Select(r => r.Headers["Authorization"]));
    }
}
