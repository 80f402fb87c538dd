namespace Partnumber.Client.WebSample.Tests.Infrastructure;

/// <summary>
/// The real web sample (<see cref="WebSampleApp.BuildAsync"/>, the code Program.cs runs) on Kestrel, 127.0.0.1, a free
/// port, in this process. Stopped and disposed with the host, with the embedded backend if it started one.
/// </summary>
public sealed class WebSampleHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private WebSampleHost(WebApplication app)
    {
        _app = app;
        Address = WebSampleApp.ListeningAddress(app);
    }

    /// <summary>The app's address, e.g. http://127.0.0.1:41234/.</summary>
    public Uri Address { get; }

    /// <summary>
    /// Starts the app against <paramref name="backend"/> (null: none configured, so the app starts its embedded fake),
    /// with extra configuration (e.g. <c>Partnumber:ClassificationTimeout</c>).
    /// </summary>
    public static async Task<WebSampleHost> StartAsync(Uri? backend, IReadOnlyDictionary<string, string?>? settings = null)
    {
        string[] args = backend is null
            ? ["--urls", "http://127.0.0.1:0"]
            : ["--urls", "http://127.0.0.1:0", "--server", backend.ToString()];
        var app = await WebSampleApp.BuildAsync(args, builder =>
        {
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
            if (settings is not null)
            {
                builder.Configuration.AddInMemoryCollection(settings);
            }
        });
        try
        {
            await app.StartAsync();
            return new WebSampleHost(app);
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
    }

    /// <summary>An HttpClient on the app's address.</summary>
    public HttpClient CreateHttpClient() => new() { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(30) };

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await _app.StopAsync(timeout.Token);
        }
        finally
        {
            await _app.DisposeAsync();
        }
    }
}
