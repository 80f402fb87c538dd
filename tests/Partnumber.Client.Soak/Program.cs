// Soak and load: N sequential and M concurrent classifications against FakePartnumberServer (loopback, Kestrel),
// a mix of outcomes, then checks that every request ended in exactly one result or exception, that descriptors and
// threads came back to the baseline, that no task exception went unobserved and that memory stayed flat.
// Usage: dotnet run -c Release --project tests/Partnumber.Client.Soak -- [--sequential N] [--concurrent M]
using System.Collections.Concurrent;
using System.Diagnostics;
using Partnumber.Client;
using Partnumber.Client.Testing;

var sequential = Arg("--sequential", 10_000);
var concurrent = Arg("--concurrent", 1_000);

var unobserved = 0;
TaskScheduler.UnobservedTaskException += (_, e) => { Interlocked.Increment(ref unobserved); Console.Error.WriteLine("UNOBSERVED: " + e.Exception.GetBaseException()); e.SetObserved(); };

// A small journal: the soak measures the client, not the fake's record of it.
await using var server = await FakePartnumberServer.StartAsync(new FakePartnumberServerOptions { JournalCapacity = 100 });
server.ForPartnumber(pn => pn.StartsWith("FAIL-", StringComparison.Ordinal)).FailInFinished("scripted failure");
server.ForPartnumber(pn => pn.StartsWith("REJECT-", StringComparison.Ordinal)).RespondWith(422, """{"error":"scripted"}""");
// Warm up (JIT, thread pool, Kestrel) with a client of its own, then take the baseline without any client.
await using (var warmup = server.CreateClient())
{
    for (var i = 0; i < 50; i++)
    {
        await warmup.ClassifyAndWaitAsync(new ClassificationRequest($"WARM-{i}"));
    }
}

var baseline = await Snapshot.SettleAsync(server, null);
var client = server.CreateClient(o => o.ClassificationTimeout = TimeSpan.FromSeconds(30));
Console.WriteLine($"baseline: {baseline}");
var failures = new ConcurrentBag<string>();

var seqClock = Stopwatch.StartNew();
var seqOutcomes = new Outcomes();
var memory = new List<long>();
for (var i = 0; i < sequential; i++)
{
    await seqOutcomes.RunAsync(client, Request(i));
    if (i % Math.Max(1, sequential / 5) == 0)
    {
        memory.Add(Snapshot.ManagedBytesAfterGc());
    }
}

seqClock.Stop();
Console.WriteLine($"sequential: {sequential} in {seqClock.Elapsed.TotalSeconds:0.00} s ({sequential / seqClock.Elapsed.TotalSeconds:0} /s); {seqOutcomes}");
Console.WriteLine($"managed heap after GC at 0%, 20%, 40%, 60%, 80%: {string.Join(", ", memory.Select(b => $"{b / 1024.0 / 1024.0:0.0} MB"))}");

var conClock = Stopwatch.StartNew();
var conOutcomes = new Outcomes();
await Task.WhenAll(Enumerable.Range(0, concurrent).Select(i => conOutcomes.RunAsync(client, Request(i))));
conClock.Stop();
Console.WriteLine($"concurrent: {concurrent} at once in {conClock.Elapsed.TotalSeconds:0.00} s; {conOutcomes}");

var beforeDispose = Snapshot.Take(server);
Console.WriteLine($"in use:   {beforeDispose} (HTTP connection pool still open)");
await client.DisposeAsync();
var settled = await Snapshot.SettleAsync(server, baseline);
Console.WriteLine($"disposed: {settled}");
GC.Collect();
GC.WaitForPendingFinalizers();
GC.Collect();

