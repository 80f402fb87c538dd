using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebSockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Partnumber.Client.Testing.Internal.Hosting;

/// <summary>
/// The fake on a real socket: a minimal Kestrel app (no server header, WebSockets on, no console lifetime) that hands
/// every request to one <see cref="RequestDelegate"/>, and the base address clients reach it at.
/// </summary>
internal sealed class KestrelHost : IAsyncDisposable
{
    /// <summary>How long a stop waits for requests in flight before Kestrel drops them.</summary>
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(5);

    private readonly WebApplication _app;

    private KestrelHost(WebApplication app, Uri baseAddress)
    {
        _app = app;
        BaseAddress = baseAddress;
    }

    /// <summary><c>http://127.0.0.1:&lt;port&gt;/</c> for a wildcard bind (<c>[::1]</c> for IPv6), else the bound host.</summary>
    public Uri BaseAddress { get; }

    /// <summary>Listens on <see cref="FakePartnumberServerOptions.BindAddress"/> and <see cref="FakePartnumberServerOptions.Port"/>.</summary>
    public static async Task<KestrelHost> StartAsync(FakePartnumberServerOptions options, RequestDelegate handle, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Listen(options.BindAddress, options.Port);
        });
        builder.Services.AddWebSockets(_ => { });
        builder.Services.AddSingleton<IHostLifetime, NoopHostLifetime>();
        if (options.LoggerFactory is not null)
        {
            builder.Services.AddSingleton(options.LoggerFactory);
        }

        var app = builder.Build();
        app.UseWebSockets();
        app.Run(handle);
        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await app.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        var host = options.BindAddress.Equals(IPAddress.Any) ? "127.0.0.1"
            : options.BindAddress.Equals(IPAddress.IPv6Any) ? "[::1]"
            : address.Host;
        return new KestrelHost(app, new UriBuilder(address) { Host = host, Path = "/" }.Uri);
    }

    /// <summary>Stops Kestrel (waiting at most <see cref="StopTimeout"/>, in real time) and releases the app.</summary>
    public async ValueTask DisposeAsync()
    {
        using var timeout = WallClock.Timeout(StopTimeout);
        try
        {
            await _app.StopAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
