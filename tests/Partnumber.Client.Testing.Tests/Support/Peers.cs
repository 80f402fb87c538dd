using System.Diagnostics;

namespace Partnumber.Client.Testing.Tests.Support;

/// <summary>Locates and runs the real Socket.IO clients used by the conformance tests.</summary>
public static class Peers
{
    public const string InstallCommand = ".ci/install.d/20-fake-conformance";

    public static bool IsCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    public static string ConformanceDirectory { get; } = FindConformanceDirectory();

    public static string NodeDirectory => Path.Combine(ConformanceDirectory, "node");

    public static string PythonDirectory => Path.Combine(ConformanceDirectory, "python");

    /// <summary>
    /// Skips the test on a dev machine when a peer is missing (naming the one install command); fails it in CI.
    /// </summary>
    public static void Require(bool available, string peer, string installCommand)
    {
        if (available)
        {
            return;
        }

        var message = $"{peer} is not installed. Install it with: {installCommand}";
        if (IsCi)
        {
            Assert.Fail(message + " (CI=true: a missing peer is a failure)");
        }

        Skip.If(true, message);
    }

    private static readonly Lazy<bool> NodeCheck = new(CheckNode);
    private static readonly Lazy<bool> PythonCheck = new(CheckPython);

    /// <summary>Whether node and the committed socket.io-client are installed (checked once per run).</summary>
    public static bool NodeAvailable() => NodeCheck.Value;

    /// <summary>Whether /usr/bin/python3 can import socketio and websocket (checked once per run).</summary>
    public static bool PythonAvailable() => PythonCheck.Value;

    private static bool CheckNode()
        => File.Exists(Path.Combine(NodeDirectory, "node_modules", "socket.io-client", "package.json"))
           && Run("node", ["--version"], NodeDirectory, TimeSpan.FromSeconds(10)).ExitCode == 0;

    private static bool CheckPython()
        => File.Exists("/usr/bin/python3")
           && Run("/usr/bin/python3", ["-c", "import socketio, websocket"], PythonDirectory, TimeSpan.FromSeconds(20)).ExitCode == 0;

    public static (int ExitCode, string Stdout, string Stderr) Run(string file, IEnumerable<string> args, string workingDirectory, TimeSpan timeout)
    {
        var psi = new ProcessStartInfo(file)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            psi.ArgumentList.Add(arg);
        }

        try
        {
            using var process = Process.Start(psi)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(timeout))
            {
                process.Kill(entireProcessTree: true);
                return (-1, stdout.Result, "timed out; " + stderr.Result);
            }

            process.WaitForExit();
            return (process.ExitCode, stdout.Result, stderr.Result);
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            return (-2, "", ex.Message);
        }
    }

    /// <summary>Runs a process without blocking a thread-pool thread (a blocked thread starves the in-process server).</summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string file, IEnumerable<string> args, string workingDirectory, TimeSpan timeout)
    {
        var psi = new ProcessStartInfo(file)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            psi.ArgumentList.Add(arg);
        }

        Process process;
        try
        {
            process = Process.Start(psi)!;
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            return (-2, "", ex.Message);
        }

        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            using var cts = new CancellationTokenSource(timeout);
            try
            {
                await process.WaitForExitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                return (-1, await stdout, "timed out; " + await stderr);
            }

            return (process.ExitCode, await stdout, await stderr);
        }
    }

    private static string FindConformanceDirectory()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null)
        {
            var candidate = Path.Combine(dir.FullName, "tests", "Partnumber.Client.Testing.Tests", "conformance");
            if (Directory.Exists(candidate))
            {
                return candidate;
            }

            dir = dir.Parent;
        }

        throw new DirectoryNotFoundException("tests/Partnumber.Client.Testing.Tests/conformance not found above " + AppContext.BaseDirectory);
    }
}
