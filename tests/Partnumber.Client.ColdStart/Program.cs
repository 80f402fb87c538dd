// usage: Partnumber.Client.ColdStart [--raw] <baseUrl> [sequential]
// Prints one line: {"firstMs":…, "sequentialMs":…, "sequential":N} — the first classification timed from before the
// client library's first method is compiled (the runtime's own start is not in it; the harness times the whole
// process), then N more in turn. --raw does the same flow on the framework alone (RawFlow): the floor any .NET client
// pays. Each flow is its own method, so compiling Main touches neither.
using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using Partnumber.Client;
using Partnumber.Client.ColdStart;

var raw = args[0] == "--raw";
args = raw ? args[1..] : args;
var baseAddress = new Uri(args[0]);
var sequential = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 20;
var started = Stopwatch.GetTimestamp();
var (first, rest) = raw ? await RawAsync(baseAddress, sequential, started) : await SdkAsync(baseAddress, sequential, started);
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{{\"firstMs\":{first.TotalMilliseconds:0.00},\"sequentialMs\":{rest.TotalMilliseconds:0.00},\"sequential\":{sequential}}}"));

[MethodImpl(MethodImplOptions.NoInlining)]
static async Task<(TimeSpan First, TimeSpan Sequential)> SdkAsync(Uri baseAddress, int sequential, long started)
{
    await using var client = new PartnumberClassificationClient(new PartnumberClassificationClientOptions { BaseAddress = baseAddress });
    await client.ClassifyAndWaitAsync(new ClassificationRequest("PN-COLD-0"));
    var first = Stopwatch.GetElapsedTime(started);
    var next = Stopwatch.GetTimestamp();
    for (var i = 1; i <= sequential; i++)
    {
        await client.ClassifyAndWaitAsync(new ClassificationRequest("PN-COLD-" + i.ToString(CultureInfo.InvariantCulture)));
    }

    return (first, Stopwatch.GetElapsedTime(next));
}

[MethodImpl(MethodImplOptions.NoInlining)]
static async Task<(TimeSpan First, TimeSpan Sequential)> RawAsync(Uri baseAddress, int sequential, long started)
{
    await RawFlow.ClassifyAsync(baseAddress, "PN-COLD-0");
    var first = Stopwatch.GetElapsedTime(started);
    var next = Stopwatch.GetTimestamp();
    for (var i = 1; i <= sequential; i++)
    {
        await RawFlow.ClassifyAsync(baseAddress, "PN-COLD-" + i.ToString(CultureInfo.InvariantCulture));
    }

    return (first, Stopwatch.GetElapsedTime(next));
}
