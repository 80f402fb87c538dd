namespace Partnumber.Client.Internal.Classification;

/// <summary>
/// The OpenTelemetry semantic-convention attributes of the server a client classifies against (<c>server.address</c>,
/// <c>server.port</c>, <c>url.scheme</c>), computed once per client: every backend dashboard groups by them.
/// </summary>
internal sealed class ServerTags
{
    private ServerTags(string address, int port, string scheme)
    {
        Address = address;
        Port = port;
        Scheme = scheme;
    }

    public string Address { get; }

    public int Port { get; }

    public string Scheme { get; }

    public static ServerTags Of(Uri baseAddress) => new(baseAddress.IdnHost, baseAddress.Port, baseAddress.Scheme);
}
