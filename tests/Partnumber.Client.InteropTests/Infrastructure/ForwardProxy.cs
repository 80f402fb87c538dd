using System.Text.RegularExpressions;

namespace Partnumber.Client.InteropTests.Infrastructure;

/// <summary>
/// Debian's tinyproxy as a corporate forward proxy on a free loopback port, as an application reaches it through
/// <c>HTTP_PROXY</c>: plain requests are proxied, CONNECT (what a WebSocket to an http:// server needs) is allowed only
/// to the ports given (tinyproxy's own default: 443 and 563), and Basic authentication may be required.
/// </summary>
public sealed partial class ForwardProxy : IAsyncDisposable
{
    public const string Program = "/usr/bin/tinyproxy";

    private readonly PeerProcess _process;
    private readonly string _directory;

    private ForwardProxy(PeerProcess process, string directory, int port, string? user, string? password)
    {
        _process = process;
        _directory = directory;
        Port = port;
        Url = user is null ? $"http://127.0.0.1:{port}" : $"http://{user}:{password}@127.0.0.1:{port}";
    }

    public int Port { get; }

    /// <summary>The value for <c>HTTP_PROXY</c> (with the credentials when the proxy requires them).</summary>
    public string Url { get; }

    /// <summary>Null when tinyproxy is installed; otherwise what is missing.</summary>
    public static string? Missing() => File.Exists(Program) ? null : $"{Program} does not exist (Debian package tinyproxy; run: {PeerRequirements.InstallCommand})";

    /// <param name="log">Where its log lines go (each request, and each refused CONNECT).</param>
    /// <param name="connectPorts">The ports CONNECT may reach; empty: tinyproxy's default of 443 and 563 only.</param>
    /// <param name="basicAuth">User and password the proxy requires, or null.</param>
    /// <param name="withCredentialsInUrl">Whether <see cref="Url"/> carries the credentials (false: the client has none).</param>
    public static async Task<ForwardProxy> StartAsync(PeerLog log, IReadOnlyList<int> connectPorts, (string User, string Password)? basicAuth = null, bool withCredentialsInUrl = true)
    {
        if (Missing() is { } missing)
        {
            PeerRequirements.SkipOrFail(missing);
        }

        Exception? last = null;
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var port = FreePort.Pick();
            var directory = Directory.CreateTempSubdirectory("pn-tinyproxy-").FullName;
            var config = Path.Combine(directory, "tinyproxy.conf");
            var lines = new List<string>
            {
                $"Port {port}",
                "Listen 127.0.0.1",
                "Allow 127.0.0.1",
                "Timeout 60",
                "MaxClients 200",
                "LogLevel Info", // the ready line and the refused CONNECTs are logged at Info
                "DisableViaHeader Yes",
                $"PidFile \"{Path.Combine(directory, "tinyproxy.pid")}\"",
            };
            lines.AddRange(connectPorts.Select(p => $"ConnectPort {p}"));
            if (connectPorts.Count == 0)
            {
                lines.AddRange(["ConnectPort 443", "ConnectPort 563"]);
            }

            if (basicAuth is { } auth)
            {
                lines.Add($"BasicAuth {auth.User} {auth.Password}");
            }

            await File.WriteAllLinesAsync(config, lines).ConfigureAwait(false);
            try
            {
                var process = await PeerProcess.StartAsync("tinyproxy", Program, ["-d", "-c", config], log, AcceptingLine(), knownPort: port, readyTimeout: TimeSpan.FromSeconds(15)).ConfigureAwait(false);
                var (user, password) = basicAuth is { } a && withCredentialsInUrl ? (a.User, a.Password) : ((string?)null, (string?)null);
                return new ForwardProxy(process, directory, port, user, password);
            }
            catch (InvalidOperationException ex)
            {
                last = ex; // the port was taken meanwhile
                Directory.Delete(directory, recursive: true);
            }
        }

        throw new InvalidOperationException("tinyproxy did not start.", last);
    }

    public async ValueTask DisposeAsync()
    {
        await _process.DisposeAsync().ConfigureAwait(false);
        Directory.Delete(_directory, recursive: true);
    }

    [GeneratedRegex("Accepting connections")]
    private static partial Regex AcceptingLine();
}
