using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using SocketIOClient;
using SocketIOClient.Transport;

namespace Partnumber.Client.Benchmarks.E2E;

/// <summary>
/// One client process: <c>warmup</c> classifications (not timed; none started after <c>warmupSeconds</c>), then N at
/// concurrency C, each timed from the call to the final result; prints one JSON line (<see cref="ClientRun"/>) with the
/// process's peak RSS (VmHWM) at the end. Arguments: <c>sdk|raw baseUrl n c warmup [standby] [warmupSeconds] [sdkOptions]</c>,
/// where sdkOptions is a comma-separated list of <c>reuse=off</c>, <c>quickack=off</c>, <c>transports=WebSocket|LongPolling</c>.
/// Under the harness (<c>PN_BENCH_SYNC=1</c>) it prints <c>WARMED &lt;count&gt;</c> after the warm-up and waits for a line
/// on stdin, so the harness can read the server's CPU time between warm-up and timed run.
/// </summary>
internal static class ClientRunner
{
    public static async Task<int> RunAsync(string[] args)
    {
        var kind = args[0];
        var baseUrl = new Uri(args[1]);
        var n = int.Parse(args[2], CultureInfo.InvariantCulture);
        var c = int.Parse(args[3], CultureInfo.InvariantCulture);
        var warmup = int.Parse(args[4], CultureInfo.InvariantCulture);
        var standby = args.Length > 5 ? int.Parse(args[5], CultureInfo.InvariantCulture) : 0;
        var warmupLimit = args.Length > 6 ? TimeSpan.FromSeconds(double.Parse(args[6], CultureInfo.InvariantCulture)) : Timeout.InfiniteTimeSpan;
        var sdkOptions = args.Length > 7 ? args[7] : string.Empty;

        Func<string, Task> classify;
        IAsyncDisposable? owned = null;
        switch (kind)
        {
            case "sdk":
                var options = new PartnumberClassificationClientOptions
                {
                    BaseAddress = baseUrl,
                    StandbyConnections = standby,
                    ConnectTimeout = TimeSpan.FromSeconds(30),
                    ClassificationTimeout = TimeSpan.FromSeconds(30), // a lost event fails one classification, not the run
                    ReconnectPolicy = PartnumberReconnectPolicy.None,
                };
                ApplySdkOptions(options, sdkOptions);
                var client = new PartnumberClassificationClient(options);
                owned = client;
                classify = pn => client.ClassifyAndWaitAsync(new ClassificationRequest(pn));
                break;
            case "raw":
                var raw = new RawSocketIOClientFlow(baseUrl);
                classify = raw.ClassifyAsync;
                break;
            default:
                Console.Error.WriteLine("unknown client kind " + kind);
                return 2;
        }

        var warmedUp = 0;
        if (warmup > 0)
        {
            var (warmOk, warmFailed, _) = await RunManyAsync(classify, "WARM-", warmup, Math.Min(c, warmup), null, warmupLimit);
            warmedUp = warmOk + warmFailed;
        }

        if (Environment.GetEnvironmentVariable("PN_BENCH_SYNC") == "1")
        {
            Console.WriteLine("WARMED " + warmedUp.ToString(CultureInfo.InvariantCulture));
            await Console.In.ReadLineAsync(); // the harness has read the server's CPU time: go
        }

        var latencies = new List<double>(n);
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: false);
        var pauseBefore = GC.GetTotalPauseDuration();
        var wall = Stopwatch.StartNew();
        var (ok, failed, firstError) = await RunManyAsync(classify, "PN-", n, c, latencies, Timeout.InfiniteTimeSpan);
        wall.Stop();
        var clientCpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
        var allocated = GC.GetTotalAllocatedBytes(precise: false) - allocatedBefore;
        var gcPause = GC.GetTotalPauseDuration() - pauseBefore;
        if (owned is not null)
        {
            await owned.DisposeAsync();
        }

        latencies.Sort();
        var run = new ClientRun(ok, failed, wall.Elapsed.TotalMilliseconds, Percentile(latencies, 0.5), Percentile(latencies, 0.95), PeakRssKb(), firstError)
        {
            ClientCpuMs = clientCpu.TotalMilliseconds,
            AllocatedBytes = allocated,
            GcPauseMs = gcPause.TotalMilliseconds,
            WarmedUp = warmedUp,
        };
        Console.WriteLine(JsonSerializer.Serialize(run, ClientRunJson.Default.ClientRun));
        return 0;
    }

    /// <summary>The harness's SDK variants: <c>reuse=off</c>, <c>quickack=off</c>, <c>transports=WebSocket|LongPolling|WebSocket+LongPolling</c>.</summary>
    private static void ApplySdkOptions(PartnumberClassificationClientOptions options, string list)
    {
        foreach (var item in list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var (key, value) = item.Split('=', 2) is [var k, var v] ? (k, v) : throw new ArgumentException("SDK option without a value: " + item);
            switch (key)
            {
                case "reuse": options.ReuseConnections = OnOff(value); break;
                case "quickack": options.AcknowledgeImmediately = OnOff(value); break;
                case "transports":
                    options.Transports = value.Split('+').Select(t => Enum.Parse<PartnumberTransports>(t, ignoreCase: true)).Aggregate(PartnumberTransports.None, (all, t) => all | t);
                    break;
                default: throw new ArgumentException("unknown SDK option " + key);
            }
        }

        static bool OnOff(string value) => value switch
        {
            "on" => true,
            "off" => false,
            _ => throw new ArgumentException("on or off expected, got " + value),
        };
    }

    /// <summary>Runs up to <paramref name="count"/> classifications; none is started once <paramref name="limit"/> has passed.</summary>
    private static async Task<(int Ok, int Failed, string? FirstError)> RunManyAsync(Func<string, Task> classify, string prefix, int count, int concurrency, List<double>? latencies, TimeSpan limit)
    {
        var began = Stopwatch.GetTimestamp();
        var next = -1;
        var ok = 0;
        var failed = 0;
        string? firstError = null;
        var gate = new object();
        async Task WorkerAsync()
        {
            await Task.Yield();
            int i;
            while ((limit == Timeout.InfiniteTimeSpan || Stopwatch.GetElapsedTime(began) < limit) && (i = Interlocked.Increment(ref next)) < count)
            {
                var started = Stopwatch.GetTimestamp();
                try
                {
                    await classify(prefix + i.ToString(CultureInfo.InvariantCulture));
                    var ms = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                    lock (gate)
                    {
                        ok++;
                        latencies?.Add(ms);
                    }
                }
                catch (Exception ex)
                {
                    lock (gate)
                    {
                        failed++;
                        firstError ??= ex.GetType().Name + ": " + ex.Message;
                    }
                }
            }
        }

        await Task.WhenAll(Enumerable.Range(0, Math.Max(1, Math.Min(concurrency, count))).Select(_ => WorkerAsync()));
        return (ok, failed, firstError);
    }

    private static double Percentile(List<double> sorted, double p)
        => sorted.Count == 0 ? double.NaN : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];

    /// <summary>The process's peak resident set (VmHWM, kB) from /proc/self/status.</summary>
    internal static long PeakRssKb()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                return long.Parse(line.AsSpan(6).Trim().ToString().Split(' ')[0], CultureInfo.InvariantCulture);
            }
        }

        return 0;
    }
}

