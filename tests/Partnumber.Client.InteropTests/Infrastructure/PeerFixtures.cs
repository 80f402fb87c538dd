namespace Partnumber.Client.InteropTests.Infrastructure;

/// <summary>
/// Starts one deployment of real peers for a test class (shared by its tests) and stops it afterwards. A missing peer
/// does not throw here: each test calls <see cref="Require"/>, which skips (developer machine) or fails (CI).
/// </summary>
public abstract class PeerFixture : IAsyncLifetime
{
    /// <summary>The API key the <see cref="GetGatewayAsync">gateway</see> deployment requires.</summary>
    public const string GatewayApiKey = "secret-7d3f";

    /// <summary>Where the gateway deployment exposes Socket.IO.</summary>
    public const string GatewaySocketIOPath = "/realtime/socket.io";

    private readonly SemaphoreSlim _gatewayLock = new(1, 1);
    private Exception? _startError;
    private PeerDeployment? _deployment;
    private PeerDeployment? _gateway;
    private int _dedicated;

    public abstract PeerKind Kind { get; }

    /// <summary>
    /// The transport the SDK must end up on here with default options (<see cref="ClassificationResult.Transport"/>):
    /// WebSocket where the deployment accepts it, long-polling where it does not.
    /// </summary>
    public virtual PartnumberTransports ExpectedTransport => PartnumberTransports.WebSocket;

    /// <summary>Whether the Engine.IO handshake offers an upgrade to WebSocket (<c>"upgrades": ["websocket"]</c>).</summary>
    public virtual bool OffersWebSocketUpgrade => true;

    /// <summary>Whether a WebSocket handshake to the Socket.IO endpoint gets its 101 (false: refused with 400).</summary>
    public virtual bool AcceptsWebSocket => true;

    /// <summary>Whether every completed stream's result is checked for <see cref="ExpectedTransport"/> (every deployment does).</summary>
    public virtual bool ChecksTransportOfEveryResult => true;

    /// <summary>Short name used in peer log lines.</summary>
    protected abstract string Name { get; }

    public async Task InitializeAsync()
    {
        if (PeerRequirements.Missing(Kind) is not null)
        {
            return;
        }

        try
        {
            await PrepareAsync().ConfigureAwait(false);
            _deployment = await StartDeploymentAsync(Name, extraArguments: null).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            _startError = ex;
        }
    }

    /// <summary>The shared deployment; skips or fails the test when the peer is not available.</summary>
    public PeerDeployment Require()
    {
        PeerRequirements.Require(Kind);
        if (_startError is not null)
        {
            throw new InvalidOperationException($"The {Kind} peer is installed but did not start: {_startError.Message}", _startError);
        }

        return _deployment!;
    }

    /// <summary>A fresh deployment of the same kind for one test (for tests that kill it). The caller disposes it.</summary>
    /// <param name="extraArguments">Extra peer options, for example <c>--ping-interval 1 --ping-timeout 1</c>.</param>
    public Task<PeerDeployment> StartDedicatedAsync(IReadOnlyList<string>? extraArguments = null) =>
        StartDeploymentAsync($"{Name}-d{Interlocked.Increment(ref _dedicated)}", extraArguments);

    /// <summary>
    /// A second deployment of the same kind, started on first use and shared by the class's tests, configured like a
    /// production gateway: API key required (<c>--require-header X-Api-Key=...</c>), Socket.IO moved to
    /// <see cref="GatewaySocketIOPath"/>, and a 1 s + 1 s heartbeat. One process start instead of one per test.
    /// </summary>
    public async Task<PeerDeployment> GetGatewayAsync()
    {
        await _gatewayLock.WaitAsync().ConfigureAwait(false);
        try
        {
            return _gateway ??= await StartDeploymentAsync(
                $"{Name}-gw",
                ["--require-header", "X-Api-Key=" + GatewayApiKey, "--socketio-path", GatewaySocketIOPath.TrimStart('/'), "--ping-interval", "1", "--ping-timeout", "1"]).ConfigureAwait(false);
        }
        finally
        {
            _gatewayLock.Release();
        }
    }

    public virtual async Task DisposeAsync()
    {
        if (_deployment is not null)
        {
            await _deployment.DisposeAsync().ConfigureAwait(false);
        }

        if (_gateway is not null)
        {
            await _gateway.DisposeAsync().ConfigureAwait(false);
        }
    }

    protected virtual Task PrepareAsync() => Task.CompletedTask;

    protected abstract Task<PeerDeployment> StartDeploymentAsync(string name, IReadOnlyList<string>? extraArguments);
}

public sealed class FlaskFixture : PeerFixture
{
    public override PeerKind Kind => PeerKind.Flask;

