using Microsoft.Extensions.Time.Testing;

namespace Partnumber.Client.Tests.TestDoubles;

/// <summary>A client wired to in-memory HTTP and realtime doubles.</summary>
internal sealed class InMemoryClientHarness : IAsyncDisposable
{
    public InMemoryClientHarness(Action<PartnumberClassificationClientOptions>? configure = null, bool fakeTime = false)
    {
        if (fakeTime)
        {
            Time = new FakeTimeProvider();
        }

        Options = new PartnumberClassificationClientOptions { BaseAddress = new Uri("http://backend.test:5000") };
        if (Time is not null)
        {
            Options.TimeProvider = Time;
        }

        configure?.Invoke(Options);
        HttpClient = new HttpClient(Http);
        Client = new PartnumberClassificationClient(HttpClient, Options, ownsHttpClient: false, Connector);
    }

    public FakeTimeProvider? Time { get; }

    public PartnumberClassificationClientOptions Options { get; }

    public StubHttpHandler Http { get; } = new();

    public HttpClient HttpClient { get; }

    public ScriptedRealtimeConnector Connector { get; } = new();

    public PartnumberClassificationClient Client { get; }

    /// <summary>Scripts every join: the given events, in order, then nothing.</summary>
    public void OnJoinEmit(params (string Name, string Json)[] events)
        => Connector.OnJoin = (connection, _) =>
        {
            foreach (var (name, json) in events)
            {
                connection.Push(name, json);
            }
        };

    public async ValueTask DisposeAsync()
    {
        await Client.DisposeAsync();
        HttpClient.Dispose();
    }
}
