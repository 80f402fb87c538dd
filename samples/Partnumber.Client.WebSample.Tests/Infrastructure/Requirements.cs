using System.Diagnostics;

namespace Partnumber.Client.WebSample.Tests.Infrastructure;

/// <summary>
/// What the browser tests need beyond .NET: Debian's chromium (and, for the real-backend test, Python with Flask-SocketIO
/// and eventlet). On a developer machine a missing program skips the test with the command that installs it; under
/// <c>CI=true</c> it fails the test (CI installs them itself: .ci/install.d), as the interop tests do.
/// </summary>
public static class Requirements
{
    /// <summary>Debian's chromium; PN_CHROMIUM overrides it.</summary>
    public static string Chromium => Environment.GetEnvironmentVariable("PN_CHROMIUM") is { Length: > 0 } c ? c : "/usr/bin/chromium";

    /// <summary>Debian's interpreter, the one that sees python3-flask-socketio; PN_INTEROP_PYTHON overrides it (as in the interop tests).</summary>
    public static string Python => Environment.GetEnvironmentVariable("PN_INTEROP_PYTHON") is { Length: > 0 } p ? p : "/usr/bin/python3";

    /// <summary>True under CI (<c>CI=true</c> or <c>CI=1</c>).</summary>
    public static bool IsCI =>
        string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase)
        || Environment.GetEnvironmentVariable("CI") == "1";

    private static readonly Lazy<string?> FlaskMissing = new(() => CheckPython("flask", "flask_socketio", "eventlet"));

    /// <summary>Null when chromium is installed, else why not.</summary>
    public static string? ChromiumMissing() =>
        File.Exists(Chromium) ? null : $"{Chromium} does not exist. Install it with: sudo .ci/install.d/30-chromium";

    /// <summary>Skips or fails (CI) the calling test when chromium is missing.</summary>
    public static void RequireChromium()
    {
        if (ChromiumMissing() is { } missing)
        {
            SkipOrFail(missing);
        }
    }

    /// <summary>Skips or fails (CI) the calling test when Python with Flask-SocketIO and eventlet is missing.</summary>
    public static void RequireFlask()
    {
        if (FlaskMissing.Value is { } missing)
        {
            SkipOrFail($"The real backend cannot run: {missing}. Install it with: sudo .ci/install.d/10-interop-peers");
        }
    }

    /// <summary>Skips the calling test on a developer machine; fails it in CI, where a missing program is never a skip.</summary>
    public static void SkipOrFail(string message)
    {
        if (IsCI)
        {
            Assert.Fail(message + " (CI=true: a missing program is a failure, never a skip)");
        }

        Skip.If(true, message);
    }

    private static string? CheckPython(params string[] modules)
    {
        if (!File.Exists(Python))
        {
            return $"{Python} does not exist";
        }

        var info = new ProcessStartInfo(Python) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add("import " + string.Join(", ", modules));
        using var process = Process.Start(info)!;
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(30_000))
        {
            process.Kill(entireProcessTree: true);
            return $"{Python} did not answer within 30 s";
        }

        return process.ExitCode == 0 ? null : $"{Python} cannot import {string.Join(", ", modules)} ({stderr.Result.Trim().Split('\n')[^1]})";
    }
}
