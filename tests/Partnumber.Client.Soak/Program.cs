// Soak and load: N sequential and M concurrent classifications against FakePartnumberServer (loopback, Kestrel),
// a mix of outcomes, with connection reuse on (the default), then checks that every request ended in exactly one result
// or exception, that descriptors, managed memory and the rooms each reused connection joined stayed flat during the
// sequential run, that descriptors and threads came back to the baseline, and that no task exception went unobserved.
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
server.Journal.Clear(); // from here on the journal lists the measured client's sessions only
var client = server.CreateClient(o =>
{
    o.ClassificationTimeout = TimeSpan.FromSeconds(30);
    o.ReuseConnections = true; // the default, stated: the soak measures reused connections
});
Console.WriteLine($"baseline: {baseline}");
var failures = new ConcurrentBag<string>();

var seqClock = Stopwatch.StartNew();
var seqOutcomes = new Outcomes();
var memory = new List<long>();
var descriptors = new List<int>();
var rooms = new RoomsPerConnection(server);
for (var i = 0; i < sequential; i++)
{
    await seqOutcomes.RunAsync(client, Request(i));
    if (i % Math.Max(1, sequential / 5) == 0)
    {
        memory.Add(Snapshot.ManagedBytesAfterGc());
        descriptors.Add(Snapshot.OpenDescriptors());
    }

    if (i % 250 == 0)
    {
        rooms.Sample(); // the journal keeps the last 100 sessions: sampled well before one drops out
    }
}

rooms.Sample();
seqClock.Stop();
memory.Add(Snapshot.ManagedBytesAfterGc());
descriptors.Add(Snapshot.OpenDescriptors());
Console.WriteLine($"sequential: {sequential} in {seqClock.Elapsed.TotalSeconds:0.00} s ({sequential / seqClock.Elapsed.TotalSeconds:0} /s); {seqOutcomes}");
Console.WriteLine($"managed heap after GC at 0%, 20%, 40%, 60%, 80%, 100%: {string.Join(", ", memory.Select(b => $"{b / 1024.0 / 1024.0:0.0} MB"))}");
Console.WriteLine($"descriptors at 0%, 20%, 40%, 60%, 80%, 100%: {string.Join(", ", descriptors)}");
Console.WriteLine($"connections (reuse on, at most {PartnumberClassificationClientOptions.DefaultMaxClassificationsPerConnection} classifications each): {rooms.Sessions} for {sequential} classifications; rooms joined per connection: max {rooms.Max}, mean {rooms.Mean:0.0}");

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
// With reuse, one connection at a time serves the sequential run: a descriptor per connection (or per classification) left open would show.
Check(descriptors.Count < 2 || descriptors[^1] <= descriptors[1] + 10, $"descriptors grew across the sequential run: {string.Join(", ", descriptors)}");
// The protocol has no leave: a reused connection stays in every room it joined, so its bound is the classifications per connection.
Check(rooms.Max <= PartnumberClassificationClientOptions.DefaultMaxClassificationsPerConnection, $"a connection joined {rooms.Max} rooms (at most {PartnumberClassificationClientOptions.DefaultMaxClassificationsPerConnection} expected)");
Check(sequential < 1000 || rooms.Sessions <= (sequential / 50) + 5, $"{rooms.Sessions} connections for {sequential} sequential classifications: connections are not being reused");

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

/// <summary>The most rooms any session (connection) joined, over the sessions the journal listed at each sample.</summary>
internal sealed class RoomsPerConnection(FakePartnumberServer server)
{
    private readonly Dictionary<string, int> _joined = new();

    public int Sessions => _joined.Count;

    public int Max => _joined.Count == 0 ? 0 : _joined.Values.Max();

    public double Mean => _joined.Count == 0 ? 0 : _joined.Values.Average();

    public void Sample()
    {
        foreach (var session in server.Journal.Sessions)
        {
            _joined[session.EngineSessionId] = session.JoinedRoomCount;
        }
    }
}

internal sealed record Snapshot(int Descriptors, int Threads, int ServerSessions, long ManagedBytes)
{
    public static Snapshot Take(FakePartnumberServer server)
    {
        using var process = Process.GetCurrentProcess();
        return new Snapshot(OpenDescriptors(), process.Threads.Count, server.OpenSessionCount, ManagedBytesAfterGc());
    }

    public static int OpenDescriptors() => Directory.GetFiles("/proc/self/fd").Length;

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
