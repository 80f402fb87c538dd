using System.Net;
using System.Net.Sockets;

namespace Partnumber.Client.InteropTests.Infrastructure;

public static class FreePort
{
    // Ports some clients refuse (Node's fetch: SIP 5060/5061) or that are commonly taken.
    private static readonly HashSet<int> Avoid = [5000, 5060, 5061, 6379];

    /// <summary>A loopback port that was free a moment ago (the OS picks it). Only for servers that cannot bind port 0 themselves.</summary>
    public static int Pick()
    {
        while (true)
        {
            var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            listener.Stop();
            if (!Avoid.Contains(port))
            {
                return port;
            }
        }
    }
}
