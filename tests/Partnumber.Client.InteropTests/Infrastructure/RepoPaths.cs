namespace Partnumber.Client.InteropTests.Infrastructure;

/// <summary>Where the peers live: found by walking up from the test assembly to the repository root.</summary>
public static class RepoPaths
{
    private static readonly Lazy<string> Root = new(() =>
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (Directory.Exists(Path.Combine(dir.FullName, "tests", "interop")) && File.Exists(Path.Combine(dir.FullName, "Directory.Packages.props")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"Cannot find the repository root (with tests/interop) above {AppContext.BaseDirectory}.");
    });

    public static string RepositoryRoot => Root.Value;

    public static string FlaskApp => Path.Combine(RepositoryRoot, "tests", "interop", "flask", "app.py");

    public static string NodeDirectory => Path.Combine(RepositoryRoot, "tests", "interop", "node");

    public static string NodeServer => Path.Combine(NodeDirectory, "server.js");

    /// <summary>Starts nginx unprivileged in front of a peer (tests/interop/nginx/*.conf.template).</summary>
    public static string NginxProxy => Path.Combine(RepositoryRoot, "tests", "interop", "tools", "nginx_proxy.py");

    /// <summary>Runs a server that does not watch its stdin (redis-server, gunicorn) so that it stops with the test host.</summary>
    public static string PeerGuard => Path.Combine(RepositoryRoot, "tests", "interop", "tools", "peer_guard.py");
}
