using System.Text.Json;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Moq;
using Partnumber.Client.Sample;
using Partnumber.Client.WorkerSample;
using Spectre.Console;

namespace Partnumber.Client.Sample.Tests;

/// <summary>
/// How a consumer tests code that uses <see cref="IPartnumberClassificationClient"/>: mock the interface with Moq and
/// build results and updates with <see cref="PartnumberModelFactory"/>.
/// </summary>
public sealed class ConsumerMoqTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("pn-sample-moq-").FullName;
    private readonly StringWriter _screen = new();
    private readonly IAnsiConsole _console;

    public ConsumerMoqTests() => _console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(_screen), Interactive = InteractionSupport.No });

    public void Dispose()
    {
        _screen.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task Single_mode_shows_the_steps_and_a_result_table_with_the_payload_extra_fields()
    {
        var client = new Mock<IPartnumberClassificationClient>(MockBehavior.Strict);
        var payload = JsonDocument.Parse("""{"partnumber":"PN-1","description":"Parafuso","status":"done","category":"fixings","score":0.93}""").RootElement.Clone();
        client.Setup(c => c.ClassifyAsync(It.Is<ClassificationRequest>(r => r.Partnumber == "PN-1" && r.Manufacturer == "ACME"), It.IsAny<CancellationToken>()))
            .Returns(Updates(
                PartnumberModelFactory.ProgressUpdate(1, 2, "Consultando catálogo"),
                PartnumberModelFactory.ProgressUpdate(2, 2, "Classificando"),
                PartnumberModelFactory.FinalUpdate(PartnumberModelFactory.ClassificationResult("PN-1", "Parafuso", taskId: "task-42", payload: payload))));

        var code = await ClassifyCommand.RunAsync(SampleArguments.Parse(["PN-1", "--manufacturer", "ACME"]), client.Object, _console, TextWriter.Null, CancellationToken.None);

        Assert.Equal(ExitCodes.Done, code);
        var screen = _screen.ToString();
        Assert.Contains("[1/2] Consultando catálogo", screen, StringComparison.Ordinal);
        Assert.Contains("task-42", screen, StringComparison.Ordinal);
        Assert.Contains("category", screen, StringComparison.Ordinal);
        Assert.Contains("fixings", screen, StringComparison.Ordinal);
        Assert.Contains("0.93", screen, StringComparison.Ordinal);
    }

    public static TheoryData<Exception, int, string> Errors() => new()
    {
        { new ClassificationFailedException("no class found"), ExitCodes.Failed, "failed" },
        { new ClassificationRejectedException("422: partnumber too long"), ExitCodes.Failed, "rejected" },
        { new PartnumberConnectionException("connection refused"), ExitCodes.Connection, "connection" },
        { new ClassificationTimeoutException("no result after 30 s"), ExitCodes.Timeout, "timeout" },
    };

    [Theory]
    [MemberData(nameof(Errors))]
    public async Task Json_mode_prints_one_object_and_maps_errors_to_the_documented_exit_codes(Exception error, int exitCode, string kind)
    {
        var client = new Mock<IPartnumberClassificationClient>();
        client.Setup(c => c.ClassifyAndWaitAsync(It.IsAny<ClassificationRequest>(), It.IsAny<IProgress<ClassificationUpdate>?>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(error);
        using var stdout = new StringWriter();

        var code = await ClassifyCommand.RunAsync(SampleArguments.Parse(["PN-1", "--json"]), client.Object, _console, stdout, CancellationToken.None);

        Assert.Equal(exitCode, code);
        using var json = JsonDocument.Parse(stdout.ToString());
        Assert.Equal("PN-1", json.RootElement.GetProperty("partnumber").GetString());
        Assert.Equal("failed", json.RootElement.GetProperty("status").GetString());
        Assert.Equal(kind, json.RootElement.GetProperty("error_type").GetString());
        Assert.Equal(error.Message, json.RootElement.GetProperty("error").GetString());
    }

    [Fact]
    public async Task A_batch_rerun_classifies_only_what_was_not_done()
    {
        var csv = Path.Combine(_dir, "parts.csv");
        var journal = Path.Combine(_dir, "results.jsonl");
        File.WriteAllText(csv, "partnumber,description\nPN-1,a\nPN-2,b\n,no pn\nPN-1,dup\nPN-3,c\n");
        var flaky = true;
        var client = new Mock<IPartnumberClassificationClient>();
        client.Setup(c => c.ClassifyAndWaitAsync(It.IsAny<ClassificationRequest>(), It.IsAny<IProgress<ClassificationUpdate>?>(), It.IsAny<CancellationToken>()))
            .Returns((ClassificationRequest r, IProgress<ClassificationUpdate>? _, CancellationToken _) =>
                r.Partnumber == "PN-2" && flaky
                    ? Task.FromException<ClassificationResult>(new ClassificationFailedException("busy"))
                    : Task.FromResult(PartnumberModelFactory.ClassificationResult(r.Partnumber, "desc " + r.Partnumber)));
        var arguments = SampleArguments.Parse(["--input", csv, "--output", journal, "--concurrency", "2"]);

        Assert.Equal(ExitCodes.Failed, await BatchCommand.RunAsync(arguments, client.Object, _console, CancellationToken.None));
        Assert.Equal(3, File.ReadAllLines(journal).Length);
        Assert.Contains("line 4:", _screen.ToString(), StringComparison.Ordinal);

        flaky = false;
        client.Invocations.Clear();
        Assert.Equal(ExitCodes.Done, await BatchCommand.RunAsync(arguments, client.Object, _console, CancellationToken.None));

        var retried = Assert.Single(client.Invocations);
        Assert.Equal("PN-2", ((ClassificationRequest)retried.Arguments[0]).Partnumber);
        Assert.Equal(4, File.ReadAllLines(journal).Length);
        Assert.Equal(new[] { "PN-1", "PN-2", "PN-3" }, JournalState.Load(journal).Done.Order());
    }

    [Fact]
    public async Task Cancelling_a_batch_stops_taking_rows_and_journals_only_finished_items()
    {
        var csv = Path.Combine(_dir, "parts.csv");
        var journal = Path.Combine(_dir, "results.jsonl");
        File.WriteAllLines(csv, ["partnumber", .. Enumerable.Range(1, 50).Select(i => $"PN-{i}")]);
        using var cts = new CancellationTokenSource();
        var started = 0;
        var client = new Mock<IPartnumberClassificationClient>();
        client.Setup(c => c.ClassifyAndWaitAsync(It.IsAny<ClassificationRequest>(), It.IsAny<IProgress<ClassificationUpdate>?>(), It.IsAny<CancellationToken>()))
            .Returns(async (ClassificationRequest r, IProgress<ClassificationUpdate>? _, CancellationToken token) =>
            {
                if (Interlocked.Increment(ref started) <= 3)
                {
                    return PartnumberModelFactory.ClassificationResult(r.Partnumber);
                }

                // The fourth and later hang until cancelled, like a slow backend; the first hang triggers "Ctrl+C".
                await cts.CancelAsync();
                await Task.Delay(Timeout.Infinite, token);
                throw new InvalidOperationException("unreachable");
            });
        var arguments = SampleArguments.Parse(["--input", csv, "--output", journal, "--concurrency", "4"]);

        var code = await BatchCommand.RunAsync(arguments, client.Object, _console, cts.Token);

        Assert.Equal(ExitCodes.Canceled, code);
        Assert.InRange(client.Invocations.Count, 4, 7);
        var lines = File.ReadAllLines(journal);
        Assert.Equal(3, lines.Length);
        Assert.All(lines, l => Assert.Contains("\"status\":\"done\"", l, StringComparison.Ordinal));
        Assert.Equal(3, JournalState.Load(journal).Done.Count);
    }

    [Fact]
    public async Task Cancelling_a_single_classification_exits_with_130()
    {
        using var cts = new CancellationTokenSource();
        var client = new Mock<IPartnumberClassificationClient>();
        client.Setup(c => c.ClassifyAndWaitAsync(It.IsAny<ClassificationRequest>(), It.IsAny<IProgress<ClassificationUpdate>?>(), It.IsAny<CancellationToken>()))
            .Returns(async (ClassificationRequest _, IProgress<ClassificationUpdate>? _, CancellationToken token) =>
            {
                await cts.CancelAsync();
                await Task.Delay(Timeout.Infinite, token);
                return PartnumberModelFactory.ClassificationResult("unreachable");
            });

        var code = await ClassifyCommand.RunAsync(SampleArguments.Parse(["PN-1", "--json"]), client.Object, _console, TextWriter.Null, cts.Token);

        Assert.Equal(ExitCodes.Canceled, code);
    }

    [Fact]
    public async Task A_CSV_without_a_partnumber_column_is_a_usage_error_and_nothing_is_classified()
    {
        var csv = Path.Combine(_dir, "parts.csv");
        File.WriteAllText(csv, "sku,description\nA,b\n");
        var client = new Mock<IPartnumberClassificationClient>(MockBehavior.Strict);

        var code = await BatchCommand.RunAsync(SampleArguments.Parse(["--input", csv, "--output", Path.Combine(_dir, "out.jsonl")]), client.Object, _console, CancellationToken.None);

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("partnumber", _screen.ToString(), StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_dir, "out.jsonl")));
    }

    [Fact]
    public async Task A_backend_that_is_down_stops_the_batch_after_a_run_of_connection_failures_with_exit_code_3()
    {
        var csv = Path.Combine(_dir, "parts.csv");
        var journal = Path.Combine(_dir, "results.jsonl");
        File.WriteAllLines(csv, ["partnumber", .. Enumerable.Range(1, 500).Select(i => $"PN-{i}")]);
        var client = new Mock<IPartnumberClassificationClient>();
        client.Setup(c => c.ClassifyAndWaitAsync(It.IsAny<ClassificationRequest>(), It.IsAny<IProgress<ClassificationUpdate>?>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new PartnumberConnectionException("Connection refused"));

        var code = await BatchCommand.RunAsync(SampleArguments.Parse(["--input", csv, "--output", journal, "--concurrency", "2"]), client.Object, _console, CancellationToken.None);

        Assert.Equal(ExitCodes.Connection, code);
        Assert.InRange(File.ReadAllLines(journal).Length, 10, 12);
        Assert.InRange(client.Invocations.Count, 10, 12);
        Assert.Contains("is the backend up", _screen.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_worker_classifies_the_configured_partnumbers_and_stops_the_host()
    {
        var client = new Mock<IPartnumberClassificationClient>();
        client.Setup(c => c.ClassifyAndWaitAsync(It.IsAny<ClassificationRequest>(), It.IsAny<IProgress<ClassificationUpdate>?>(), It.IsAny<CancellationToken>()))
            .Returns((ClassificationRequest r, IProgress<ClassificationUpdate>? _, CancellationToken _) => r.Partnumber == "PN-BAD"
                ? Task.FromException<ClassificationResult>(new ClassificationFailedException("unknown part"))
                : Task.FromResult(PartnumberModelFactory.ClassificationResult(r.Partnumber)));
        var lifetime = new Mock<IHostApplicationLifetime>();
        var stopped = new TaskCompletionSource();
        lifetime.Setup(l => l.StopApplication()).Callback(() => stopped.TrySetResult());
        var options = new WorkerOptions { MaxConcurrency = 2 };
        options.Partnumbers.AddRange(["PN-1", "PN-BAD", "PN-3"]);
        using var worker = new ClassificationWorker(client.Object, Options.Create(options), NullLogger<ClassificationWorker>.Instance, lifetime.Object);

        await worker.StartAsync(CancellationToken.None);
        await stopped.Task.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal("done", worker.Outcomes["PN-1"]);
        Assert.Equal("done", worker.Outcomes["PN-3"]);
        Assert.Equal(nameof(ClassificationFailedException), worker.Outcomes["PN-BAD"]);
    }

    private static async IAsyncEnumerable<ClassificationUpdate> Updates(params ClassificationUpdate[] updates)
    {
        foreach (var update in updates)
        {
            await Task.Yield();
            yield return update;
        }
    }
}
