using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Partnumber.Client.InteropTests.Infrastructure;
using Xunit.Abstractions;

namespace Partnumber.Client.InteropTests.Scenarios;

/// <summary>
/// Runs a scenario against the fixture's real peers: skips/fails when a peer is missing, bounds the scenario so a hang
/// fails instead of stalling the suite, and on failure writes the peer logs and the SDK log into the test output.
/// </summary>
public abstract class ScenarioBase<TFixture>
    where TFixture : PeerFixture
{
    /// <summary>No scenario may take longer than this: a hang is a failure.</summary>
    protected static readonly TimeSpan HardLimit = TimeSpan.FromSeconds(90);

    protected ScenarioBase(TFixture fixture, ITestOutputHelper output)
    {
        Fixture = fixture;
        Output = output;
    }

    protected TFixture Fixture { get; }

    protected ITestOutputHelper Output { get; }

    protected static string NewPartnumber(string tag) => $"PN-{tag}-{Guid.NewGuid():N}"[..24];

    protected async Task RunAsync(Func<ScenarioContext, Task> body, [CallerMemberName] string scenario = "")
    {
        var deployment = Fixture.Require();
        var context = new ScenarioContext(deployment, Fixture);
        var mark = deployment.Log.Mark;
        Task? running = null;
        try
        {
            running = body(context);
            await running.WaitAsync(HardLimit).ConfigureAwait(false);
            Output.WriteLine($"{scenario} passed against {deployment}");
            foreach (var note in context.Notes)
            {
                Output.WriteLine(note);
            }
        }
        catch (Exception ex) when (ex is not SkipException)
        {
            Output.WriteLine($"{scenario} FAILED against {deployment}: {(ex is TimeoutException && running is { IsCompleted: false } ? $"the scenario hung for {HardLimit.TotalSeconds:0} s" : ex.GetType().Name + ": " + ex.Message)}");
            foreach (var note in context.Notes)
            {
                Output.WriteLine(note);
            }

            Output.WriteLine("----- peer log -----");
            Output.WriteLine(deployment.Log.Since(mark));
            foreach (var dedicated in context.Dedicated)
            {
                Output.WriteLine($"----- peer log of {dedicated} -----");
                Output.WriteLine(dedicated.Log.Since(0));
            }

            if (context.Gateway is { } gateway)
            {
                Output.WriteLine($"----- peer log of {gateway} (recent) -----");
                Output.WriteLine(gateway.Log.Since(Math.Max(0, gateway.Log.Mark - 200)));
            }

            Output.WriteLine("----- SDK log -----");
            Output.WriteLine(context.Logger.Dump());
            throw;
        }
        finally
        {
            foreach (var dedicated in context.Dedicated)
            {
                await dedicated.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>Reads a whole stream: the updates it yielded and the exception that ended it, if any.</summary>
    protected static async Task<StreamOutcome> CollectAsync(IAsyncEnumerable<ClassificationUpdate> stream, CancellationToken cancellationToken = default)
    {
        var updates = new List<ClassificationUpdate>();
        var clock = Stopwatch.StartNew();
        try
        {
            await foreach (var update in stream.WithCancellation(cancellationToken).ConfigureAwait(false))
            {
                updates.Add(update);
            }

            return new StreamOutcome(updates, null, clock.Elapsed);
        }
        catch (Exception ex)
        {
            return new StreamOutcome(updates, ex, clock.Elapsed);
        }
    }

    protected static JsonElement Property(JsonElement element, string name)
    {
        Assert.Equal(JsonValueKind.Object, element.ValueKind);
        Assert.True(element.TryGetProperty(name, out var value), $"payload has no '{name}': {element.GetRawText()}");
        return value;
    }

    protected static string? Text(JsonElement element, string name) => Property(element, name) is { ValueKind: JsonValueKind.String } v ? v.GetString() : null;

    /// <summary>
    /// Asserts the shape the SDK promises for a successful stream: progress updates, then exactly one final update; and,
    /// where the fixture asks for it (<see cref="PeerFixture.ChecksTransportOfEveryResult"/>), that the result came over
    /// the transport this deployment allows.
    /// </summary>
    protected ClassificationResult AssertCompleted(StreamOutcome outcome, string partnumber)
    {
        Assert.True(outcome.Error is null, $"the stream failed: {outcome.Error}");
        Assert.NotEmpty(outcome.Updates);
        var final = outcome.Updates[^1];
        Assert.True(final.IsFinal, "the last update is not final");
        Assert.Single(outcome.Updates, u => u.IsFinal);
        var result = final.Result!;
        Assert.Equal(partnumber, result.Partnumber);
        Assert.Equal(ClassificationStatus.Done, result.Status);
        Assert.False(string.IsNullOrEmpty(result.TaskId));
        Assert.False(string.IsNullOrEmpty(result.RoomId));
        if (Fixture.ChecksTransportOfEveryResult)
        {
            AssertTransport(result);
        }

        return result;
    }

    /// <summary>Asserts that the result names the transport the SDK must end up on here with default options.</summary>
    protected void AssertTransport(ClassificationResult result) =>
        Assert.True(
            result.Transport == Fixture.ExpectedTransport,
            $"the result came over {result.Transport}; this deployment ({Fixture.GetType().Name}) must be reached over {Fixture.ExpectedTransport}");
}

public sealed record StreamOutcome(List<ClassificationUpdate> Updates, Exception? Error, TimeSpan Elapsed)
{
    public IEnumerable<ClassificationUpdate> Progress => Updates.Where(u => !u.IsFinal);
}

/// <summary>What one scenario uses: the deployment, the SDK logger, dedicated deployments to dispose, notes to print.</summary>
public sealed class ScenarioContext(PeerDeployment deployment, PeerFixture fixture)
{
    public PeerDeployment Deployment { get; } = deployment;

    public TestLoggerFactory Logger { get; } = new();

    public List<PeerDeployment> Dedicated { get; } = [];

    public List<string> Notes { get; } = [];

    public TestClient CreateClient(Action<PartnumberClassificationClientOptions>? configure = null, bool trustCertificate = true)
        => Deployment.CreateClient(configure, Logger, trustCertificate);

    /// <summary>The class's shared gateway deployment (API key, moved Socket.IO path, 1 s heartbeat).</summary>
    public async Task<PeerDeployment> GatewayAsync()
    {
        var gateway = await fixture.GetGatewayAsync().ConfigureAwait(false);
        Gateway = gateway;
        return gateway;
    }

    /// <summary>Options for the gateway: its API key and Socket.IO path.</summary>
    public static void UseGateway(PartnumberClassificationClientOptions options)
    {
        options.Headers["X-Api-Key"] = PeerFixture.GatewayApiKey;
        options.SocketIOPath = PeerFixture.GatewaySocketIOPath;
    }

    /// <summary>The gateway this scenario used, if any (its log is printed on failure).</summary>
    public PeerDeployment? Gateway { get; private set; }

    /// <summary>Adopts a deployment the scenario started itself: disposed after it, its log printed on failure.</summary>
    public PeerDeployment Track(PeerDeployment deployment)
    {
        Dedicated.Add(deployment);
        return deployment;
    }

    /// <summary>A fresh deployment of the same kind, only for this scenario (disposed after it).</summary>
    public async Task<PeerDeployment> StartDedicatedAsync(IReadOnlyList<string>? extraArguments = null)
    {
        var dedicated = await fixture.StartDedicatedAsync(extraArguments).ConfigureAwait(false);
        Dedicated.Add(dedicated);
        return dedicated;
    }

    public void Note(string text) => Notes.Add(text);
}