/// <summary>
/// The flow a user hand-writes on SocketIOClient 3.0.6 (the naive way): handlers, ConnectAsync, POST with the socket id,
/// EmitAsync join, wait for classification_finished, disconnect. WebSocket transport, library reconnection off.
/// </summary>
internal sealed class RawSocketIOClientFlow
{
    private static readonly HttpClient Http = new();
    private readonly Uri _baseUrl;
    private readonly Uri _classifyUri;

    public RawSocketIOClientFlow(Uri baseUrl)
    {
        _baseUrl = baseUrl;
        _classifyUri = new Uri(baseUrl, "classify-partnumber");
    }

    public async Task ClassifyAsync(string partnumber)
    {
        var socket = new SocketIO(_baseUrl, new SocketIOOptions
        {
            EIO = 4,
            Transport = TransportProtocol.WebSocket,
            Reconnection = false,
            ConnectionTimeout = TimeSpan.FromSeconds(30),
        });
        var finished = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        socket.On("classification_update_status", _ => { });
        socket.On("classification_finished", _ => finished.TrySetResult(true));
        try
        {
            await socket.ConnectAsync();
            using var response = await Http.PostAsJsonAsync(_classifyUri, new { partnumber, socket_session_id = socket.Id });
            response.EnsureSuccessStatusCode();
            using var accepted = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            var roomId = accepted.RootElement.GetProperty("room_id").GetString();
            await socket.EmitAsync("join", new { room_id = roomId });
            await finished.Task.WaitAsync(TimeSpan.FromSeconds(10)); // the naive flow can lose the task (join emitted before the namespace CONNECT completed)
        }
        finally
        {
            await socket.DisconnectAsync();
            try
            {
                socket.Dispose();
            }
            catch (Exception)
            {
                // SocketIOClient 3.0.6 throws from Dispose in some states.
            }
        }
    }
}

/// <summary>What a client process reports, and what the harness adds about the server during that client's run.</summary>
internal sealed record ClientRun(int Ok, int Failed, double WallMs, double P50Ms, double P95Ms, long PeakRssKb, string? FirstError)
{
    /// <summary>The backend's CPU time during this client's timed classifications (filled in by the harness).</summary>
    public double ServerCpuMs { get; init; }

    /// <summary>The backend's CPU time during this client's warm-up (filled in by the harness).</summary>
    public double WarmupServerCpuMs { get; init; }

    /// <summary>The client process's own CPU time (user + system) during the timed classifications.</summary>
    public double ClientCpuMs { get; init; }

    /// <summary>Bytes the client allocated on the managed heap during the timed classifications (.NET clients; 0 for Node).</summary>
    public long AllocatedBytes { get; init; }

    /// <summary>Time the client's GC paused the process during the timed classifications (.NET clients; 0 for Node).</summary>
    public double GcPauseMs { get; init; }

    /// <summary>Warm-up classifications run: fewer than asked when the warm-up time limit came first.</summary>
    public int WarmedUp { get; init; }

    /// <summary>What the server counted during the timed classifications (backends with <c>/_bench/stats</c>; else null).</summary>
    public BackendStats? ServerStats { get; init; }

    /// <summary>What the server counted during the warm-up (backends with <c>/_bench/stats</c>; else null).</summary>
    public BackendStats? WarmupServerStats { get; init; }

    /// <summary>The backend's CPU time per timed classification, in µs.</summary>
    public double ServerCpuUs(int timed) => ServerCpuMs * 1000 / timed;

    /// <summary>The backend's CPU time per warm-up classification, in µs (NaN without a warm-up).</summary>
    public double WarmupServerCpuUs => WarmedUp > 0 ? WarmupServerCpuMs * 1000 / WarmedUp : double.NaN;
}

[System.Text.Json.Serialization.JsonSourceGenerationOptions(PropertyNamingPolicy = System.Text.Json.Serialization.JsonKnownNamingPolicy.CamelCase, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals | System.Text.Json.Serialization.JsonNumberHandling.AllowReadingFromString)]
[System.Text.Json.Serialization.JsonSerializable(typeof(ClientRun))]
internal sealed partial class ClientRunJson : System.Text.Json.Serialization.JsonSerializerContext
{
}
