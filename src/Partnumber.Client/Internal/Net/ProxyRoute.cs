using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;

namespace Partnumber.Client.Internal.Net;

/// <summary>Whether a forward proxy carries a request, and what its refusals look like.</summary>
internal static class ProxyRoute
{
    private static readonly Regex StatusInMessage = new(@"\b(?:status code|StatusCode)\D{0,3}(\d{3})\b", RegexOptions.CultureInvariant);

    /// <summary>The proxy the platform applies to HTTP requests when the application configured none (HTTP_PROXY, HTTPS_PROXY, ALL_PROXY, NO_PROXY, or the system's settings).</summary>
    public static IWebProxy? System =>
#if NETSTANDARD2_0
        WebRequest.DefaultWebProxy;
#else
        HttpClient.DefaultProxy;
#endif

    /// <summary>Whether <paramref name="proxy"/> would carry a connection to <paramref name="uri"/> (ws/wss asked as http/https).</summary>
    public static bool Applies(IWebProxy? proxy, Uri uri)
    {
        if (proxy is null)
        {
            return false;
        }

        var asHttp = uri.Scheme is "ws" or "wss" ? new UriBuilder(uri) { Scheme = uri.Scheme == "wss" ? "https" : "http" }.Uri : uri;
        return !proxy.IsBypassed(asHttp) && proxy.GetProxy(asHttp) is { } through && through != asHttp;
    }

    /// <summary>The message for a forward proxy's 407 (the credentials themselves are never part of it).</summary>
    public static string AuthenticationRequired(string what)
        => $"The proxy requires authentication (407 Proxy Authentication Required) for {what}: configure its credentials "
           + "(HTTP_PROXY=http://user:password@proxy:port, or the Credentials of the proxy your HTTP handler and ConfigureWebSocket use), "
           + "or check the ones configured.";

    /// <summary>
    /// The status a forward proxy answered a CONNECT with, when <paramref name="exception"/> says the tunnel was refused
    /// (403 for a port it does not tunnel to, 407 for credentials, 5xx when it cannot reach the server); null otherwise.
    /// </summary>
    public static int? TunnelRefusalStatus(HttpRequestException exception)
    {
#if NET8_0_OR_GREATER
        var isTunnel = exception.HttpRequestError == HttpRequestError.ProxyTunnelError;
#else
        var isTunnel = exception.Message.IndexOf("proxy tunnel", StringComparison.OrdinalIgnoreCase) >= 0;
#endif
        if (!isTunnel)
        {
            return null;
        }

        return StatusInMessage.Match(exception.Message) is { Success: true } match
            ? int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture)
            : 0;
    }
}
