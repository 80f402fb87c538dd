using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Partnumber.Client.Sample;
using Partnumber.Client.Testing;
using Partnumber.Client.WorkerSample;
using Spectre.Console;

namespace Partnumber.Client.Sample.Tests;

/// <summary>
/// How a consumer tests the same code against <see cref="FakePartnumberServer"/>: the real protocol over loopback,
/// scripted per partnumber, with the server's journal to assert what was sent.
/// </summary>
public sealed class FakeServerTests : IAsyncLifetime, IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("pn-sample-fake-").FullName;
    private readonly StringWriter _screen = new();
    private readonly IAnsiConsole _console;
    private FakePartnumberServer _fake = null!;

    public FakeServerTests() => _console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(_screen), Interactive = InteractionSupport.No });

    public async Task InitializeAsync() => _fake = await FakePartnumberServer.StartAsync();

    public async Task DisposeAsync() => await _fake.DisposeAsync();

    public void Dispose()
    {
        _screen.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task Single_mode_shows_the_scripted_steps_and_extra_fields()
    {
        _fake.ForPartnumber("PN-TEST-12345").Progress("Consultando catálogo").Progress("Classificando").Finish("Parafuso M8", new { category = "fixings" });
        await using var client = _fake.CreateClient(o => o.ClassificationTimeout = TimeSpan.FromSeconds(30));

        var code = await ClassifyCommand.RunAsync(SampleArguments.Parse(["PN-TEST-12345", "--description", "M8"]), client, _console, TextWriter.Null, CancellationToken.None);

        Assert.Equal(ExitCodes.Done, code);
        var screen = _screen.ToString();
        Assert.Contains("Consultando catálogo", screen, StringComparison.Ordinal);
        Assert.Contains("Parafuso M8", screen, StringComparison.Ordinal);
        Assert.Contains("fixings", screen, StringComparison.Ordinal);
        var request = Assert.Single(_fake.Journal.Requests);
        Assert.Contains("\"description\":\"M8\"", request.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_task_that_fails_on_the_server_exits_with_1_and_says_why_in_json()
    {
        _fake.ForPartnumber("PN-BAD").FailInFinished("no class for PN-BAD");
        await using var client = _fake.CreateClient(o => o.ClassificationTimeout = TimeSpan.FromSeconds(30));
        using var stdout = new StringWriter();

        var code = await ClassifyCommand.RunAsync(SampleArguments.Parse(["PN-BAD", "--json"]), client, _console, stdout, CancellationToken.None);

        Assert.Equal(ExitCodes.Failed, code);
        using var json = JsonDocument.Parse(stdout.ToString());
        Assert.Equal("failed", json.RootElement.GetProperty("error_type").GetString());
        Assert.Contains("no class for PN-BAD", json.RootElement.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_batch_against_the_fake_classifies_each_partnumber_once_and_the_rerun_retries_only_failures()
    {
        var csv = Path.Combine(_dir, "parts.csv");
        var journal = Path.Combine(_dir, "results.jsonl");
        File.WriteAllLines(csv, ["partnumber,description", .. Enumerable.Range(1, 30).Select(i => $"PN-{i},part {i}"), "PN-1,duplicate"]);
        _fake.ForPartnumber("PN-7").FailInFinished("temporarily unavailable");
        await using var client = _fake.CreateClient(o => o.ClassificationTimeout = TimeSpan.FromSeconds(30));
        var arguments = SampleArguments.Parse(["--input", csv, "--output", journal, "--concurrency", "4"]);

        Assert.Equal(ExitCodes.Failed, await BatchCommand.RunAsync(arguments, client, _console, CancellationToken.None));
        Assert.Equal(30, _fake.Journal.Requests.Count);
        Assert.Equal(29, JournalState.Load(journal).Done.Count);

        _fake.ResetScripts();
        Assert.Equal(ExitCodes.Done, await BatchCommand.RunAsync(arguments, client, _console, CancellationToken.None));
        Assert.Equal(31, _fake.Journal.Requests.Count);
        Assert.Equal(31, File.ReadAllLines(journal).Length);
        Assert.Equal(30, JournalState.Load(journal).Done.Count);
    }

    [Fact]
    public async Task The_worker_runs_in_a_host_with_AddPartnumberClassificationClient_against_the_fake()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.Sources.Clear(); // not the sample's appsettings.json, which is copied next to the tests
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Partnumber:BaseAddress"] = _fake.BaseAddress.ToString(),
            ["Partnumber:ClassificationTimeout"] = "00:00:30",
            ["Worker:Partnumbers:0"] = "PN-A",
            ["Worker:Partnumbers:1"] = "PN-B",
        });
        builder.Services.AddPartnumberClassificationClient(builder.Configuration);
        builder.Services.AddOptions<WorkerOptions>().Bind(builder.Configuration.GetSection(WorkerOptions.SectionName));
        builder.Services.AddSingleton<ClassificationWorker>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ClassificationWorker>());
        using var host = builder.Build();
        var worker = host.Services.GetRequiredService<ClassificationWorker>();

        // The worker stops the host when its list is done.
        await host.RunAsync().WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal("done", worker.Outcomes["PN-A"]);
        Assert.Equal("done", worker.Outcomes["PN-B"]);
        Assert.Equal(2, _fake.Journal.Requests.Count);
    }
}
