using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Partnumber.Client.Sample;
using Partnumber.Client.Testing;
using Partnumber.Client.Testing.Recording;
using Spectre.Console;

namespace Partnumber.Client.Sample.Tests;

/// <summary>
/// <c>record</c> against a backend (here the fake, scripted like a real one) and <c>serve --replay</c> of the file it
/// wrote; and <c>--transport</c> with the transport named in the output.
/// </summary>
public sealed class RecordAndReplayTests : IAsyncLifetime, IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("pn-sample-record-").FullName;
    private readonly StringWriter _screen = new();
    private readonly IAnsiConsole _console;
    private FakePartnumberServer _backend = null!;

    public RecordAndReplayTests() => _console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(_screen), Interactive = InteractionSupport.No });

    public async Task InitializeAsync()
    {
        _backend = await FakePartnumberServer.StartAsync();
        _backend.ForPartnumber("PN-A").Progress("Consultando catálogo").Finish("Parafuso M8 de aço", new { ncm = "7318.15.00" });
        _backend.ForPartnumber("PN-B").Progress("a").FailInUpdate("Falha na consulta");
    }

    public async Task DisposeAsync() => await _backend.DisposeAsync();

    public void Dispose()
    {
        _screen.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task Record_writes_a_fixture_that_serve_replays_as_the_backend_answered()
    {
        var fixture = Path.Combine(_dir, "fixture.json");
        using var json = new StringWriter();

        var code = await RecordCommand.RunAsync(
            SampleArguments.Parse(["record", "PN-A", "PN-B", "--server", _backend.BaseAddress.ToString(), "--output", fixture, "--json"]), _console, json, CancellationToken.None);

        Assert.Equal(ExitCodes.Done, code);
        var lines = json.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(["finished", "failed in an update"], lines.Select(l => l.GetProperty("end").GetString()));
        var recording = PartnumberRecording.Load(fixture);
        Assert.Equal(["PN-A", "PN-B"], recording.Classifications.Select(c => c.Partnumber));

        var port = FreePort();
        using var stop = new CancellationTokenSource();
        var serving = ServeCommand.RunAsync(SampleArguments.Parse(["serve", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--replay", fixture]), _console, stop.Token);
        try
        {
            await using var client = new PartnumberClassificationClient(new PartnumberClassificationClientOptions { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), ClassificationTimeout = TimeSpan.FromSeconds(20) });
            var result = await ClassifyWhenListeningAsync(client, "PN-A", serving);
            Assert.Equal("Parafuso M8 de aço", result.Description);
            Assert.Equal("7318.15.00", result.Payload.GetProperty("ncm").GetString());
            var failed = await Assert.ThrowsAsync<ClassificationFailedException>(() => client.ClassifyAndWaitAsync(new ClassificationRequest("PN-B")));
            Assert.Contains("Falha na consulta", failed.Message, StringComparison.Ordinal);
            Assert.Contains("Replaying 2 recorded classification(s)", _screen.ToString(), StringComparison.Ordinal);
        }
        finally
        {
            await stop.CancelAsync();
            Assert.Equal(ExitCodes.Done, await serving);
        }
    }

    [Fact]
    public async Task Recording_into_an_existing_fixture_keeps_its_other_partnumbers()
    {
        var fixture = Path.Combine(_dir, "fixture.json");
        Assert.Equal(ExitCodes.Done, await RecordCommand.RunAsync(SampleArguments.Parse(["record", "PN-A", "--server", _backend.BaseAddress.ToString(), "--output", fixture]), _console, TextWriter.Null, CancellationToken.None));

        Assert.Equal(ExitCodes.Done, await RecordCommand.RunAsync(SampleArguments.Parse(["record", "PN-B", "--server", _backend.BaseAddress.ToString(), "--output", fixture]), _console, TextWriter.Null, CancellationToken.None));

        Assert.Equal(["PN-A", "PN-B"], PartnumberRecording.Load(fixture).Classifications.Select(c => c.Partnumber));
    }

    [Fact]
    public async Task A_bad_fixture_is_a_usage_error_that_says_where_the_problem_is()
    {
        var fixture = Path.Combine(_dir, "fixture.json");
        File.WriteAllText(fixture, "{\"format\":\"partnumber-recording\",\"version\":3,\"classifications\":[]}");

        var serve = await ServeCommand.RunAsync(SampleArguments.Parse(["serve", "--port", FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture), "--replay", fixture]), _console, CancellationToken.None);
        var record = await RecordCommand.RunAsync(SampleArguments.Parse(["record", "PN-A", "--server", _backend.BaseAddress.ToString(), "--output", fixture]), _console, TextWriter.Null, CancellationToken.None);

        Assert.Equal(ExitCodes.Usage, serve);
        Assert.Equal(ExitCodes.Usage, record);
        Assert.Contains("$.version (line 1)", _screen.ToString(), StringComparison.Ordinal);
        Assert.Empty(_backend.Journal.Requests); // nothing recorded over a file that could not be kept
    }

    [Fact]
    public async Task Recording_an_unreachable_backend_exits_with_the_connection_code()
    {
        var fixture = Path.Combine(_dir, "fixture.json");
        var port = FreePort();

        var code = await RecordCommand.RunAsync(SampleArguments.Parse(["record", "PN-A", "--server", $"http://127.0.0.1:{port}/", "--output", fixture, "--timeout", "5"]), _console, TextWriter.Null, CancellationToken.None);

        Assert.Equal(ExitCodes.Connection, code);
        Assert.False(File.Exists(fixture));
    }

    [Theory]
    [InlineData("polling", "polling")]
    [InlineData("websocket", "websocket")]
    public async Task The_transport_option_chooses_the_transport_and_the_output_names_it(string option, string named)
    {
        var arguments = SampleArguments.Parse(["PN-A", "--json", "--transport", option]);
        await using var client = _backend.CreateClient(o =>
        {
            o.Transports = arguments.Transports;
            o.ClassificationTimeout = TimeSpan.FromSeconds(20);
        });
        using var stdout = new StringWriter();

        Assert.Equal(ExitCodes.Done, await ClassifyCommand.RunAsync(arguments, client, _console, stdout, CancellationToken.None));
        Assert.Equal(ExitCodes.Done, await ClassifyCommand.RunAsync(SampleArguments.Parse(["PN-A", "--transport", option]), client, _console, TextWriter.Null, CancellationToken.None));

        Assert.Equal(named, JsonDocument.Parse(stdout.ToString()).RootElement.GetProperty("transport").GetString());
        Assert.Matches($"transport\\s*│\\s*{named}", _screen.ToString());
        Assert.All(_backend.Journal.Sessions, s => Assert.Equal(named, s.Transport));
    }

    [Fact]
    public async Task Batch_journal_lines_and_the_summary_name_the_transport()
    {
        var csv = Path.Combine(_dir, "parts.csv");
        var journal = Path.Combine(_dir, "results.jsonl");
        File.WriteAllLines(csv, ["partnumber", "PN-1", "PN-2", "PN-3"]);
        var arguments = SampleArguments.Parse(["--input", csv, "--output", journal, "--transport", "polling"]);
        await using var client = _backend.CreateClient(o => o.Transports = arguments.Transports);

        Assert.Equal(ExitCodes.Done, await BatchCommand.RunAsync(arguments, client, _console, CancellationToken.None));

        Assert.All(File.ReadAllLines(journal), line => Assert.Equal("polling", JsonDocument.Parse(line).RootElement.GetProperty("transport").GetString()));
        Assert.Matches("done over\\s*│\\s*polling 3", _screen.ToString());
    }

    private static async Task<ClassificationResult> ClassifyWhenListeningAsync(PartnumberClassificationClient client, string partnumber, Task<int> serving)
    {
        // The server starts in the background; the sample prints its address once it listens.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (!serving.IsCompleted && DateTime.UtcNow < deadline)
        {
            try
            {
                return await client.ClassifyAndWaitAsync(new ClassificationRequest(partnumber));
            }
            catch (PartnumberConnectionException)
            {
                await Task.Delay(50);
            }
        }

        Assert.Fail($"serve never answered (exit {(serving.IsCompleted ? serving.Result : -1)})");
        return null!;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
