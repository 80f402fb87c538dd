using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Partnumber.Client.InteropTests.Infrastructure;

/// <summary>
/// One real server process (Flask worker, Node server, redis-server): started with its output captured into a
/// <see cref="PeerLog"/>, ready when it prints its ready line, killed (SIGKILL, whole tree) on dispose.
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

    private PeerProcess(string name, ProcessStartInfo info, PeerLog log, Regex readyLine)
    {
        _name = name;
        _log = log;
        _readyLine = readyLine;
        _process = new Process { StartInfo = info, EnableRaisingEvents = true };
        _process.OutputDataReceived += (_, e) => OnLine(e.Data, "out");
        _process.ErrorDataReceived += (_, e) => OnLine(e.Data, "err");
        _process.Exited += (_, _) => _exited.TrySetResult();
    }

    public string Name => _name;

    /// <summary>The port the process reported in its ready line (or the one it was told to use).</summary>
    public int Port { get; private set; }

    public bool HasExited => _exited.Task.IsCompleted;

    public int Id => _process.Id;

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

    /// <summary>Kills the process tree at once (SIGKILL), as a crash or an OOM kill would, and waits until it is gone.</summary>
    public async Task KillAsync()
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

        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await _process.WaitForExitAsync(cts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            _log.Add(_name, "did not exit within 10 s of SIGKILL");
        }

        _log.Add(_name, $"killed (exit code {SafeExitCode(_process)})");
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await KillAsync().ConfigureAwait(false);
        _process.Dispose();
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
