using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Partnumber.Client.WebSample.Tests.Infrastructure;

/// <summary>
/// The interop suite's real backend (tests/interop/flask/app.py: Flask-SocketIO under eventlet) in a child process on
/// 127.0.0.1, a free port. Stopped on dispose: standard input closed (it exits by itself, --exit-on-stdin-close), then
/// the whole process tree killed if it is still there after 5 s.
/// </summary>
public sealed partial class FlaskBackend : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly TaskCompletionSource<int> _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private FlaskBackend(Process process) => _process = process;

    /// <summary>Where it listens.</summary>
    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>What it printed so far (for failure messages).</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Starts it and waits (bounded) for its <c>PEER_READY port=NNNN</c> line.</summary>
    public static async Task<FlaskBackend> StartAsync(params string[] extraArguments)
    {
        var info = new ProcessStartInfo(Requirements.Python)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = RepositoryPaths.Root,
        };
        foreach (var argument in (string[])[RepositoryPaths.FlaskApp, "--port", "0", "--async-mode", "eventlet", "--exit-on-stdin-close", .. extraArguments])
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment["PYTHONUNBUFFERED"] = "1";
        info.Environment["PYTHONDONTWRITEBYTECODE"] = "1";

        var backend = new FlaskBackend(new Process { StartInfo = info, EnableRaisingEvents = true });
        backend._process.OutputDataReceived += (_, e) => backend.OnLine(e.Data);
        backend._process.ErrorDataReceived += (_, e) => backend.OnLine(e.Data);
        backend._process.Exited += (_, _) => backend._ready.TrySetException(new InvalidOperationException("The Flask backend exited before it was ready."));
        backend._process.Start();
        backend._process.BeginOutputReadLine();
        backend._process.BeginErrorReadLine();
        try
        {
            // Generous: importing eventlet, Flask and python-socketio takes a while on a loaded 2-core machine.
            var port = await backend._ready.Task.WaitAsync(TimeSpan.FromSeconds(60));
            backend.BaseAddress = new Uri($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}/");
            return backend;
        }
        catch (Exception ex)
        {
            await backend.DisposeAsync();
            throw new InvalidOperationException($"The Flask backend did not start: {ex.Message}\n{backend.Output}", ex);
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.StandardInput.Close();
                using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                try
                {
                    await _process.WaitForExitAsync(grace.Token);
                }
                catch (OperationCanceledException)
                {
                    _process.Kill(entireProcessTree: true);
                    await _process.WaitForExitAsync();
                }
            }
        }
        catch (InvalidOperationException)
        {
            // It was never started, or is gone already.
        }
        finally
        {
            _process.Dispose();
        }
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }

        if (ReadyLine().Match(line) is { Success: true } match)
        {
            _ready.TrySetResult(int.Parse(match.Groups["port"].Value, CultureInfo.InvariantCulture));
        }
    }

    [GeneratedRegex(@"PEER_READY port=(?<port>\d+)")]
    private static partial Regex ReadyLine();
}
