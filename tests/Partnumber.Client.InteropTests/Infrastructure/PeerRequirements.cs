using System.Diagnostics;

namespace Partnumber.Client.InteropTests.Infrastructure;

public enum PeerKind
{
    Flask,
    Node,
    ScaleOut,
    Tls,
    Gunicorn,

    /// <summary>Flask-SocketIO in threading mode (Werkzeug): long-polling only, no eventlet.</summary>
    FlaskThreading,

    /// <summary>Debian's nginx as a reverse proxy in front of Flask-SocketIO under eventlet.</summary>
    Nginx,
}

/// <summary>
/// Whether the real peers can run on this machine. On a developer machine a missing peer skips the test with the
/// command that installs it; under <c>CI=true</c> it fails the test (CI installs the peers itself, see .ci/run).
/// </summary>
public static class PeerRequirements
{
    public const string InstallCommand = "sudo .ci/install.d/10-interop-peers";

    private static readonly Lazy<string?> FlaskMissing = new(() => CheckPython("flask", "flask_socketio", "eventlet"));
    private static readonly Lazy<string?> RedisMissing = new(CheckRedis);
    private static readonly Lazy<string?> NodeMissing = new(CheckNode);
    private static readonly Lazy<string?> NginxMissing = new(CheckNginx);

    /// <summary>Debian's interpreter (the one that sees python3-flask-socketio); PN_INTEROP_PYTHON overrides it.</summary>
    public static string Python => Environment.GetEnvironmentVariable("PN_INTEROP_PYTHON") is { Length: > 0 } p ? p : "/usr/bin/python3";

    public static string Node => Environment.GetEnvironmentVariable("PN_INTEROP_NODE") is { Length: > 0 } n ? n : "node";

    public static string RedisServer => Environment.GetEnvironmentVariable("PN_INTEROP_REDIS") is { Length: > 0 } r ? r : "redis-server";

    /// <summary>Debian's nginx (package nginx-light; /usr/sbin is not on every user's PATH); PN_INTEROP_NGINX overrides it.</summary>
    public static string Nginx => Environment.GetEnvironmentVariable("PN_INTEROP_NGINX") is { Length: > 0 } n ? n : "/usr/sbin/nginx";

    public static bool IsCI =>
        string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase)
        || Environment.GetEnvironmentVariable("CI") == "1";

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<PeerKind, Lazy<string?>> Checked = new();

    /// <summary>Null when every program the peer needs is installed; otherwise what is missing. Checked once per kind.</summary>
    public static string? Missing(PeerKind kind) => Checked.GetOrAdd(kind, k => new Lazy<string?>(() => Check(k))).Value;

    private static string? Check(PeerKind kind) => kind switch
    {
        PeerKind.Flask or PeerKind.Tls => FlaskMissing.Value,
        PeerKind.Gunicorn => FlaskMissing.Value ?? CheckPython("gunicorn.workers.geventlet"),
        PeerKind.ScaleOut => FlaskMissing.Value ?? CheckPython("redis") ?? RedisMissing.Value,
        PeerKind.Node => NodeMissing.Value,
        PeerKind.FlaskThreading => CheckPython("flask", "flask_socketio"),
        PeerKind.Nginx => FlaskMissing.Value ?? NginxMissing.Value,
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    /// <summary>Skips (developer machine) or fails (CI) the calling test when the peer is missing.</summary>
    public static void Require(PeerKind kind)
    {
        var missing = Missing(kind);
        if (missing is null)
        {
            return;
        }

        SkipOrFail($"Interop peer '{kind}' is not available: {missing}. Install the peers with: {InstallCommand}");
    }

    /// <summary>Skips the calling test on a developer machine; fails it in CI, where a missing peer is never a skip.</summary>
    public static void SkipOrFail(string message)
    {
        if (IsCI)
        {
            Assert.Fail(message + " (CI=true: a missing peer is a failure, never a skip)");
        }

        Skip.If(true, message);
    }

    private static string? CheckPython(params string[] modules)
    {
        if (Python.Contains('/', StringComparison.Ordinal) && !File.Exists(Python))
        {
            return $"{Python} does not exist";
        }

        var (code, output) = Run(Python, ["-c", "import " + string.Join(", ", modules)]);
        return code == 0 ? null : $"{Python} cannot import {string.Join(", ", modules)} ({output.Trim()})";
    }

    private static string? CheckRedis()
    {
        var (code, output) = Run(RedisServer, ["--version"]);
        return code == 0 ? null : $"{RedisServer} is not installed ({output.Trim()})";
    }

    private static string? CheckNginx()
    {
        var (code, output) = Run(Nginx, ["-v"]);
        return code == 0 ? null : $"{Nginx} is not installed ({output.Trim()})";
    }

    private static string? CheckNode()
    {
        var (code, output) = Run(Node, ["--version"]);
        if (code != 0)
        {
            return $"node is not installed ({output.Trim()})";
        }

        return Directory.Exists(Path.Combine(RepoPaths.NodeDirectory, "node_modules", "socket.io"))
            ? null
            : $"socket.io is not installed in {RepoPaths.NodeDirectory} (npm ci)";
    }

    private static (int ExitCode, string Output) Run(string fileName, string[] args)
    {
        try
        {
            var info = new ProcessStartInfo(fileName)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var arg in args)
            {
                info.ArgumentList.Add(arg);
            }

            using var process = Process.Start(info)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(30_000))
            {
                process.Kill(entireProcessTree: true);
                return (-1, "timed out");
            }

            var lastError = stderr.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault() ?? string.Empty;
            return (process.ExitCode, process.ExitCode == 0 ? stdout.Result : lastError);
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            return (-1, ex.Message);
        }
    }
}
