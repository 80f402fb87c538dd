using System.Text;
using Microsoft.AspNetCore.Http;
using Partnumber.Client.Testing.Internal.Backend;
using Partnumber.Client.Testing.Internal.EngineIO;

namespace Partnumber.Client.Testing.Internal.Hosting;

/// <summary>
/// Routes a Kestrel request: CORS first (a preflight is answered here), then the Engine.IO path to
/// <see cref="EngineServer"/>, the classify path to <see cref="FakeBackend"/>, anything else 404.
/// </summary>
internal sealed class RequestDispatcher
{
    private readonly FakePartnumberServerOptions _options;
    private readonly FakeBackend _backend;
    private readonly EngineServer _engine;

    public RequestDispatcher(FakePartnumberServerOptions options, FakeBackend backend, EngineServer engine)
    {
        _options = options;
        _backend = backend;
        _engine = engine;
    }

    public Task DispatchAsync(HttpContext context)
    {
        if (_options.CorsAllowedOrigins is { } allowed && Cors.Apply(context, allowed))
        {
            return Task.CompletedTask; // a preflight, answered
        }

        var path = context.Request.Path.Value ?? "/";
        if (string.Equals(path.TrimEnd('/'), _options.SocketIOPath.TrimEnd('/'), StringComparison.Ordinal))
        {
            return _engine.HandleAsync(context);
        }

        if (string.Equals(path.TrimEnd('/'), _options.ClassifyPath.TrimEnd('/'), StringComparison.Ordinal))
        {
            return ClassifyAsync(context);
        }

        context.Response.StatusCode = 404;
        return Task.CompletedTask;
    }

    private async Task ClassifyAsync(HttpContext context)
    {
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer, context.RequestAborted).ConfigureAwait(false);
        var request = new RestRequest(context.Request.Method, context.Request.Path.Value ?? "/", EngineServer.HeadersOf(context.Request.Headers), context.Request.ContentType, buffer.ToArray());
        var response = await _backend.HandleClassifyAsync(request, context.RequestAborted).ConfigureAwait(false);
        context.Response.StatusCode = response.StatusCode;
        context.Response.ContentType = response.ContentType;
        foreach (var header in response.Headers)
        {
            context.Response.Headers.Append(header.Key, header.Value);
        }

        var bytes = Encoding.UTF8.GetBytes(response.Body);
        context.Response.ContentLength = bytes.Length;
        await context.Response.Body.WriteAsync(bytes, context.RequestAborted).ConfigureAwait(false);
    }
}
