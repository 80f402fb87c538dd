using System.Diagnostics;
using System.Text.Json;

namespace Partnumber.Client.InteropTests.Infrastructure;

/// <summary>
/// Runs the console sample (samples/Partnumber.Client.Sample, built with this project) in a process of its own: the way
/// to test what a process-wide setting such as <c>HTTP_PROXY</c> does to an SDK client with default options, which
/// the test host (running test classes in parallel) cannot change for itself.
/// </summary>
public static class SampleProcess
{
    private static string SampleDll
    {
        get
        {
            // This assembly is in tests/…/bin/<Configuration>/<tfm>/: the sample's output has the same shape.
            var tfmDirectory = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
            var configuration = tfmDirectory.Parent!.Name;
            return Path.Combine(RepoPaths.RepositoryRoot, "samples", "Partnumber.Client.Sample", "bin", configuration, tfmDirectory.Name, "partnumber-sample.dll");
        }
    }

    /// <summary>Runs the sample with <paramref name="arguments"/> and the environment changes given (null removes a variable); bounded to 90 s.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(IEnumerable<string> arguments, IReadOnlyDictionary<string, string?> environment, string workingDirectory)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        info.ArgumentList.Add(SampleDll);
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var name in new[] { "HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy", "NO_PROXY", "no_proxy" })
        {
            info.Environment.Remove(name);
        }

        foreach (var (name, value) in environment)
        {
            if (value is null)
            {
                info.Environment.Remove(name);
            }
            else
            {
                info.Environment[name] = value;
            }
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        try
        {
            await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            throw new TimeoutException($"the sample did not finish within 90 s:\n{await stdout.ConfigureAwait(false)}\n{await stderr.ConfigureAwait(false)}");
        }

        return (process.ExitCode, await stdout.ConfigureAwait(false) + await stderr.ConfigureAwait(false));
    }

    /// <summary>The JSON objects of a JSON Lines file (the sample's batch journal).</summary>
    public static List<JsonElement> ReadJournal(string path)
        => File.ReadAllLines(path).Where(l => l.Length > 0).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();
}
