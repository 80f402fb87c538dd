using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace Partnumber.Client.InteropTests.Infrastructure;

/// <summary>
/// A running backend made of real peer processes: one Flask or Node server, a scale-out pair (two Flask workers on one
/// redis), or nginx in front of a Flask server. Knows the addresses the SDK must use, scripts the peers and kills them.
/// </summary>
public sealed class PeerDeployment : IAsyncDisposable
{
    private readonly List<PeerProcess> _processes = [];
    private readonly List<(string Name, string FileName, List<string> Arguments, Dictionary<string, string>? Environment, System.Text.RegularExpressions.Regex ReadyLine)> _specs = [];
    private readonly List<Uri> _restEndpoints = [];
    private readonly List<string> _scratchDirectories = [];
    private int _disposed;

    private PeerDeployment(string name, PeerKind kind, bool autoJoin, TestCertificate? certificate)
    {
        Name = name;
        Kind = kind;
        AutoJoin = autoJoin;
        Certificate = certificate;
        ControlClient = certificate is null
            ? new HttpClient()
            : new HttpClient(new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, c, _, _) => certificate.IsTrusted(c) });
        ControlClient.Timeout = TimeSpan.FromSeconds(15);

        // A fresh connection per control request: gunicorn closes idle keep-alive connections after 2 s, and a request
        // sent on one it is closing at that moment fails with "response ended prematurely" (seen once in CI).
        ControlClient.DefaultRequestHeaders.ConnectionClose = true;
    }

    public string Name { get; }

    public PeerKind Kind { get; }

    /// <summary>True when the server joins the socket named by socket_session_id to the room at POST time.</summary>
    public bool AutoJoin { get; }

    /// <summary>The certificate the server presents (TLS deployments), trusted by pinning.</summary>
    public TestCertificate? Certificate { get; }

    public PeerLog Log { get; } = new();

    /// <summary>The REST base address the SDK POSTs to.</summary>
    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>The separate Socket.IO endpoint (scale-out), or null when it is <see cref="BaseAddress"/>.</summary>
    public Uri? SocketAddress { get; private set; }

    /// <summary>
    /// Behind a reverse proxy: the server the proxy forwards to, reached directly for the test endpoints (scripts,
    /// health, recorded requests); the SDK only ever uses <see cref="BaseAddress"/>, the proxy. Null without a proxy.
    /// </summary>
    public Uri? Upstream { get; private set; }

    public IReadOnlyList<PeerProcess> Processes => _processes;

    /// <summary>For the peers' test endpoints (scripts, health, recorded requests).</summary>
    public HttpClient ControlClient { get; }

    private static IEnumerable<string> CommonArguments(string name) =>
        ["--host", "127.0.0.1", "--port", "0", "--name", name, "--delay", "0.02", "--join-timeout", "5", "--exit-on-stdin-close"];

    public static Task<PeerDeployment> StartFlaskAsync(string name, bool autoJoin = false, TestCertificate? certificate = null, IEnumerable<string>? extraArguments = null)
        => StartScriptedPeerAsync(name, certificate is null ? PeerKind.Flask : PeerKind.Tls, PeerRequirements.Python, RepoPaths.FlaskApp, autoJoin, certificate, extraArguments);

    /// <summary>
    /// The Flask-SocketIO app in threading mode on Werkzeug's threaded server, what <c>python app.py</c> gives where
    /// no eventlet, gevent or simple-websocket is installed: long-polling only (handshake <c>"upgrades": []</c>,
    /// <c>transport=websocket</c> answered 400).
    /// </summary>
    public static Task<PeerDeployment> StartFlaskThreadingAsync(string name, IEnumerable<string>? extraArguments = null)
        => StartScriptedPeerAsync(name, PeerKind.FlaskThreading, PeerRequirements.Python, RepoPaths.FlaskApp, autoJoin: false, certificate: null, ["--async-mode", "threading", .. extraArguments ?? []]);

    /// <summary>Starts one of the two peer programs (Flask app or Node server: same command line) and waits until it is healthy.</summary>
    private static async Task<PeerDeployment> StartScriptedPeerAsync(string name, PeerKind kind, string executable, string program, bool autoJoin, TestCertificate? certificate, IEnumerable<string>? extraArguments)
    {
        var deployment = new PeerDeployment(name, kind, autoJoin, certificate);
        try
        {
            var arguments = new List<string> { program };
            arguments.AddRange(CommonArguments(name));
            if (autoJoin)
            {
                arguments.Add("--auto-join");
            }

            if (certificate is not null)
            {
                arguments.AddRange(["--certfile", certificate.CertificatePath, "--keyfile", certificate.KeyPath]);
            }

            arguments.AddRange(extraArguments ?? []);
            var process = await deployment.StartProcessAsync(name, executable, arguments).ConfigureAwait(false);
            deployment.BaseAddress = new Uri($"{(certificate is null ? "http" : "https")}://127.0.0.1:{process.Port}");
            deployment._restEndpoints.Add(deployment.BaseAddress);
            await deployment.WaitUntilHealthyAsync(deployment.BaseAddress).ConfigureAwait(false);
            return deployment;
        }
        catch
        {
            await deployment.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// The Flask-SocketIO app behind gunicorn with one eventlet worker (<c>gunicorn -k eventlet -w 1 app:app</c>), the
    /// deployment Flask-SocketIO documents. The app takes its options from PN_* environment variables there.
    /// </summary>
    public static async Task<PeerDeployment> StartGunicornAsync(string name, IEnumerable<string>? extraArguments = null)
    {
        var deployment = new PeerDeployment(name, PeerKind.Gunicorn, autoJoin: false, certificate: null);
        try
        {
            var environment = new Dictionary<string, string>
            {
                ["PN_NAME"] = name,
                ["PN_STEP_DELAY"] = "0.02",
                ["PN_JOIN_TIMEOUT"] = "5",
            };
            var extra = (extraArguments ?? []).ToList();
            for (var i = 0; i + 1 < extra.Count; i += 2)
            {
                // --ping-interval 1 → PN_PING_INTERVAL=1
                environment["PN_" + extra[i].TrimStart('-').Replace('-', '_').ToUpperInvariant()] = extra[i + 1];
            }

            // Under peer_guard.py: gunicorn does not watch its stdin, and its master and worker must not outlive a
            // test host that died.
            var arguments = new List<string>
            {
                RepoPaths.PeerGuard, "--name", name, "--", PeerRequirements.Python,
                "-m", "gunicorn", "--worker-class", "eventlet", "--workers", "1", "--bind", "127.0.0.1:0",
                "--chdir", Path.GetDirectoryName(RepoPaths.FlaskApp)!, "--graceful-timeout", "1", "app:app",
            };
            var process = await deployment.StartProcessAsync(name, PeerRequirements.Python, arguments, environment, PeerProcess.GunicornReadyLine()).ConfigureAwait(false);
            deployment.BaseAddress = new Uri($"http://127.0.0.1:{process.Port}");
            deployment._restEndpoints.Add(deployment.BaseAddress);
            await deployment.WaitUntilHealthyAsync(deployment.BaseAddress).ConfigureAwait(false);
            return deployment;
        }
        catch
        {
            await deployment.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public static Task<PeerDeployment> StartNodeAsync(string name, bool autoJoin = false, TestCertificate? certificate = null, IEnumerable<string>? extraArguments = null)
        => StartScriptedPeerAsync(name, PeerKind.Node, PeerRequirements.Node, RepoPaths.NodeServer, autoJoin, certificate, extraArguments);

    /// <summary>
    /// Debian's nginx, unprivileged on a free loopback port, as a reverse proxy in front of the Flask-SocketIO app under
    /// eventlet (tests/interop/tools/nginx_proxy.py). Without <paramref name="forwardUpgrade"/> it is nginx's plainest
    /// <c>proxy_pass</c>, which drops <c>Upgrade</c>: WebSocket handshakes fail (400) while the handshake still offers
    /// <c>websocket</c>. With it, nginx forwards WebSocket handshakes. The SDK goes through nginx for everything; the
    /// test endpoints are reached on the Flask server directly (<see cref="Upstream"/>).
    /// </summary>
    /// <param name="extraArguments">Options of the Flask app (the proxy's configuration is fixed).</param>
    public static async Task<PeerDeployment> StartBehindNginxAsync(string name, bool forwardUpgrade, IEnumerable<string>? extraArguments = null)
    {
        var deployment = new PeerDeployment(name, PeerKind.Nginx, autoJoin: false, certificate: null);
        try
        {
            var flaskArguments = new List<string> { RepoPaths.FlaskApp };
            flaskArguments.AddRange(CommonArguments(name + "-flask"));
            flaskArguments.AddRange(extraArguments ?? []);
            var flask = await deployment.StartProcessAsync(name + "-flask", PeerRequirements.Python, flaskArguments).ConfigureAwait(false);
            deployment.Upstream = new Uri($"http://127.0.0.1:{flask.Port}");
            deployment._restEndpoints.Add(deployment.Upstream);

            // nginx's pid file and temp directories: one directory per deployment, kept across a restart, removed on dispose.
            var prefix = Path.Combine(Path.GetTempPath(), $"pn-nginx-{name}-{Guid.NewGuid():N}");
            Directory.CreateDirectory(prefix);
            deployment._scratchDirectories.Add(prefix);
            var proxyArguments = new List<string>
            {
                RepoPaths.NginxProxy, "--port", "0", "--upstream-port", flask.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "--dir", prefix, "--name", name, "--nginx", PeerRequirements.Nginx, "--exit-on-stdin-close",
            };
            if (forwardUpgrade)
            {
                proxyArguments.Add("--forward-upgrade");
            }

            var proxy = await deployment.StartProcessAsync(name, PeerRequirements.Python, proxyArguments).ConfigureAwait(false);
            deployment.BaseAddress = new Uri($"http://127.0.0.1:{proxy.Port}");
            await deployment.WaitUntilHealthyAsync(deployment.Upstream).ConfigureAwait(false);
            await deployment.WaitUntilHealthyAsync(deployment.BaseAddress).ConfigureAwait(false); // and through the proxy
            return deployment;
        }
        catch
        {
            await deployment.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Two Flask-SocketIO workers sharing rooms through redis (message_queue): the SDK POSTs to "rest" and holds its
    /// socket on "socket" (SocketAddress), so every event it gets crossed redis.
    /// </summary>
    public static async Task<PeerDeployment> StartScaleOutAsync(string name, RedisServer redis, IEnumerable<string>? extraArguments = null)
    {
        var deployment = new PeerDeployment(name, PeerKind.ScaleOut, autoJoin: false, certificate: null);
        try
        {
            var channel = "pn-" + Guid.NewGuid().ToString("N");
            var ports = new List<int>();
            foreach (var role in new[] { "rest", "socket" })
            {
                var worker = $"{name}-{role}";
                var arguments = new List<string> { RepoPaths.FlaskApp };
                arguments.AddRange(CommonArguments(worker));
                arguments.AddRange(["--message-queue", redis.Url, "--channel", channel]);
                arguments.AddRange(extraArguments ?? []);
                var process = await deployment.StartProcessAsync(worker, PeerRequirements.Python, arguments).ConfigureAwait(false);
                ports.Add(process.Port);
            }

            deployment.BaseAddress = new Uri($"http://127.0.0.1:{ports[0]}");
            deployment.SocketAddress = new Uri($"http://127.0.0.1:{ports[1]}");
            deployment._restEndpoints.AddRange([deployment.BaseAddress, deployment.SocketAddress]);
            await deployment.WaitUntilHealthyAsync(deployment.BaseAddress).ConfigureAwait(false);
            await deployment.WaitUntilHealthyAsync(deployment.SocketAddress).ConfigureAwait(false);
            return deployment;
        }
        catch
        {
            await deployment.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// A client for this deployment: BaseAddress/SocketAddress set, generous timeouts (tests shorten them), and for TLS
    /// the application-supplied validation (pinned certificate on the HttpClient and on each ClientWebSocket).
    /// </summary>
    public TestClient CreateClient(Action<PartnumberClassificationClientOptions>? configure = null, ILoggerFactory? loggerFactory = null, bool trustCertificate = true)
    {
        var options = new PartnumberClassificationClientOptions
        {
            BaseAddress = BaseAddress,
            SocketAddress = SocketAddress,
            ConnectTimeout = TimeSpan.FromSeconds(10),
            ClassificationTimeout = TimeSpan.FromSeconds(30),
            LoggerFactory = loggerFactory,
        };
        HttpClient? http = null;
        if (Certificate is { } certificate && trustCertificate)
        {
            options.ConfigureWebSocket = o => o.RemoteCertificateValidationCallback = certificate.Validate;
            http = new HttpClient(new HttpClientHandler
            {
                ServerCertificateCustomValidationCallback = (_, presented, _, _) => certificate.IsTrusted(presented),
            });
        }

        configure?.Invoke(options);
        var client = http is null ? new PartnumberClassificationClient(options) : new PartnumberClassificationClient(http, options);
        return new TestClient(client, http);
    }

    /// <summary>Registers scripts on every REST endpoint of the deployment.</summary>
    public async Task ScriptAsync(params PeerScript[] scripts)
    {
        // A buffered body with Content-Length: Flask under eventlet reads a chunked request body as empty.
        var json = JsonSerializer.Serialize(scripts, PeerScript.Json);
        foreach (var endpoint in _restEndpoints)
        {
            using var content = new StringContent(json, System.Text.Encoding.UTF8, "application/json");
            using var response = await ControlClient.PostAsync(new Uri(endpoint, "/_test/scripts"), content).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                throw new InvalidOperationException($"{Name}: scripting failed: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync().ConfigureAwait(false)}");
            }
        }
    }

    /// <summary>The POST bodies the REST endpoint received for <paramref name="partnumber"/> (as the peer recorded them).</summary>
    public async Task<JsonElement[]> ReceivedRequestsAsync(string partnumber)
    {
        var all = new List<JsonElement>();
        foreach (var endpoint in _restEndpoints)
        {
            var uri = new Uri(endpoint, "/_test/requests?partnumber=" + Uri.EscapeDataString(partnumber));
            var items = await ControlClient.GetFromJsonAsync<JsonElement[]>(uri).ConfigureAwait(false);
            all.AddRange(items ?? []);
        }

        return [.. all];
    }

    /// <summary>
    /// Replaces the tokens a peer started with <c>--require-bearer</c> (Flask) or <c>--require-auth-token</c> (Node)
    /// accepts, on every REST endpoint (POST /_test/tokens).
    /// </summary>
    public async Task SetValidTokensAsync(params string[] tokens)
    {
        var json = JsonSerializer.Serialize(new { valid = tokens });
        foreach (var endpoint in _restEndpoints)
        {
            using var content = new StringContent(json, System.Text.Encoding.UTF8, "application/json");
            using var response = await ControlClient.PostAsync(new Uri(endpoint, "/_test/tokens"), content).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                throw new InvalidOperationException($"{Name}: setting the valid tokens failed: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync().ConfigureAwait(false)}");
            }
        }
    }

    /// <summary>Every Socket.IO connect attempt the servers saw, in order: the token it carried and whether it was accepted (GET /_test/connects).</summary>
    public Task<TokenAttempt[]> ConnectAttemptsAsync() => TokenAttemptsAsync("/_test/connects");

    /// <summary>Every POST /classify-partnumber the servers saw, in order: its bearer token, whether it was accepted, its partnumber (GET /_test/posts).</summary>
    public Task<TokenAttempt[]> PostAttemptsAsync() => TokenAttemptsAsync("/_test/posts");

    private async Task<TokenAttempt[]> TokenAttemptsAsync(string path)
    {
        var all = new List<TokenAttempt>();
        foreach (var endpoint in _restEndpoints)
        {
            all.AddRange(await ControlClient.GetFromJsonAsync<TokenAttempt[]>(new Uri(endpoint, path), PeerScript.Json).ConfigureAwait(false) ?? []);
        }

        return [.. all];
    }

    /// <summary>Open Engine.IO sessions on the deployment's servers (summed over the workers), from /_test/health.</summary>
    public async Task<int> OpenConnectionsAsync()
    {
        var total = 0;
        foreach (var endpoint in _restEndpoints)
        {
            var health = await ControlClient.GetFromJsonAsync<JsonElement>(new Uri(endpoint, "/_test/health")).ConfigureAwait(false);
            total += health.GetProperty("connections").GetInt32();
        }

        return total;
    }

    /// <summary>
    /// The Engine.IO requests the deployment's servers have seen so far, by transport (summed over the workers, from
    /// /_test/health): a WebSocket attempt counts whether it was upgraded or refused, and behind a proxy it counts when
    /// the proxy forwarded it (with or without its Upgrade header).
    /// </summary>
    public async Task<(int WebSocket, int Polling)> TransportRequestsAsync()
    {
        var (webSocket, polling) = (0, 0);
        foreach (var endpoint in _restEndpoints)
        {
            var health = await ControlClient.GetFromJsonAsync<JsonElement>(new Uri(endpoint, "/_test/health")).ConfigureAwait(false);
            webSocket += health.GetProperty("websocket_requests").GetInt32();
            polling += health.GetProperty("polling_requests").GetInt32();
        }

        return (webSocket, polling);
    }

    /// <summary>Kills every process of the backend at once (SIGKILL), with everything they started: the crash case.</summary>
    public async Task KillAsync()
    {
        Log.Add("test", "killing the backend");
        await Task.WhenAll(_processes.Select(p => p.KillAsync())).ConfigureAwait(false);
    }

    /// <summary>
    /// Kills every process (SIGKILL) and starts it again on the same port: the "server killed and restarted" fault.
    /// The new processes know no task, script or room of the old ones.
    /// </summary>
    /// <param name="downtime">How long the backend stays down between the kill and the new start (a deploy's gap); none by default.</param>
    public async Task RestartAsync(TimeSpan? downtime = null)
    {
        await KillAsync().ConfigureAwait(false);
        if (downtime is { } down)
        {
            await Task.Delay(down).ConfigureAwait(false); // the outage being simulated, not a wait for something to happen
        }

        var old = _processes.ToList();
        _processes.Clear();
        var specs = _specs.ToList();
        _specs.Clear();
        for (var i = 0; i < specs.Count; i++)
        {
            var (name, fileName, arguments, environment, readyLine) = specs[i];
            var port = old[i].Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
            var withPort = arguments.Select((a, j) => j > 0 && arguments[j - 1] == "--port" ? port : j > 0 && arguments[j - 1] == "--bind" ? "127.0.0.1:" + port : a).ToList();
            await old[i].DisposeAsync().ConfigureAwait(false);
            Log.Add("test", $"restarting {name} on port {port}");
            await StartProcessAsync(name, fileName, withPort, environment, readyLine).ConfigureAwait(false);
        }

        foreach (var endpoint in _restEndpoints)
        {
            await WaitUntilHealthyAsync(endpoint).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        foreach (var process in _processes)
        {
            await process.DisposeAsync().ConfigureAwait(false);
        }

        ControlClient.Dispose();
        foreach (var directory in _scratchDirectories)
        {
            try
            {
                Directory.Delete(directory, recursive: true);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                Log.Add("test", $"could not remove {directory}: {ex.Message}");
            }
        }
    }

    public override string ToString() => (SocketAddress, Upstream) switch
    {
        (not null, _) => $"{Name}: REST {BaseAddress}, Socket.IO {SocketAddress}",
        (_, not null) => $"{Name} at {BaseAddress} (nginx in front of {Upstream})",
        _ => $"{Name} at {BaseAddress}",
    };

    private async Task<PeerProcess> StartProcessAsync(
        string name,
        string fileName,
        IEnumerable<string> arguments,
        Dictionary<string, string>? environment = null,
        System.Text.RegularExpressions.Regex? readyLine = null)
    {
        var list = arguments.ToList();
        readyLine ??= PeerProcess.PeerReadyLine();
        var process = await PeerProcess.StartAsync(name, fileName, list, Log, readyLine, environment: environment).ConfigureAwait(false);
        _processes.Add(process);
        _specs.Add((name, fileName, list, environment, readyLine));
        return process;
    }

    /// <summary>Polls the peer's health endpoint until it answers 200, within a bounded deadline.</summary>
    private async Task WaitUntilHealthyAsync(Uri baseAddress)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        Exception? last = null;
        while (DateTime.UtcNow < deadline)
        {
            if (_processes.Any(p => p.HasExited))
            {
                throw new InvalidOperationException($"{Name}: a peer process exited while starting.\n{Log.Since(0)}");
            }

            try
            {
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                using var response = await ControlClient.GetAsync(new Uri(baseAddress, "/_test/health"), cts.Token).ConfigureAwait(false);
                if (response.IsSuccessStatusCode)
                {
                    Log.Add("test", $"healthy: {baseAddress} {await response.Content.ReadAsStringAsync().ConfigureAwait(false)}");
                    return;
                }

                last = new HttpRequestException($"health answered {(int)response.StatusCode}");
            }
            catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException)
            {
                last = ex;
            }

            await Task.Delay(50).ConfigureAwait(false);
        }

        throw new InvalidOperationException($"{Name}: {baseAddress} did not answer /_test/health within 20 s ({last?.Message}).\n{Log.Since(0)}");
    }
}

/// <summary>An SDK client and the HttpClient the test gave it (the SDK never disposes a given HttpClient).</summary>
public sealed class TestClient(PartnumberClassificationClient client, HttpClient? httpClient) : IAsyncDisposable
{
    public PartnumberClassificationClient Client { get; } = client;

    public async ValueTask DisposeAsync()
    {
        await Client.DisposeAsync().ConfigureAwait(false);
        httpClient?.Dispose();
    }
}

/// <summary>One connect attempt or POST as a token-checking peer recorded it (partnumber: POSTs only, when the body had one).</summary>
public sealed record TokenAttempt(string? Token, bool Accepted, string? Partnumber = null);
