using System.Net;
using System.Net.Sockets;
using System.Text;
using Partnumber.Client.Internal;
using Partnumber.Client.Internal.Http;

namespace Partnumber.Client.Tests.Internal.Http;

/// <summary>The HttpClient a client creates for itself: a bounded connection pool.</summary>
public sealed class OwnedHttpClientTests
{
    [Fact]
    public async Task Concurrent_posts_beyond_the_bound_wait_for_a_pooled_connection_instead_of_opening_more()
    {
        const int posts = HttpClientFactory.MaxConnectionsPerServer + 8;
        using var server = new CountingHttpServer(answerAfter: HttpClientFactory.MaxConnectionsPerServer);
        using var http = HttpClientFactory.CreateDefault();
        var api = new ClassificationApi(() => http, new PartnumberClassificationClientOptions { BaseAddress = server.BaseAddress }, PostRetry.None);

        var accepted = await Task.WhenAll(Enumerable.Range(0, posts).Select(i => api.StartAsync(new ClassificationRequest("PN-" + i), "sid", CancellationToken.None)))
            .WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(posts, accepted.Length);
        Assert.Equal(posts, server.Requests);
        Assert.Equal(HttpClientFactory.MaxConnectionsPerServer, server.Connections); // the last 8 reused connections
    }

    /// <summary>
    /// Answers every POST with a 202 on a kept-alive connection, but only once <c>answerAfter</c> requests are waiting,
    /// so every POST the client allows at once is in flight at the same time.
    /// </summary>
    private sealed class CountingHttpServer : IDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly int _answerAfter;
        private int _connections;
        private int _requests;

        public CountingHttpServer(int answerAfter)
        {
            _answerAfter = answerAfter;
            _listener.Start();
            _ = AcceptLoopAsync();
        }

        public Uri BaseAddress => new($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/");

        public int Connections => Volatile.Read(ref _connections);

        public int Requests => Volatile.Read(ref _requests);

        public void Dispose() => _listener.Stop();

        private async Task AcceptLoopAsync()
        {
            while (true)
            {
                TcpClient tcp;
                try
                {
                    tcp = await _listener.AcceptTcpClientAsync();
                }
                catch (Exception)
                {
                    return; // stopped
                }

                Interlocked.Increment(ref _connections);
                _ = ServeAsync(tcp);
            }
        }

        private async Task ServeAsync(TcpClient tcp)
        {
            using var _ = tcp;
            var stream = tcp.GetStream();
            var buffer = new byte[8192];
            var pending = new StringBuilder();
            try
            {
                while (true)
                {
                    var read = await stream.ReadAsync(buffer);
                    if (read == 0)
                    {
                        return;
                    }

                    pending.Append(Encoding.ASCII.GetString(buffer, 0, read));
                    var text = pending.ToString();
                    var headEnd = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
                    if (headEnd < 0)
                    {
                        continue;
                    }

                    var length = int.Parse(text.Split("\r\n").First(l => l.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase))["Content-Length:".Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture);
                    if (text.Length < headEnd + 4 + length)
                    {
                        continue;
                    }

                    pending.Remove(0, headEnd + 4 + length);
                    if (Interlocked.Increment(ref _requests) >= _answerAfter)
                    {
                        _release.TrySetResult();
                    }

                    await _release.Task;
                    const string body = "{\"message\":\"ok\",\"task_id\":\"t\",\"room_id\":\"r\"}";
                    await stream.WriteAsync(Encoding.ASCII.GetBytes($"HTTP/1.1 202 Accepted\r\nContent-Type: application/json\r\nContent-Length: {body.Length}\r\n\r\n{body}"));
                }
            }
            catch (IOException)
            {
                // the client went away
            }
        }
    }
}
