using System.Diagnostics;

namespace Partnumber.Client.Benchmarks.E2E;

/// <summary>
/// A running backend, in a process of its own, started once per harness run:
/// <list type="bullet">
/// <item><c>fake</c>: this program's <c>serve-fake</c> (FakePartnumberServer, AutoJoin, no step delay);</item>
/// <item><c>node</c>: the interop suite's Node socket.io 4.x peer (tests/interop/node/server.js --auto-join --delay 0);</item>
/// <item><c>flask</c>: flask/bench_server.py under eventlet, started with <c>socketio.run(app)</c> (Nagle left on);</item>
/// <item><c>flask-polling</c>: the same app in threading mode, long-polling only.</item>
/// </list>
/// </summary>
internal sealed class Backend : IAsyncDisposable
{
    private static readonly HttpClient StatsHttp = new() { Timeout = TimeSpan.FromSeconds(10) };
    private readonly Process _process;

    private Backend(string name, Uri baseUrl, Process process, string readyLine)
    {
        Name = name;
        BaseUrl = baseUrl;
        _process = process;
        ReadyLine = readyLine;
    }

    public string Name { get; }

    public Uri BaseUrl { get; }

    /// <summary>The line the backend printed when it was ready (the Flask ones name their async mode and offered upgrades).</summary>
    public string ReadyLine { get; }

    /// <summary>Whether the backend counts requests at <c>GET /_bench/stats</c> (the Flask ones).</summary>
    public bool HasStats => Name.StartsWith("flask", StringComparison.Ordinal);

    /// <summary>
    /// CPU time used so far by the backend's process, all its threads: utime + stime of /proc/&lt;pid&gt;/stat, which is
    /// what <see cref="Process.TotalProcessorTime"/> reads on Linux (10 ms ticks).
    /// </summary>
    public TimeSpan CpuTime()
    {
        _process.Refresh();
        return _process.TotalProcessorTime;
    }

    /// <summary>The backend's request counts so far, or null when it keeps none.</summary>
    public async Task<BackendStats?> ReadStatsAsync()
        => HasStats ? BackendStats.Parse(await StatsHttp.GetStringAsync(new Uri(BaseUrl, "_bench/stats"))) : null;

    /// <param name="name">The backend (see the class summary).</param>
    /// <param name="paths">Where the peers' scripts are.</param>
    /// <param name="python">The interpreter for the Flask backends.</param>
    /// <param name="cpu">The CPU to pin the backend to (--pin), or null.</param>
    public static async Task<Backend> StartAsync(string name, HarnessPaths paths, string python, string? cpu)
    {
        var start = name switch
        {
            "fake" => Harness.SelfStart(["serve-fake"]),
            "node" => new ProcessStartInfo("node", [Path.Combine(paths.InteropNodeDir, "server.js"), "--port", "0", "--auto-join", "--delay", "0", "--quiet", "--exit-on-stdin-close"]),
            "flask" => new ProcessStartInfo(python, [paths.FlaskServer, "--async-mode", "eventlet", "--exit-on-stdin-close"]),
            "flask-polling" => new ProcessStartInfo(python, [paths.FlaskServer, "--async-mode", "threading", "--exit-on-stdin-close"]),
            _ => throw new ArgumentException("unknown backend " + name),
        };
        start = Harness.OnCpu(start, cpu);
        start.RedirectStandardInput = true;
        start.RedirectStandardOutput = true;

        // Werkzeug (flask-polling) logs every request on stderr, as `python app.py` does; read and dropped here.
        start.RedirectStandardError = name.StartsWith("flask", StringComparison.Ordinal);
        var process = Process.Start(start)!;
        if (start.RedirectStandardError)
        {
            _ = DrainAsync(process.StandardError);
        }

        string? line;
        try
        {
            do
            {
                line = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));
            }
            while (line is not null && !line.StartsWith("PEER_READY port=", StringComparison.Ordinal));
        }
        catch (TimeoutException)
        {
            line = null; // no ready line within 30 s: stopped below like one that exited
        }

        if (line is null)
        {
            await StopAsync(process);
            process.Dispose();
            throw new InvalidOperationException($"the {name} backend did not start");
        }

        _ = DrainAsync(process.StandardOutput);
        var port = line["PEER_READY port=".Length..].Split(' ')[0];
        return new Backend(name, new Uri($"http://127.0.0.1:{port}/"), process, line);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(_process);
        _process.Dispose();
    }

    /// <summary>
    /// Closes stdin (every backend exits when it closes) and waits up to 5 s; then kills it (SIGKILL) and waits again.
    /// Each backend is one process (taskset execs it), so killing it leaves nothing behind.
    /// </summary>
    private static async Task StopAsync(Process process)
    {
        try
        {
            process.StandardInput.Close();
        }
        catch (IOException)
        {
            // it already exited and the pipe is broken
        }

        using var exit = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await process.WaitForExitAsync(exit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        }
    }

    private static async Task DrainAsync(StreamReader reader)
    {
        var buffer = new char[8192];
        while (await reader.ReadAsync(buffer) > 0)
        {
        }
    }
}
