using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;

namespace Partnumber.Client.WebSample;

/// <summary>
/// Builds the web sample: the client registered through DI, the SSE endpoints, the static page and <c>/health</c>.
/// Program.cs only runs what this builds, so the tests host the very same app on Kestrel (port 0) in-process.
/// </summary>
public static partial class WebSampleApp
{
    /// <summary>Where the app listens unless <c>--urls</c> or <c>ASPNETCORE_URLS</c> says otherwise: loopback only.</summary>
    public const string DefaultUrl = "http://127.0.0.1:5080";

    /// <summary>The configuration key of the backend's address (the client's <c>Partnumber</c> section).</summary>
    public const string BaseAddressKey = "Partnumber:BaseAddress";

    /// <summary>
    /// Builds the app. With no backend configured (<c>--server URL</c> or <c>Partnumber:BaseAddress</c>) it starts the
    /// embedded fake backend, owned and stopped by the app.
    /// </summary>
    /// <param name="args">The command line: <c>--server URL</c>, <c>--urls</c>, any configuration key.</param>
    /// <param name="configure">Changes the builder before the backend is chosen (tests add configuration here).</param>
    /// <param name="cancellationToken">Cancels starting the embedded backend.</param>
    public static async Task<WebApplication> BuildAsync(string[] args, Action<WebApplicationBuilder>? configure = null, CancellationToken cancellationToken = default)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,

            // The output folder, where appsettings.json and wwwroot are copied: the same files whatever the working
            // directory (`dotnet run --project` from the repository root, or a test host).
            ContentRootPath = AppContext.BaseDirectory,
            ApplicationName = typeof(WebSampleApp).Assembly.GetName().Name,
        });

        // `--server URL` is the console sample's spelling of the backend's address.
        builder.Configuration.AddCommandLine(args, new Dictionary<string, string> { ["--server"] = BaseAddressKey });
        if (string.IsNullOrEmpty(builder.Configuration["urls"]) && string.IsNullOrEmpty(builder.Configuration["http_ports"]))
        {
            builder.WebHost.UseUrls(DefaultUrl);
        }

        configure?.Invoke(builder);

        EmbeddedBackend? embedded = null;
        if (string.IsNullOrWhiteSpace(builder.Configuration[BaseAddressKey]))
        {
            embedded = await EmbeddedBackend.StartAsync(cancellationToken);
            builder.Configuration.AddInMemoryCollection([new(BaseAddressKey, embedded.BaseAddress.ToString())]);
        }

        try
        {
            // Binds the "Partnumber" section (BaseAddress, timeouts, Headers...) and registers a singleton
            // IPartnumberClassificationClient over IHttpClientFactory; the options are validated when the app starts.
            builder.Services.AddPartnumberClassificationClient(builder.Configuration);
            builder.Services.AddSingleton(new BackendInfo(new Uri(builder.Configuration[BaseAddressKey]!), embedded is not null));
            if (embedded is not null)
            {
                // A factory, not an instance, so the container owns it and disposes it with the app.
                builder.Services.AddSingleton(_ => embedded);
            }

            // <health-check>
            builder.Services.AddHealthChecks().AddPartnumberClassification(tags: ["ready"]);
            // </health-check>

            var app = builder.Build();

            // Resolved first, so disposed last: after the client that talks to it.
            app.Services.GetService<EmbeddedBackend>();

            app.UseDefaultFiles();
            app.UseStaticFiles(new StaticFileOptions
            {
                // Everything the page needs is served by the app itself; the policy keeps it that way.
                OnPrepareResponse = context => context.Context.Response.Headers.ContentSecurityPolicy = "default-src 'self'; frame-ancestors 'none'",
            });

            ClassificationEndpoints.Map(app);
            BatchEndpoints.Map(app);
            app.MapGet("/api/backend", (BackendInfo backend) => TypedResults.Ok(backend));

            // Readiness: a ping to the classification backend over the client's pooled connection (Healthy, Degraded
            // above 1 s, Unhealthy when it cannot be reached), answered 503 when Unhealthy.
            app.MapHealthChecks("/health");

            app.Lifetime.ApplicationStarted.Register(() => LogListening(app));
            return app;
        }
        catch
        {
            if (embedded is not null)
            {
                await embedded.DisposeAsync();
            }

            throw;
        }
    }

    /// <summary>The first address the app listens on, once started (port 0 resolved).</summary>
    public static Uri ListeningAddress(WebApplication app)
    {
        var addresses = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses;
        return new Uri(addresses.First());
    }

    private static void LogListening(WebApplication app)
    {
        var backend = app.Services.GetRequiredService<BackendInfo>();
        var source = backend.Embedded ? "the embedded fake backend (no --server given)" : "the backend";
        LogListening(app.Logger, ListeningAddress(app), source, backend.BaseAddress);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Open {Address} in a browser; classifying against {Source} at {Backend}")]
    private static partial void LogListening(ILogger logger, Uri address, string source, Uri backend);
}

/// <summary>Which backend the app classifies against (shown on the page).</summary>
/// <param name="BaseAddress">The backend's address.</param>
/// <param name="Embedded">True when it is the embedded fake.</param>
public sealed record BackendInfo(Uri BaseAddress, bool Embedded);
