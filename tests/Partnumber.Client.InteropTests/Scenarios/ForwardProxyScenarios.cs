using System.Text.Json;
using Partnumber.Client.InteropTests.Infrastructure;
using Xunit.Abstractions;

namespace Partnumber.Client.InteropTests.Scenarios;

/// <summary>
/// Behind a corporate forward proxy (issue 28): Debian's tinyproxy in front of Flask-SocketIO under eventlet, reached
/// the way applications in such networks reach it, through <c>HTTP_PROXY</c>, by an SDK client with default options
/// (the console sample in a process of its own). Each scenario runs 20 classifications at once and checks the transport
/// each result reports.
/// </summary>
public sealed class ForwardProxyScenarios(FlaskFixture fixture, ITestOutputHelper output)
    : ScenarioBase<FlaskFixture>(fixture, output), IClassFixture<FlaskFixture>
{
    private const int Count = 20;
    private static readonly (string User, string Password) Credentials = ("pn-user", "s3cret-proxy");

    [SkippableFact]
    public Task A_proxy_that_refuses_the_WebSocket_tunnel_is_passed_over_long_polling_after_one_attempt() => RunAsync(async s =>
    {
        await using var proxy = await ForwardProxy.StartAsync(s.Deployment.Log, connectPorts: []); // CONNECT to 443 only
        var mark = s.Deployment.Log.Mark;

        var results = await BatchThroughAsync(s, proxy.Url);

        Assert.All(results, r => Assert.Equal(("done", "polling"), (Text(r, "status"), Text(r, "transport"))));
        var log = s.Deployment.Log.Since(mark, int.MaxValue);
        Assert.Equal(1, Occurrences(log, "Refused CONNECT method on port")); // one WebSocket attempt for the endpoint, then it is remembered
        Assert.True(Occurrences(log, "transport=polling") >= Count, "the long-polling requests did not go through the proxy");
        s.Note($"{Count} at once through a proxy refusing CONNECT: {results.Count(r => Text(r, "status") == "done")} done over long-polling, 1 refused tunnel");
    });

    [SkippableFact]
    public Task A_proxy_that_allows_the_tunnel_carries_the_WebSocket_and_no_POST_fails() => RunAsync(async s =>
    {
        await using var proxy = await ForwardProxy.StartAsync(s.Deployment.Log, connectPorts: [s.Deployment.BaseAddress.Port]);
        var mark = s.Deployment.Log.Mark;

        var results = await BatchThroughAsync(s, proxy.Url);

        Assert.All(results, r => Assert.Equal(("done", "websocket"), (Text(r, "status"), Text(r, "transport"))));
        var log = s.Deployment.Log.Since(mark, int.MaxValue);
        Assert.True(Occurrences(log, $"CONNECT 127.0.0.1:{s.Deployment.BaseAddress.Port}") >= Count, "the WebSockets did not go through the proxy's tunnel");
        Assert.True(Occurrences(log, "POST http://") >= Count, "the POSTs did not go through the proxy");
    });

    [SkippableFact]
    public Task A_proxy_requiring_Basic_authentication_gets_the_credentials_from_HTTP_PROXY_on_every_channel() => RunAsync(async s =>
    {
        await using var proxy = await ForwardProxy.StartAsync(s.Deployment.Log, connectPorts: [s.Deployment.BaseAddress.Port], Credentials);

        var results = await BatchThroughAsync(s, proxy.Url);

        Assert.All(results, r => Assert.Equal(("done", "websocket"), (Text(r, "status"), Text(r, "transport"))));
    });

    [SkippableFact]
    public Task Without_credentials_a_proxy_requiring_authentication_is_a_connection_error_that_says_so() => RunAsync(async s =>
    {
        await using var proxy = await ForwardProxy.StartAsync(s.Deployment.Log, connectPorts: [s.Deployment.BaseAddress.Port], Credentials, withCredentialsInUrl: false);
        using var directory = new TemporaryDirectory();

        var (code, output) = await SampleProcess.RunAsync(
            [NewPartnumber("px-noauth"), "--server", s.Deployment.BaseAddress.ToString(), "--json"],
            new Dictionary<string, string?> { ["HTTP_PROXY"] = proxy.Url },
            directory.Path);

        var result = JsonDocument.Parse(output.Trim().Split('\n')[^1]).RootElement;
        Assert.Equal(("failed", "connection"), (Text(result, "status"), Text(result, "error_type")));
        Assert.Contains("The proxy requires authentication (407 Proxy Authentication Required)", Text(result, "error") ?? string.Empty);
        Assert.DoesNotContain(Credentials.Password, output);
        Assert.NotEqual(0, code);
    });

    [SkippableFact]
    public Task NO_PROXY_sends_every_channel_straight_to_the_server() => RunAsync(async s =>
    {
        await using var proxy = await ForwardProxy.StartAsync(s.Deployment.Log, connectPorts: []);
        var mark = s.Deployment.Log.Mark;

        var results = await BatchThroughAsync(s, proxy.Url, noProxy: "127.0.0.1");

        Assert.All(results, r => Assert.Equal(("done", "websocket"), (Text(r, "status"), Text(r, "transport"))));
        Assert.Equal(0, Occurrences(s.Deployment.Log.Since(mark, int.MaxValue), "Request (file descriptor")); // the proxy saw nothing
    });

    /// <summary>Classifies <see cref="Count"/> partnumbers at once with the sample's batch (resubmission off: nothing may hide a failure).</summary>
    private static async Task<List<JsonElement>> BatchThroughAsync(ScenarioContext s, string proxyUrl, string? noProxy = null)
    {
        using var directory = new TemporaryDirectory();
        var input = Path.Combine(directory.Path, "parts.csv");
        var journal = Path.Combine(directory.Path, "results.jsonl");
        await File.WriteAllLinesAsync(input, ["partnumber", .. Enumerable.Range(0, Count).Select(i => NewPartnumber("px" + i))]);
        var environment = new Dictionary<string, string?> { ["HTTP_PROXY"] = proxyUrl, ["NO_PROXY"] = noProxy };

        var (code, output) = await SampleProcess.RunAsync(
            ["--input", input, "--output", journal, "--concurrency", Count.ToString(System.Globalization.CultureInfo.InvariantCulture), "--no-resubmit", "--server", s.Deployment.BaseAddress.ToString()],
            environment,
            directory.Path);

        var results = File.Exists(journal) ? SampleProcess.ReadJournal(journal) : [];
        s.Note($"sample exit code {code}; {results.Count} results; failures: {string.Join(" | ", results.Where(r => Text(r, "status") != "done").Select(r => Text(r, "error")).Distinct())}");
        Assert.True(results.Count == Count, $"the batch wrote {results.Count} of {Count} results:\n{output}");
        return results;
    }

    private static int Occurrences(string text, string what)
    {
        var count = 0;
        for (var at = text.IndexOf(what, StringComparison.Ordinal); at >= 0; at = text.IndexOf(what, at + what.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }

    private sealed class TemporaryDirectory : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("pn-proxy-").FullName;

        public void Dispose() => Directory.Delete(Path, recursive: true);
    }
}
