using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Partnumber.Client.InteropTests.Infrastructure;

/// <summary>
/// One real server process (Flask worker, Node server, redis-server, nginx's launcher) and whatever it starts: started
/// with its output captured into a <see cref="PeerLog"/>, ready when it prints its ready line. Stopped in an orderly way
/// on dispose (stdin closed and SIGTERM, then the whole tree waited for); <see cref="KillAsync"/> is the crash.
/// </summary>
public sealed partial class PeerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly PeerLog _log;
    private readonly string _name;
    private readonly TaskCompletionSource<string> _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Regex _readyLine;
    private int _disposed;
    private int? _exitCode;

    /// <summary>
    /// How long <see cref="DisposeAsync"/> waits for the tree to stop by itself before it kills what is left. A stop
    /// takes about 1 s (gunicorn; the others less), but a CI machine shared with other builds was seen to need more than
    /// 5 s (gunicorn's master exiting 4 s after its last log line, load average 11 on 2 cores). Longer than the
    /// launchers' own 10 s before they SIGKILL their server, so that they get to do it.
    /// </summary>
    public static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(20);

    private PeerProcess(string name, ProcessStartInfo info, PeerLog log, Regex readyLine)
    {
        _name = name;
        _log = log;
        _readyLine = readyLine;
        _process = new Process { StartInfo = info, EnableRaisingEvents = true };
        _process.OutputDataReceived += (_, e) => OnLine(e.Data, "out");
        _process.ErrorDataReceived += (_, e) => OnLine(e.Data, "err");
        _process.Exited += (_, _) =>
        {
            _exitCode = SafeExitCode(_process) is var code && int.TryParse(code, CultureInfo.InvariantCulture, out var value) ? value : null;
            _exited.TrySetResult();
        };
    }

    public string Name => _name;

    /// <summary>The port the process reported in its ready line (or the one it was told to use).</summary>
    public int Port { get; private set; }

    public bool HasExited => _exited.Task.IsCompleted;

    public int Id => _process.Id;

    /// <summary>The exit code once the process has exited (128 + N: killed by signal N), else null; kept after dispose.</summary>
    public int? ExitCode => _exited.Task.IsCompleted ? _exitCode : null;

    /// <summary>Matches the peers' own ready line, <c>PEER_READY port=NNNN</c>.</summary>
    [GeneratedRegex(@"PEER_READY port=(?<port>\d+)")]
    public static partial Regex PeerReadyLine();

    /// <summary>Matches gunicorn's <c>Listening at: http://127.0.0.1:NNNN</c>.</summary>
    [GeneratedRegex(@"Listening at: https?://127\.0\.0\.1:(?<port>\d+)")]
    public static partial Regex GunicornReadyLine();

    /// <summary>Starts the program and waits (bounded) until it prints a line matching <paramref name="readyLine"/>.</summary>
    public static async Task<PeerProcess> StartAsync(
        string name,
        string fileName,
        IEnumerable<string> arguments,
        PeerLog log,
        Regex readyLine,
        int? knownPort = null,
        IReadOnlyDictionary<string, string>? environment = null,
        TimeSpan? readyTimeout = null)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = RepoPaths.RepositoryRoot,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment["PYTHONUNBUFFERED"] = "1";
        info.Environment["PYTHONDONTWRITEBYTECODE"] = "1";
        if (environment is not null)
        {
            foreach (var (key, value) in environment)
            {
                info.Environment[key] = value;
            }
        }

        var peer = new PeerProcess(name, info, log, readyLine);
        log.Add(name, $"$ {fileName} {string.Join(' ', info.ArgumentList)}");
        peer._process.Start();
        peer._process.BeginOutputReadLine();
        peer._process.BeginErrorReadLine();

        // Generous: a Flask peer needs about 1.2 s of CPU to import eventlet, Flask and python-socketio, and with several
        // test classes starting peers on a loaded 2-core machine that took 16 to 46 s (seen with the 13 classes of issue 16).
        var timeout = readyTimeout ?? TimeSpan.FromSeconds(60);
        var finished = await Task.WhenAny(peer._ready.Task, peer._exited.Task, Task.Delay(timeout)).ConfigureAwait(false);
        if (finished != peer._ready.Task)
        {
            var why = finished == peer._exited.Task ? $"exited with code {SafeExitCode(peer._process)}" : $"printed no ready line within {timeout.TotalSeconds:0} s";
            await peer.DisposeAsync().ConfigureAwait(false);
            throw new InvalidOperationException($"Peer '{name}' {why}. Its output:\n{log.Since(0)}");
        }

        var line = await peer._ready.Task.ConfigureAwait(false);
        var match = readyLine.Match(line);
        peer.Port = match.Groups["port"].Success ? int.Parse(match.Groups["port"].Value, CultureInfo.InvariantCulture) : knownPort ?? 0;
        return peer;
    }

    /// <summary>
    /// Kills the process and every descendant at once (SIGKILL), as a crash or an OOM kill would, and waits until each
    /// one is gone. The tree is read and frozen before anything is killed (<see cref="ProcessTree"/>): a process whose
    /// parent dies first is otherwise out of reach.
    /// </summary>
    public async Task KillAsync()
    {
        if (!ProcessTree.IsSupported)
        {
            KillWithDotNet();
            await WaitForExitAsync("SIGKILL").ConfigureAwait(false);
            _log.Add(_name, $"killed (exit code {SafeExitCode(_process)})");
            return;
        }

        var tree = _process.HasExited ? [] : ProcessTree.Freeze(_process.Id);
        ProcessTree.KillAll(tree);
        var left = await ProcessTree.WaitUntilGoneAsync(tree, TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        if (left.Count > 0)
        {
            _log.Add(_name, $"still running 10 s after SIGKILL: {ProcessTree.Describe(left)}");
        }

        await WaitForExitAsync("SIGKILL").ConfigureAwait(false);
        _log.Add(_name, $"killed {tree.Count} process(es): {ProcessTree.Describe(tree)} (exit code {SafeExitCode(_process)})");
    }

    /// <summary>
    /// What a dying test host does to its peers: their standard input closes (the peers started with
    /// <c>--exit-on-stdin-close</c>, and nginx's launcher and peer_guard.py, stop when it does).
    /// </summary>
    public void CloseStandardInput()
    {
        try
        {
            _process.StandardInput.Close();
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException)
        {
            // already closed, or the process is gone
        }
    }

    /// <summary>
    /// Stops the peer in an orderly way: closes its standard input and sends it SIGTERM, then waits (at most
    /// <see cref="StopTimeout"/>) until it and every process it started are gone; what is still running then is
    /// killed as <see cref="KillAsync"/> does.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        try
        {
            await StopAsync().ConfigureAwait(false);
        }
        finally
        {
            _process.Dispose();
        }
    }

    private async Task StopAsync()
    {
        if (!ProcessTree.IsSupported)
        {
            CloseStandardInput();
            KillWithDotNet();
            await WaitForExitAsync("SIGKILL").ConfigureAwait(false);
            return;
        }

        // Read before anything is signalled: the members that outlive their parent are still known by pid.
        var tree = _process.HasExited ? [] : ProcessTree.Read(_process.Id);
        if (tree.Count == 0)
        {
            await WaitForExitAsync("its exit").ConfigureAwait(false);
            return;
        }

        var watch = System.Diagnostics.Stopwatch.StartNew();
        CloseStandardInput();
        ProcessTree.Terminate(tree[0]); // the root: a launcher stops what it started
        var left = await ProcessTree.WaitUntilGoneAsync(tree, StopTimeout).ConfigureAwait(false);
        if (left.Count == 0)
        {
            await WaitForExitAsync("SIGTERM").ConfigureAwait(false);
            _log.Add(_name, $"stopped in {watch.ElapsedMilliseconds} ms (exit code {SafeExitCode(_process)})");
            return;
        }

        // Still running after the orderly stop: kill what is left, each with its descendants (frozen first).
        _log.Add(_name, $"still running {StopTimeout.TotalSeconds:0} s after SIGTERM: {ProcessTree.Describe(left)}; killing them");
        var frozen = left.SelectMany(m => ProcessTree.IsAlive(m) ? ProcessTree.Freeze(m.Pid) : []).DistinctBy(m => m.Pid).ToList();
        ProcessTree.KillAll(frozen);
        var survivors = await ProcessTree.WaitUntilGoneAsync(frozen, TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        if (survivors.Count > 0)
        {
            _log.Add(_name, $"still running 10 s after SIGKILL: {ProcessTree.Describe(survivors)}");
        }

        await WaitForExitAsync("SIGKILL").ConfigureAwait(false);
        _log.Add(_name, $"killed {frozen.Count} process(es) after the orderly stop timed out (exit code {SafeExitCode(_process)})");
    }

    /// <summary>Waits (bounded) for the root's exit and the end of its output, so that the exit code and last lines are known.</summary>
    private async Task WaitForExitAsync(string after)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await _process.WaitForExitAsync(cts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            _log.Add(_name, $"did not exit (or its output did not end) within 10 s of {after}");
        }
    }

    private void KillWithDotNet()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // already gone
        }
    }

    private static string SafeExitCode(Process process)
    {
        try
        {
            return process.HasExited ? process.ExitCode.ToString(CultureInfo.InvariantCulture) : "running";
        }
        catch (InvalidOperationException)
        {
            return "?";
        }
    }

    private void OnLine(string? line, string stream)
    {
        if (line is null)
        {
            return;
        }

        _log.Add(stream == "out" ? _name : _name + "!", line);
        if (!_ready.Task.IsCompleted && _readyLine.IsMatch(line))
        {
            _ready.TrySetResult(line);
        }
    }
}