    protected override string Name => "flask";

    protected override Task<PeerDeployment> StartDeploymentAsync(string name, IReadOnlyList<string>? extraArguments) => PeerDeployment.StartFlaskAsync(name, extraArguments: extraArguments);
}

public sealed class FlaskAutoJoinFixture : PeerFixture
{
    public override PeerKind Kind => PeerKind.Flask;

    protected override string Name => "flask-autojoin";

    protected override Task<PeerDeployment> StartDeploymentAsync(string name, IReadOnlyList<string>? extraArguments) => PeerDeployment.StartFlaskAsync(name, autoJoin: true, extraArguments: extraArguments);
}

/// <summary>The Flask-SocketIO app behind gunicorn with one eventlet worker.</summary>
public sealed class GunicornFixture : PeerFixture
{
    public override PeerKind Kind => PeerKind.Gunicorn;

    protected override string Name => "gunicorn";

    protected override Task<PeerDeployment> StartDeploymentAsync(string name, IReadOnlyList<string>? extraArguments) => PeerDeployment.StartGunicornAsync(name, extraArguments);
}

public sealed class NodeFixture : PeerFixture
{
    public override PeerKind Kind => PeerKind.Node;

    protected override string Name => "node";

    protected override Task<PeerDeployment> StartDeploymentAsync(string name, IReadOnlyList<string>? extraArguments) => PeerDeployment.StartNodeAsync(name, extraArguments: extraArguments);
}

public sealed class NodeAutoJoinFixture : PeerFixture
{
    public override PeerKind Kind => PeerKind.Node;

    protected override string Name => "node-autojoin";

    protected override Task<PeerDeployment> StartDeploymentAsync(string name, IReadOnlyList<string>? extraArguments) => PeerDeployment.StartNodeAsync(name, autoJoin: true, extraArguments: extraArguments);
}

/// <summary>Two Flask-SocketIO workers sharing rooms through a real redis-server started for the class.</summary>
public sealed class ScaleOutFixture : PeerFixture
{
    private readonly PeerLog _redisLog = new();
    private RedisServer? _redis;

    public override PeerKind Kind => PeerKind.ScaleOut;

    protected override string Name => "scale";

    public string RedisLog => _redisLog.Since(0);

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync().ConfigureAwait(false);
        if (_redis is not null)
        {
            await _redis.DisposeAsync().ConfigureAwait(false);
        }
    }

    protected override async Task PrepareAsync() => _redis = await RedisServer.StartAsync(_redisLog).ConfigureAwait(false);

    protected override Task<PeerDeployment> StartDeploymentAsync(string name, IReadOnlyList<string>? extraArguments) => PeerDeployment.StartScaleOutAsync(name, _redis!, extraArguments);
}

/// <summary>A peer serving https/wss with a self-signed certificate made for the class.</summary>
public abstract class TlsPeerFixture : PeerFixture
{
    protected TestCertificate? Certificate { get; private set; }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync().ConfigureAwait(false);
        Certificate?.Dispose();
    }

    protected override Task PrepareAsync()
    {
        Certificate = TestCertificate.Create();
        return Task.CompletedTask;
    }
}

/// <summary>Flask-SocketIO (eventlet) serving https/wss with a self-signed certificate made for the class.</summary>
public sealed class TlsFixture : TlsPeerFixture
{
    public override PeerKind Kind => PeerKind.Tls;

    protected override string Name => "flask-tls";

    protected override Task<PeerDeployment> StartDeploymentAsync(string name, IReadOnlyList<string>? extraArguments) => PeerDeployment.StartFlaskAsync(name, certificate: Certificate, extraArguments: extraArguments);
}

/// <summary>Node's socket.io server serving https/wss with a self-signed certificate made for the class.</summary>
public sealed class NodeTlsFixture : TlsPeerFixture
{
    public override PeerKind Kind => PeerKind.Node;

    protected override string Name => "node-tls";

    protected override Task<PeerDeployment> StartDeploymentAsync(string name, IReadOnlyList<string>? extraArguments) => PeerDeployment.StartNodeAsync(name, certificate: Certificate, extraArguments: extraArguments);
}

/// <summary>
/// Flask-SocketIO in threading mode on Werkzeug (<c>python app.py</c> without eventlet, gevent or simple-websocket):
/// long-polling only. The handshake offers no upgrade and a WebSocket handshake is answered 400.
/// </summary>
public sealed class FlaskThreadingFixture : PeerFixture
{
    public override PeerKind Kind => PeerKind.FlaskThreading;

    public override PartnumberTransports ExpectedTransport => PartnumberTransports.LongPolling;