Check(seqOutcomes.Total == sequential, $"sequential outcomes {seqOutcomes.Total} != {sequential}");
Check(conOutcomes.Total == concurrent, $"concurrent outcomes {conOutcomes.Total} != {concurrent}");
Check(seqOutcomes.Unexpected == 0 && conOutcomes.Unexpected == 0, "unexpected outcome kinds");
Check(settled.ServerSessions == 0, $"{settled.ServerSessions} server sessions still open");
Check(settled.Descriptors <= baseline.Descriptors + 10, $"descriptors {baseline.Descriptors} -> {settled.Descriptors}");
Check(settled.Threads <= baseline.Threads + 10, $"threads {baseline.Threads} -> {settled.Threads}");
Check(Volatile.Read(ref unobserved) == 0, $"{unobserved} unobserved task exceptions");
// After warm-up (the 20% mark), a leak of a kilobyte per classification would fail this at 3,000 classifications.
Check(memory.Count < 2 || memory[^1] <= (memory[1] * 2) + (2 * 1024 * 1024), "managed memory grew across the sequential run");

Console.WriteLine(failures.IsEmpty ? "soak: OK" : "soak: FAILED\n  " + string.Join("\n  ", failures));
return failures.IsEmpty ? 0 : 1;

void Check(bool condition, string failure)
{
    if (!condition)
    {
        failures.Add(failure);
    }
}

static ClassificationRequest Request(int i) => new((i % 10) switch
{
    7 => $"FAIL-{i}",
    9 => $"REJECT-{i}",
    _ => $"PN-{i}",
});

int Arg(string name, int fallback)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? int.Parse(args[index + 1], System.Globalization.CultureInfo.InvariantCulture) : fallback;
}

/// <summary>Counts outcomes: each request must end in exactly one result or one exception.</summary>
internal sealed class Outcomes
{
    private int _done;
    private int _failed;
    private int _rejected;
    private int _unexpected;

    public int Total => _done + _failed + _rejected + _unexpected;

    public int Unexpected => _unexpected;

    public async Task RunAsync(IPartnumberClassificationClient client, ClassificationRequest request)
    {
        try
        {
            var result = await client.ClassifyAndWaitAsync(request);
            Interlocked.Increment(ref result.Status == ClassificationStatus.Done ? ref _done : ref _unexpected);
        }
        catch (ClassificationFailedException) when (request.Partnumber.StartsWith("FAIL-", StringComparison.Ordinal))
        {
            Interlocked.Increment(ref _failed);
        }
        catch (ClassificationRejectedException) when (request.Partnumber.StartsWith("REJECT-", StringComparison.Ordinal))
        {
            Interlocked.Increment(ref _rejected);
        }
        catch (Exception ex)
        {
            Console.Error.WriteLine($"{request.Partnumber}: {ex.GetType().Name}: {ex.Message}");
            Interlocked.Increment(ref _unexpected);
        }
    }

    public override string ToString() => $"done {_done}, failed {_failed}, rejected {_rejected}, unexpected {_unexpected}";
}

internal sealed record Snapshot(int Descriptors, int Threads, int ServerSessions, long ManagedBytes)
{
    public static Snapshot Take(FakePartnumberServer server)
    {
        using var process = Process.GetCurrentProcess();
        return new Snapshot(Directory.GetFiles("/proc/self/fd").Length, process.Threads.Count, server.OpenSessionCount, ManagedBytesAfterGc());
    }

    public static long ManagedBytesAfterGc()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return GC.GetTotalMemory(forceFullCollection: true);
    }

    /// <summary>
    /// Sockets close asynchronously on both sides: take snapshots until they match the baseline (or, with none, until
    /// two in a row agree) or 10 s pass.
    /// </summary>
    public static async Task<Snapshot> SettleAsync(FakePartnumberServer server, Snapshot? baseline)
    {
        var deadline = Stopwatch.StartNew();
        var previous = Take(server);
        while (true)
        {
            await Task.Delay(100);
            var now = Take(server);
            var settled = baseline is null
                ? now.Descriptors == previous.Descriptors && now.ServerSessions == 0
                : now.ServerSessions == 0 && now.Descriptors <= baseline.Descriptors + 10 && now.Threads <= baseline.Threads + 10;
            previous = now;
            if (settled || deadline.Elapsed > TimeSpan.FromSeconds(10))
            {
                return now;
            }
        }
    }

    public override string ToString() => $"fds {Descriptors}, threads {Threads}, server sessions {ServerSessions}, managed {ManagedBytes / 1024.0 / 1024.0:0.0} MB";
}
