// usage: Partnumber.Client.ColdStart <baseUrl> [sequential]
// Prints one line: {"firstMs":…, "sequentialMs":…, "sequential":N} — the first classification timed from before the
// client is built (the runtime's own start is not in it; the harness times the whole process), then N more in turn.
using System.Diagnostics;
using System.Globalization;
using Partnumber.Client;

var baseAddress = new Uri(args[0]);
var sequential = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 20;
var started = Stopwatch.GetTimestamp();
await using var client = new PartnumberClassificationClient(new PartnumberClassificationClientOptions { BaseAddress = baseAddress });
await client.ClassifyAndWaitAsync(new ClassificationRequest("PN-COLD-0"));
var first = Stopwatch.GetElapsedTime(started);
var next = Stopwatch.GetTimestamp();
for (var i = 1; i <= sequential; i++)
{
    await client.ClassifyAndWaitAsync(new ClassificationRequest("PN-COLD-" + i.ToString(CultureInfo.InvariantCulture)));
}

var rest = Stopwatch.GetElapsedTime(next);
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{{\"firstMs\":{first.TotalMilliseconds:0.00},\"sequentialMs\":{rest.TotalMilliseconds:0.00},\"sequential\":{sequential}}}"));
