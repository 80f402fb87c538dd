using Microsoft.AspNetCore.Http;

namespace Partnumber.Client.Testing.Internal.Hosting;

/// <summary>
/// CORS for <see cref="FakePartnumberServerOptions.CorsAllowedOrigins"/>: an allowed origin is echoed back with
/// credentials allowed, and its preflight is answered here; any other origin gets no CORS headers.
/// </summary>
internal static class Cors
{
    /// <summary>Adds the CORS headers for an allowed origin; true when the request was a preflight, answered 204.</summary>
    public static bool Apply(HttpContext context, IReadOnlyList<string> allowed)
    {
        var origin = context.Request.Headers.Origin.ToString();
        if (origin.Length == 0 || !allowed.Any(a => a == "*" || string.Equals(a.TrimEnd('/'), origin, StringComparison.OrdinalIgnoreCase)))
        {
            return false;
        }

        var headers = context.Response.Headers;
        headers.AccessControlAllowOrigin = origin;
        headers.AccessControlAllowCredentials = "true";
        headers.Vary = "Origin";
        if (!HttpMethods.IsOptions(context.Request.Method))
        {
            return false;
        }

        headers.AccessControlAllowMethods = "GET, POST, OPTIONS";
        var requested = context.Request.Headers.AccessControlRequestHeaders.ToString();
        headers.AccessControlAllowHeaders = requested.Length > 0 ? requested : "Content-Type";
        headers.AccessControlMaxAge = "600";
        context.Response.StatusCode = 204;
        return true;
    }
}
