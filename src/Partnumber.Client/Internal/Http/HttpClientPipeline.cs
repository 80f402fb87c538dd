using System.Reflection;
using Microsoft.Extensions.Http;

namespace Partnumber.Client.Internal.Http;

/// <summary>
/// What an application's <see cref="HttpClient"/> is made of: whether its handlers retry (then the client adds no retry
/// layer of its own: one layer, as with dependency injection) and its primary handler (long-polling goes straight to it,
/// past the application's handlers: a retry or timeout handler meant for the POST would repeat or cut off a poll).
/// </summary>
internal static class HttpClientPipeline
{
    /// <summary>
    /// The handler type behind Microsoft.Extensions.Http.Resilience's <c>AddResilienceHandler</c>,
    /// <c>AddStandardResilienceHandler</c> and <c>AddStandardHedgingHandler</c>. Matched by name: the SDK does not
    /// depend on that package (nor on Polly v8) for the sake of recognising it.
    /// </summary>
    private const string ResilienceHandlerTypeName = "Microsoft.Extensions.Http.Resilience.ResilienceHandler";

    /// <summary>
    /// <see cref="HttpMessageInvoker"/> keeps its handler private (<c>_handler</c> on .NET, <c>handler</c> on .NET
    /// Framework); without it the pipeline is unknown and the client behaves as if the HttpClient had no handlers.
    /// </summary>
    private static readonly FieldInfo? HandlerField =
        typeof(HttpMessageInvoker).GetField("_handler", BindingFlags.NonPublic | BindingFlags.Instance)
        ?? typeof(HttpMessageInvoker).GetField("handler", BindingFlags.NonPublic | BindingFlags.Instance);

    /// <summary>
    /// Whether <paramref name="handler"/> is a resilience layer: any Polly <see cref="PolicyHttpMessageHandler"/>
    /// (<c>AddPolicyHandler</c>, <c>AddTransientHttpErrorPolicy</c>…) or Microsoft.Extensions.Http.Resilience handler.
    /// A policy's kind cannot be read from its handler, so any such handler counts: the application then owns resilience.
    /// </summary>
    public static bool IsResilienceLayer(DelegatingHandler handler)
    {
        if (handler is PolicyHttpMessageHandler)
        {
            return true;
        }

        for (var type = handler.GetType(); type is not null; type = type.BaseType)
        {
            if (type.FullName == ResilienceHandlerTypeName)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Whether <paramref name="client"/>'s handlers retry, and its primary handler; (false, null) when unknown.</summary>
    public static (bool Retries, HttpMessageHandler? Primary) Inspect(HttpClient client)
    {
        var handler = HandlerField?.GetValue(client) as HttpMessageHandler;
        var retries = false;
        while (handler is DelegatingHandler layer)
        {
            retries |= IsResilienceLayer(layer);
            handler = layer.InnerHandler;
        }

        return (retries, handler);
    }

    /// <summary>
    /// The client long-polling uses for an application's <paramref name="client"/> (as <see cref="Inspect"/> found it:
    /// <paramref name="retries"/>, <paramref name="primary"/>): the same client unless its handlers
    /// retry (a retry or attempt timeout meant for the POST would repeat or cut off a poll); then a client over its
    /// primary handler alone (not disposed with it), carrying its default request headers. Other handlers (a tap, an
    /// auth header) keep seeing the polls.
    /// </summary>
    public static HttpClient ForPolling(HttpClient client, bool retries, HttpMessageHandler? primary)
    {
        if (!retries || primary is null)
        {
            return client;
        }

        var polling = new HttpClient(primary, disposeHandler: false) { Timeout = client.Timeout };
        foreach (var header in client.DefaultRequestHeaders)
        {
            polling.DefaultRequestHeaders.TryAddWithoutValidation(header.Key, header.Value);
        }

        return polling;
    }
}