    public override bool OffersWebSocketUpgrade => false;

    public override bool AcceptsWebSocket => false;

    protected override string Name => "flask-threading";

    protected override Task<PeerDeployment> StartDeploymentAsync(string name, IReadOnlyList<string>? extraArguments) => PeerDeployment.StartFlaskThreadingAsync(name, extraArguments);
}

/// <summary>
/// nginx's plainest <c>proxy_pass</c> in front of Flask-SocketIO under eventlet: it drops <c>Upgrade</c>, so the
/// handshake still offers <c>websocket</c> but every WebSocket handshake fails with 400; long-polling works.
/// </summary>
public sealed class NginxWithoutUpgradeFixture : PeerFixture
{
    public override PeerKind Kind => PeerKind.Nginx;

    public override PartnumberTransports ExpectedTransport => PartnumberTransports.LongPolling;

    public override bool AcceptsWebSocket => false;

    protected override string Name => "nginx-plain";

    protected override Task<PeerDeployment> StartDeploymentAsync(string name, IReadOnlyList<string>? extraArguments) => PeerDeployment.StartBehindNginxAsync(name, forwardUpgrade: false, extraArguments);
}

/// <summary>nginx forwarding WebSocket handshakes (HTTP/1.1, Upgrade/Connection) in front of Flask-SocketIO under eventlet.</summary>
public sealed class NginxWebSocketProxyFixture : PeerFixture
{
    public override PeerKind Kind => PeerKind.Nginx;

    protected override string Name => "nginx-upgrade";

    protected override Task<PeerDeployment> StartDeploymentAsync(string name, IReadOnlyList<string>? extraArguments) => PeerDeployment.StartBehindNginxAsync(name, forwardUpgrade: true, extraArguments);
}

/// <summary>Node's socket.io server with <c>transports: ['polling']</c>: no upgrade offered, WebSocket handshakes answered 400.</summary>
public sealed class NodePollingOnlyFixture : PeerFixture
{
    public override PeerKind Kind => PeerKind.Node;

    public override PartnumberTransports ExpectedTransport => PartnumberTransports.LongPolling;

    public override bool OffersWebSocketUpgrade => false;

    public override bool AcceptsWebSocket => false;

    protected override string Name => "node-polling";

    protected override Task<PeerDeployment> StartDeploymentAsync(string name, IReadOnlyList<string>? extraArguments) => PeerDeployment.StartNodeAsync(name, extraArguments: ["--transports", "polling", .. extraArguments ?? []]);
}

/// <summary>
/// Flask-SocketIO under eventlet behind an OAuth-style check (<c>--require-bearer</c>): the connect and the POST need
/// <c>Authorization: Bearer</c> with a token of the valid set, which the scenarios set per test (POST /_test/tokens).
/// </summary>
public sealed class FlaskBearerFixture : PeerFixture
{
    public override PeerKind Kind => PeerKind.Flask;

    protected override string Name => "flask-bearer";

    protected override Task<PeerDeployment> StartDeploymentAsync(string name, IReadOnlyList<string>? extraArguments) => PeerDeployment.StartFlaskAsync(name, extraArguments: ["--require-bearer", .. extraArguments ?? []]);
}

/// <summary>The bearer-token Flask app (<see cref="FlaskBearerFixture"/>) in threading mode on Werkzeug: long-polling only.</summary>
public sealed class FlaskThreadingBearerFixture : PeerFixture
{
    public override PeerKind Kind => PeerKind.FlaskThreading;

    public override PartnumberTransports ExpectedTransport => PartnumberTransports.LongPolling;

    public override bool OffersWebSocketUpgrade => false;

    public override bool AcceptsWebSocket => false;

    protected override string Name => "flask-threading-bearer";

    protected override Task<PeerDeployment> StartDeploymentAsync(string name, IReadOnlyList<string>? extraArguments) => PeerDeployment.StartFlaskThreadingAsync(name, ["--require-bearer", .. extraArguments ?? []]);
}

/// <summary>
/// Node's socket.io server with the token middleware its documentation shows (<c>--require-auth-token</c>): the
/// connect needs <c>auth.token</c> in the valid set, the POST <c>Authorization: Bearer</c> with one.
/// </summary>
public sealed class NodeAuthTokenFixture : PeerFixture
{
    public override PeerKind Kind => PeerKind.Node;

    protected override string Name => "node-authtoken";

    protected override Task<PeerDeployment> StartDeploymentAsync(string name, IReadOnlyList<string>? extraArguments) => PeerDeployment.StartNodeAsync(name, extraArguments: ["--require-auth-token", .. extraArguments ?? []]);
}
